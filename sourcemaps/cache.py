"""Parsed source maps, kept per process in an LRU bounded by SOURCEMAP_CACHE_MB.

Parsing a map is most of symbolication's cost, and a burst of errors comes from one bundle:
each (minified source, map) pair is read from storage and parsed once, then every later event
of the bundle only looks tokens up. A map that cannot be used is remembered too (as the reason
why), so a broken 30 MB map is not read again for every event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import storages
from symbolic import SymbolicError
from symbolic.sourcemapcache import SourceMapCache, SourceMapCacheToken

from events.lru import BoundedLRU

# The last line (or so) of a minified file names its map; only its tail is searched.
_SOURCE_MAPPING_URL_RE = re.compile(rb"[#@]\s*sourceMappingURL=(\S+)\s*(?:\*/)?\s*$")
_TAIL_BYTES = 4096


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What lookup knows of a stored file: enough to read it and to name it in a note."""

    pk: int
    name: str
    storage_name: str
    size: int
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return ""


# Positions remembered per map: a burst of one error asks for the same few again and again.
_MEMO_POSITIONS = 1024


@dataclass(frozen=True, slots=True)
class ParsedMap:
    """A usable map (`cache`), or the reason it is not (`error`)."""

    cache: SourceMapCache | None
    error: str = ""
    memo: dict = field(default_factory=dict, compare=False)

    def lookup(self, line: int, col: int, context_lines: int) -> SourceMapCacheToken | None:
        """The token at a minified position (tokens are read, never changed, by callers)."""
        key = (line, col, context_lines)
        if key in self.memo:
            return self.memo[key]
        token = self.cache.lookup(line, col, context_lines) if self.cache else None
        if len(self.memo) >= _MEMO_POSITIONS:
            self.memo.clear()
        self.memo[key] = token
        return token


class ParsedMaps:
    def __init__(self, max_bytes: int) -> None:
        self._lru: BoundedLRU[tuple[str, str], ParsedMap] = BoundedLRU(10_000, max_bytes)
        self.parses = 0  # how many maps this process parsed (tests and the benchmark read it)

    def get(self, map_file: StoredFile, minified: StoredFile | None) -> ParsedMap:
        key = (map_file.storage_name, minified.storage_name if minified else "")
        found = self._lru.get(key)
        if found is None:
            found, size = self._parse(map_file, minified)
            self._lru.put(key, found, size)
        return found

    def _parse(self, map_file: StoredFile, minified: StoredFile | None) -> tuple[ParsedMap, int]:
        self.parses += 1
        limit = settings.SOURCEMAP_MAX_FILE_BYTES
        for file in (map_file, minified):
            if file is not None and file.size > limit:
                return ParsedMap(None, f"{file.name} is over the size limit ({limit} bytes)"), 64
        try:
            map_bytes = read_stored(map_file)
            # Without the minified source the map still maps positions; only the names of
            # enclosing functions (which come from the minified code's scopes) are missing.
            source = read_stored(minified) if minified is not None else b""
        except OSError as exc:
            return ParsedMap(None, f"{map_file.name} cannot be read ({exc})"), 64
        try:
            map_bytes.decode("utf-8")
        except UnicodeDecodeError:
            return ParsedMap(None, f"source map {map_file.name} is not UTF-8"), 64
        try:
            parsed = SourceMapCache.from_bytes(source, map_bytes)
        except SymbolicError as exc:
            return ParsedMap(None, f"source map {map_file.name} is broken ({exc})"), 64
        # The parsed form is about as large as the map plus the source it indexes.
        return ParsedMap(parsed), len(map_bytes) + len(source)

    def clear(self) -> None:
        self._lru.clear()


def read_stored(file: StoredFile) -> bytes:
    with storages["sourcemaps"].open(file.storage_name, "rb") as f:
        return f.read(settings.SOURCEMAP_MAX_FILE_BYTES + 1)


def source_mapping_url(file: StoredFile) -> str:
    """The map a minified file names: its SourceMap header, else its sourceMappingURL comment."""
    named = file.header("sourcemap") or file.header("x-sourcemap")
    if named:
        return named
    try:
        with storages["sourcemaps"].open(file.storage_name, "rb") as f:
            if file.size > _TAIL_BYTES:
                f.seek(file.size - _TAIL_BYTES)
            tail = f.read(_TAIL_BYTES)
    except OSError:
        return ""
    for line in reversed(tail.splitlines()[-5:]):
        found = _SOURCE_MAPPING_URL_RE.search(line.strip())
        if found:
            return found.group(1).decode("utf-8", "replace")
    return ""


_parsed: ParsedMaps | None = None


def parsed_maps() -> ParsedMaps:
    """This process's cache (created on first use, sized by SOURCEMAP_CACHE_MB)."""
    global _parsed
    if _parsed is None:
        _parsed = ParsedMaps(settings.SOURCEMAP_CACHE_MB * 1024 * 1024)
    return _parsed
