"""Finding the stored files of a minified frame: by debug ID, or by release + dist + URL.

One query answers a whole event (every URL and debug ID of its frames at once), and its answer
is kept per process, keyed by the project's file-index version, so the events of one burst
cost no query at all once the first has been looked up; an upload changes the version.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from django.db.models import Count, Max, Q

from events.lru import BoundedLRU
from sourcemaps.cache import StoredFile, source_mapping_url
from sourcemaps.models import SourceFile

# `~/a/b/c.js` is tried for every tail of the path, up to this many directories deep.
_MAX_TAIL_DEPTH = 10
_COLUMNS = ("pk", "name", "file_type", "debug_id", "storage_name", "size", "headers")


def index_version(project_id: int) -> tuple[int, int] | None:
    """(file count, newest file id) of the project, or None when it has no files at all."""
    found = SourceFile.objects.filter(project_id=project_id).aggregate(n=Count("id"), top=Max("id"))
    if not found["n"]:
        return None
    return found["n"], found["top"]


@lru_cache(maxsize=4096)
def url_candidates(url: str) -> tuple[str, ...]:
    """The names a file served at `url` may have been uploaded under, best match first.

    As sentry-cli names them: the full URL, then `~/` + the path (with and without the query),
    then `~/` + every shorter tail of the path, so `/srv/app/dist/app.min.js` (Node) or
    `http://host/static/js/app.min.js` match an upload named `~/app.min.js` too.
    """
    url = url.split("#", 1)[0]
    candidates = [url]
    parts = urlsplit(url)
    path = parts.path if (parts.scheme or url.startswith("/")) else url
    if parts.query:
        candidates.append(url.split("?", 1)[0])
        candidates.append(f"~{path}?{parts.query}")
    segments = [s for s in path.split("/") if s]
    for start in range(max(0, len(segments) - _MAX_TAIL_DEPTH), len(segments)):
        candidates.append("~/" + "/".join(segments[start:]))
    return tuple(dict.fromkeys(candidates))


@lru_cache(maxsize=4096)
def map_url(minified_url: str, reference: str) -> str:
    """A sourceMappingURL resolved against the minified file's URL (or `~/` name)."""
    if reference.startswith("data:"):
        return ""
    if minified_url.startswith("~/"):
        joined = posixpath.join(posixpath.dirname(minified_url[1:]), reference)
        return "~" + posixpath.normpath(joined)
    return urljoin(minified_url, reference)


@dataclass
class EventFiles:
    """The stored files one event's frames may need, found with one query."""

    by_debug_id: dict[tuple[str, str], StoredFile] = field(default_factory=dict)
    by_name: dict[str, StoredFile] = field(default_factory=dict)
    # Names asked for after the first query (found or not), so each is asked once.
    asked: set[str] = field(default_factory=set)


class FileIndex:
    """Per process: the answer of each (project, version, release, dist, URLs, debug IDs)."""

    def __init__(self) -> None:
        self._answers: BoundedLRU[tuple, EventFiles] = BoundedLRU(2000, 64 * 1024 * 1024)
        self._map_refs: BoundedLRU[str, str] = BoundedLRU(10_000, 16 * 1024 * 1024)
        self.queries = 0  # tests read it: one burst, one query

    def files_for(
        self,
        project_id: int,
        version: tuple[int, int],
        release: str,
        dist: str,
        urls: frozenset[str],
        debug_ids: frozenset[str],
    ) -> EventFiles:
        key = (project_id, version, release, dist, urls, debug_ids)
        found = self._answers.get(key)
        if found is None:
            names = {name for url in urls for name in url_candidates(url)}
            # The usual map names, so the common case needs no second query for the map.
            names |= {f"{name}.map" for name in names}
            found = self._query(project_id, release, dist, names, debug_ids)
            self._answers.put(key, found, 512 + 256 * (len(found.by_name) + len(found.by_debug_id)))
        return found

    def more_names(
        self, project_id: int, release: str, dist: str, files: EventFiles, names: set[str]
    ) -> None:
        """Add files by name that the event's first query could not guess (rare)."""
        missing = names - files.by_name.keys() - files.asked
        if missing:
            files.asked |= missing
            extra = self._query(project_id, release, dist, missing, frozenset())
            files.by_name.update(extra.by_name)

    def map_reference(self, minified: StoredFile) -> str:
        found = self._map_refs.get(minified.storage_name)
        if found is None:
            found = source_mapping_url(minified)
            self._map_refs.put(minified.storage_name, found, 100 + len(found))
        return found

    def _query(
        self, project_id: int, release: str, dist: str, names: set[str], debug_ids: frozenset[str]
    ) -> EventFiles:
        self.queries += 1
        wanted = Q()
        if debug_ids:
            wanted |= Q(debug_id__in=debug_ids)
        if release and names:
            wanted |= Q(release=release, dist=dist, name__in=names)
        files = EventFiles()
        if not wanted:
            return files
        rows = (
            SourceFile.objects.filter(wanted, project_id=project_id)
            .order_by("pk")  # the newest upload of a name wins
            .values_list(*_COLUMNS)
        )
        for pk, name, file_type, debug_id, storage_name, size, headers in rows:
            headers = tuple((str(k), str(v)) for k, v in (headers or {}).items())
            stored = StoredFile(pk, name, storage_name, size, headers)
            if debug_id in debug_ids:
                files.by_debug_id[(debug_id, file_type)] = stored
            if name in names:
                files.by_name[name] = stored
        return files

    def clear(self) -> None:
        self._answers.clear()
        self._map_refs.clear()


_index: FileIndex | None = None


def file_index() -> FileIndex:
    global _index
    if _index is None:
        _index = FileIndex()
    return _index
