"""Handing assembled uploads to the source-map storage (sourcemaps/store.py, h14b's app)."""

from api.assemble import StoreRefused
from projects.models import Project


def store_artifact_bundle(project: Project, data: bytes, release: str, dist: str) -> None:
    from sourcemaps import store  # noqa: PLC0415 - until the sourcemaps app is merged

    try:
        store.store_artifact_bundle(project, data, release=release, dist=dist)
    except store.UploadRefused as e:
        raise StoreRefused(str(e)) from e
