"""Storing uploaded artifact bundles and release files, after checking them.

The HTTP side (sentry-cli's endpoints) calls these with an already authorized project. Every
refusal of hostile or broken input raises `UploadRefused`, whose message is a sentence for the
client (the caller answers 4xx with it); nothing here trusts a size, a name or a count that
the upload declares.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from projects.models import Project
from sourcemaps.models import ArtifactBundle, SourceFile

# Types whose content digestion reads as text: they must be UTF-8.
_TEXT_TYPES = {"minified_source", "source_map", "source", "indexed_ram_bundle"}
_MAX_NAME = 1000
_MAX_HEADERS = 32
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class UploadRefused(ValueError):
    """An upload that is not stored; str() says why, in words fit for the client."""


def store_artifact_bundle(
    project: Project, data: bytes, release: str = "", dist: str = ""
) -> ArtifactBundle:
    """Check and store an artifact bundle zip (manifest.json + files) for `project`.

    `release` / `dist` default to the manifest's own (`attributes.release`, `.dist`). Storing
    the same bytes twice for a project returns the bundle stored the first time.
    """
    sha1 = hashlib.sha1(data).hexdigest()
    members = _read_bundle(data)
    manifest = members.pop("manifest.json", None)
    if manifest is None:
        raise UploadRefused("the artifact bundle has no manifest.json")
    info = _parse_manifest(manifest)
    attributes = info.get("attributes") if isinstance(info.get("attributes"), dict) else {}
    release = _text(release or attributes.get("release") or info.get("release") or "", 250)
    dist = _text(dist or attributes.get("dist") or info.get("dist") or "", 64)
    existing = ArtifactBundle.objects.filter(
        project=project, sha1=sha1, release=release, dist=dist
    ).first()
    if existing is not None:
        return existing
    files = info.get("files")
    if not isinstance(files, dict):
        raise UploadRefused("manifest.json has no `files` object")
    entries = []
    for path, meta in files.items():
        if not isinstance(meta, dict):
            raise UploadRefused(f"manifest entry {path[:200]!r} is not an object")
        content = members.get(path)
        if content is None:
            raise UploadRefused(f"manifest names {path[:200]!r}, which the bundle lacks")
        file_type = _text(meta.get("type") or "", 32)
        headers = _headers(meta.get("headers"))
        url = _text(meta.get("url") or "", _MAX_NAME + 1)
        if not url:
            raise UploadRefused(f"manifest entry {path[:200]!r} has no url")
        if len(url) > _MAX_NAME:
            raise UploadRefused(f"the url of {path[:200]!r} is longer than {_MAX_NAME}")
        debug_id = _debug_id(_header(headers, "debug-id"))
        if file_type in _TEXT_TYPES:
            _check_text(content, url, file_type == "source_map")
        entries.append((url, file_type, debug_id, headers, content))
    saved: list[str] = []
    with _files_removed_on_failure(saved), transaction.atomic():
        bundle = ArtifactBundle.objects.create(
            project=project,
            release=release,
            dist=dist,
            sha1=sha1,
            bundle_id=_text(info.get("debug_id") or info.get("bundle_id") or "", 64),
            file_count=len(entries),
        )
        for url, file_type, debug_id, headers, content in entries:
            _save(saved, project, content, bundle, release, dist, url, file_type, debug_id, headers)
    return bundle


def store_release_file(
    project: Project,
    data: bytes,
    name: str,
    release: str,
    dist: str = "",
    headers: dict[str, str] | None = None,
) -> SourceFile:
    """Store one legacy release file (`~/app.min.js`, `~/app.min.js.map`, ...) of a release.

    A file of the same name, release and dist replaces the earlier one, as in Sentry.
    """
    name = name.strip()
    if not name or len(name) > _MAX_NAME:
        raise UploadRefused(f"a release file needs a name of 1 to {_MAX_NAME} characters")
    if not release or len(release) > 250:
        raise UploadRefused("a release file needs a release of 1 to 250 characters")
    if len(data) > settings.SOURCEMAP_MAX_FILE_BYTES:
        raise UploadRefused(
            f"{name[:200]} is {len(data)} bytes, more than the limit of "
            f"{settings.SOURCEMAP_MAX_FILE_BYTES} (SOURCEMAP_MAX_FILE_BYTES)"
        )
    headers = _headers(headers or {})
    file_type = _guess_type(name, data)
    if file_type in _TEXT_TYPES:
        _check_text(data, name, file_type == "source_map")
    debug_id = _debug_id(_header(headers, "debug-id"))
    dist = _text(dist or "", 64)
    saved: list[str] = []
    with _files_removed_on_failure(saved), transaction.atomic():
        for old in SourceFile.objects.filter(
            project=project, bundle=None, release=release, dist=dist, name=name
        ):
            _delete(old)
        file = _save(saved, project, data, None, release, dist, name, file_type, debug_id, headers)
    return file


def release_files(project: Project, release: str) -> Iterable[SourceFile]:
    """The legacy release files of a release, by name."""
    return SourceFile.objects.filter(project=project, bundle=None, release=release).order_by(
        "name", "dist", "pk"
    )


def release_file(project: Project, release: str, file_id: int) -> SourceFile | None:
    return SourceFile.objects.filter(
        project=project, bundle=None, release=release, pk=file_id
    ).first()


def delete_release_file(project: Project, release: str, file_id: int) -> bool:
    found = release_file(project, release, file_id)
    if found is None:
        return False
    _delete(found)
    return True


def delete_bundle(bundle: ArtifactBundle) -> None:
    for file in SourceFile.objects.filter(bundle=bundle):
        _delete(file)
    bundle.delete()


def _read_bundle(data: bytes) -> dict[str, bytes]:
    """The zip's members by name, refusing bombs, traversal and too many or too big files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadRefused(f"the artifact bundle is not a valid zip file ({exc})") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > settings.SOURCEMAP_BUNDLE_MAX_FILES:
            raise UploadRefused(
                f"the artifact bundle holds {len(infos)} files, more than the limit of "
                f"{settings.SOURCEMAP_BUNDLE_MAX_FILES} (SOURCEMAP_BUNDLE_MAX_FILES)"
            )
        declared = 0
        for info in infos:
            _check_member_name(info.filename)
            declared += info.file_size
        limit = settings.SOURCEMAP_BUNDLE_MAX_BYTES
        if declared > limit:
            raise UploadRefused(
                f"the artifact bundle unpacks to {declared} bytes, more than the limit of "
                f"{limit} (SOURCEMAP_BUNDLE_MAX_BYTES)"
            )
        members: dict[str, bytes] = {}
        total = 0
        for info in infos:
            # The declared sizes are the sender's word: reading is bounded by the limits too.
            cap = _MAX_MANIFEST_BYTES if info.filename == "manifest.json" else None
            per_file = min(cap or settings.SOURCEMAP_MAX_FILE_BYTES, limit - total)
            try:
                with archive.open(info) as member:
                    content = member.read(per_file + 1)
            except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
                raise UploadRefused(f"{info.filename[:200]} cannot be unpacked ({exc})") from None
            except RuntimeError as exc:  # encrypted members
                raise UploadRefused(f"{info.filename[:200]} cannot be unpacked ({exc})") from None
            if len(content) > per_file:
                raise UploadRefused(
                    f"{info.filename[:200]} unpacks to more than {per_file} bytes "
                    "(SOURCEMAP_MAX_FILE_BYTES / SOURCEMAP_BUNDLE_MAX_BYTES)"
                )
            total += len(content)
            if info.filename in members:
                raise UploadRefused(f"the artifact bundle holds {info.filename[:200]} twice")
            members[info.filename] = content
        return members


def _check_member_name(name: str) -> None:
    normalized = posixpath.normpath(name.replace("\\", "/"))
    if (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or normalized.startswith("../")
        or normalized == ".."
        or "/../" in f"/{name.replace(chr(92), '/')}/"
        or "\x00" in name
    ):
        raise UploadRefused(f"the artifact bundle holds an unsafe path: {name[:200]!r}")


def _parse_manifest(content: bytes) -> dict[str, Any]:
    try:
        info = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise UploadRefused(f"manifest.json is not valid JSON ({exc})") from None
    if not isinstance(info, dict):
        raise UploadRefused("manifest.json is not a JSON object")
    return info


def _check_text(content: bytes, name: str, is_map: bool) -> None:
    if len(content) > settings.SOURCEMAP_MAX_FILE_BYTES:
        raise UploadRefused(
            f"{name[:200]} is {len(content)} bytes, more than the limit of "
            f"{settings.SOURCEMAP_MAX_FILE_BYTES} (SOURCEMAP_MAX_FILE_BYTES)"
        )
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRefused(f"{name[:200]} is not UTF-8 ({exc.reason} at {exc.start})") from None
    if is_map:
        try:
            parsed = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise UploadRefused(f"{name[:200]} is not a JSON source map ({exc})") from None
        if not isinstance(parsed, dict):
            raise UploadRefused(f"{name[:200]} is not a source map (not a JSON object)")


def _guess_type(name: str, data: bytes) -> str:
    if name.endswith(".map"):
        return "source_map"
    if name.endswith((".js", ".mjs", ".cjs")):
        return "minified_source"
    return ""


def _headers(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > _MAX_HEADERS:
        raise UploadRefused(f"headers must be an object of at most {_MAX_HEADERS} entries")
    return {_text(key, 100): _text(item, 1000) for key, item in value.items()}


def _header(headers: dict[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def _debug_id(value: str) -> str:
    """The canonical form of a debug ID (lower-case hyphenated UUID), or '' if it is none."""
    if not value:
        return ""
    try:
        return str(uuid.UUID(value.strip()[:36]))
    except ValueError:
        raise UploadRefused(f"{value[:100]!r} is not a debug ID") from None


def _text(value: object, limit: int) -> str:
    return str(value)[:limit] if value is not None else ""


def _save(
    saved: list[str],
    project: Project,
    content: bytes,
    bundle: ArtifactBundle | None,
    release: str,
    dist: str,
    name: str,
    file_type: str,
    debug_id: str,
    headers: dict[str, str],
) -> SourceFile:
    storage = storages["sourcemaps"]
    # Names are ours, never the upload's: no path from a client reaches the storage backend.
    stored_name = storage.save(f"{project.pk}/{uuid.uuid4().hex}", ContentFile(content))
    saved.append(stored_name)  # removed again if the row's transaction fails
    return SourceFile.objects.create(
        project=project,
        bundle=bundle,
        release=release,
        dist=dist,
        name=name,
        file_type=file_type,
        debug_id=debug_id,
        headers=headers,
        sha1=hashlib.sha1(content).hexdigest(),
        size=len(content),
        storage_name=stored_name,
    )


@contextmanager
def _files_removed_on_failure(saved: list[str]) -> Iterator[None]:
    """Files written for rows that roll back are removed again, so storage holds no orphans."""
    try:
        yield
    except BaseException:
        for name in saved:
            storages["sourcemaps"].delete(name)
        raise


def _delete(file: SourceFile) -> None:
    file.delete()  # its stored bytes go too (models._remove_stored_file)
