"""Handing uploads to the source-map storage (sourcemaps/store.py), its refusals turned into
the API's: an assemble error, or a 400."""

from api.assemble import StoreRefused
from projects.models import Project
from sourcemaps import store


def store_artifact_bundle(project: Project, data: bytes, release: str, dist: str) -> None:
    try:
        store.store_artifact_bundle(project, data, release=release, dist=dist)
    except store.UploadRefused as e:
        raise StoreRefused(str(e)) from e
