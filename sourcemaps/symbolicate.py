"""Symbolication of JavaScript frames (browser and Node) during digestion, before grouping.

Each minified frame (a URL or path, a line and a column) is mapped back through its source map
to the original file, line, column, enclosing function and source context (`sourcesContent`),
so the event view shows the code as written, and grouping sees names that are the same in every
build. The map is found by debug ID (`debug_meta.images` of type `sourcemap`, whose `code_file`
is the frame's file) or by release + dist + file URL (`lookup.url_candidates`). The minified
frames stay in the exception's `raw_stacktrace`. Nothing here raises into digestion: a frame
that cannot be symbolicated keeps its minified form and the event records why, once per file,
as a processing error of type `js_no_source_map` / `js_invalid_source_map` / `js_no_mapping`.

Cost: an event that is not JavaScript pays one string comparison; a batch with JavaScript
events pays one aggregate query (does the project have any uploaded files), and a project
without any pays nothing more; with files, one query per distinct event shape per process.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings

from events.normalize import NormalizedEvent
from events.normalize.limits import MAX_CONTEXT_LINE_LENGTH, MAX_IDENTIFIER_LENGTH
from sourcemaps.cache import ParsedMap, StoredFile, parsed_maps
from sourcemaps.lookup import EventFiles, file_index, index_version, map_url, url_candidates

logger = logging.getLogger("bugsink.sourcemaps")

JS_PLATFORMS = frozenset({"javascript", "node"})
_CONTEXT_LINES = 5
_MAX_NOTES = 20
_MAX_MAPS_PER_EVENT = 20  # distinct source maps one event may need
_NOT_A_FILE = ("<", "[", "node:", "internal/", "native")


class BatchSymbolicator:
    """Symbolicates the JavaScript events of one digest batch of one project."""

    def __init__(self, project_id: int) -> None:
        self.project_id = project_id
        self._version: tuple[int, int] | None | bool = False  # False: not asked yet

    def version(self) -> tuple[int, int] | None:
        """The project's file-index version (None: no files), asked once per batch."""
        if self._version is False:
            self._version = index_version(self.project_id)
        return self._version  # type: ignore[return-value]

    def symbolicate(self, event: NormalizedEvent, debug_meta: object) -> None:
        """Symbolicate the event's frames in place; never raises for anything in the event."""
        if event.platform not in JS_PLATFORMS:
            return
        try:
            _EventSymbolication(self, event, debug_meta).run()
        except Exception as exc:  # a bug here must cost the frames, never the event
            logger.exception("symbolication of event %s failed", event.event_id)
            event.errors.append(
                {"type": "js_symbolication_failed", "name": "sourcemap", "reason": repr(exc)[:500]}
            )


def _debug_ids(debug_meta: object) -> dict[str, str]:
    """code_file -> debug ID of the event's `sourcemap` images."""
    images = debug_meta.get("images") if isinstance(debug_meta, dict) else None
    found: dict[str, str] = {}
    if not isinstance(images, list):
        return found
    for image in images[:1000]:
        if not isinstance(image, dict) or image.get("type") != "sourcemap":
            continue
        code_file, debug_id = image.get("code_file"), image.get("debug_id")
        if isinstance(code_file, str) and isinstance(debug_id, str) and len(debug_id) <= 64:
            try:
                # Stored canonically (store._debug_id); SDKs may send upper case or no hyphens.
                found[code_file] = str(uuid.UUID(debug_id.strip()[:36]))
            except ValueError:
                continue
    return found


def _frame_url(frame: dict[str, Any]) -> str | None:
    url = frame.get("abs_path") or frame.get("filename")
    if not isinstance(url, str) or not url or url.startswith(_NOT_A_FILE):
        return None
    if not isinstance(frame.get("lineno"), int) or not isinstance(frame.get("colno"), int):
        return None
    return url


class _EventSymbolication:
    def __init__(
        self, batch: BatchSymbolicator, event: NormalizedEvent, debug_meta: object
    ) -> None:
        self.batch = batch
        self.project_id = batch.project_id
        self.version: tuple[int, int] | None = None
        self.event = event
        self.release = event.release or ""
        self.dist = event.dist or ""
        self.debug_ids = _debug_ids(debug_meta)
        self.notes: dict[str, dict[str, Any]] = {}  # one note per file URL
        self.maps_used: set[int] = set()
        self.files: EventFiles | None = None

    def stacktraces(self) -> list[dict[str, Any]]:
        """Exceptions and threads with frames, each frame list once (a shared one would be
        symbolicated twice, the second time from already original positions)."""
        found, seen = [], set()
        for holder in [*self.event.exceptions, *self.event.threads]:
            frames = (holder.get("stacktrace") or {}).get("frames")
            if frames and id(frames) not in seen:
                seen.add(id(frames))
                found.append(holder)
        return found

    def run(self) -> None:
        holders = self.stacktraces()
        # A bare stacktrace (a message with attachStacktrace) has no place for its raw frames.
        bare = {"stacktrace": self.event.stacktrace}
        if self.event.stacktrace:
            holders.append(bare)
        urls = set()
        budget = settings.SOURCEMAP_MAX_FRAMES
        for holder in holders:
            for frame in holder["stacktrace"].get("frames") or ():
                url = _frame_url(frame)
                if url is not None:
                    urls.add(url)
        if not urls:
            return  # no minified positions in this event: nothing to ask about
        self.version = self.batch.version()
        if self.version is None and self.event.platform != "javascript":
            # Nothing uploaded: nothing to look up. Browser code is minified as a rule, so a
            # browser event still says which maps are missing (no query); a Node app mostly
            # runs its sources as written, and would only collect noise.
            return
        debug_ids = frozenset(self.debug_ids[url] for url in urls if url in self.debug_ids)
        if self.version is None:
            self.files = EventFiles()  # the project has no files at all
        else:
            self.files = file_index().files_for(
                self.project_id, self.version, self.release, self.dist, frozenset(urls), debug_ids
            )
        skipped = 0
        for holder in holders:
            stacktrace = holder["stacktrace"]
            frames = stacktrace.get("frames") or []
            raw_frames = [dict(frame) for frame in frames]
            changed = False
            tokens: list[tuple[Any, str] | None] = [None] * len(frames)
            # Innermost frames (the end of the list) matter most when the budget runs out.
            for position in range(len(frames) - 1, -1, -1):
                url = _frame_url(frames[position])
                if url is None:
                    continue
                if budget <= 0:
                    skipped += 1
                    continue
                budget -= 1
                tokens[position] = self._lookup(frames[position], url)
            for position, found in enumerate(tokens):
                if found is not None:
                    # The caller's token at the call site names the function it called.
                    caller = tokens[position - 1] if position > 0 else None
                    callsite = caller[0].name if caller is not None else None
                    _apply(
                        frames[position], found[0], _frame_url(frames[position]), found[1], callsite
                    )
                    changed = True
            if changed and holder is not bare:
                # As Sentry does: the minified frames, frame for frame, beside the symbolicated.
                holder["raw_stacktrace"] = {"frames": raw_frames}
        if skipped:
            self._note(
                "frames", "js_too_many_frames",
                f"{skipped} frames were not symbolicated (SOURCEMAP_MAX_FRAMES is "
                f"{settings.SOURCEMAP_MAX_FRAMES})",
            )  # fmt: skip
        self.event.errors.extend(list(self.notes.values())[:_MAX_NOTES])

    def _lookup(self, frame: dict[str, Any], url: str) -> tuple[Any, str] | None:
        """The frame's token in its source map and the map's name, or None (with a note)."""
        found = self._map_for(url, frame)
        if found is None:
            return None
        map_file, minified = found
        self.maps_used.add(map_file.pk)
        if len(self.maps_used) > _MAX_MAPS_PER_EVENT:
            # Each map may be SOURCEMAP_MAX_FILE_BYTES to read and parse: bound the event's share.
            self._note(
                url, "js_too_many_source_maps",
                f"{url} was not symbolicated: the event needs more than {_MAX_MAPS_PER_EVENT} "
                "source maps",
            )  # fmt: skip
            return None
        parsed: ParsedMap = parsed_maps().get(map_file, minified)
        if parsed.cache is None:
            self._note(url, "js_invalid_source_map", parsed.error)
            return None
        token = parsed.lookup(frame["lineno"], frame["colno"], _CONTEXT_LINES)
        if token is None or not token.src:
            self._note(
                url, "js_no_mapping",
                f"{url}:{frame['lineno']}:{frame['colno']} is not covered by source map "
                f"{map_file.name}",
            )  # fmt: skip
            return None
        return token, map_file.name

    def _map_for(
        self, url: str, frame: dict[str, Any]
    ) -> tuple[StoredFile, StoredFile | None] | None:
        files = self.files
        assert files is not None
        debug_id = self.debug_ids.get(url)
        if debug_id and files.by_debug_id:
            map_file = files.by_debug_id.get((debug_id, "source_map"))
            if map_file is not None:
                return map_file, files.by_debug_id.get((debug_id, "minified_source"))
        if self.release and files.by_name:
            for name in url_candidates(url):
                minified = files.by_name.get(name)
                if minified is None or minified.name.endswith(".map"):
                    continue
                reference = file_index().map_reference(minified)
                wanted = [map_url(minified.name, reference)] if reference else []
                wanted.append(f"{minified.name}.map")
                wanted = [w for w in wanted if w]
                file_index().more_names(
                    self.project_id, self.release, self.dist, files, set(wanted)
                )
                for map_name in wanted:
                    if map_name in files.by_name:
                        return files.by_name[map_name], minified
                self._note(
                    url, "js_no_source_map",
                    f"no source map for {url}: {minified.name} names "
                    f"{reference or minified.name + '.map'}, which is not uploaded in release "
                    f"{self.release}{_dist(self.dist)}",
                )  # fmt: skip
                return None
            # The minified file itself may be missing while its map is there.
            for name in url_candidates(url):
                map_file = files.by_name.get(f"{name}.map")
                if map_file is not None:
                    return map_file, None
        if frame.get("in_app") is not False:
            how = f"in release {self.release}{_dist(self.dist)}" if self.release else "(no release)"
            ident = f" or debug ID {debug_id}" if debug_id else ""
            self._note(url, "js_no_source_map", f"no source map for {url}{ident} {how}")
        return None

    def _note(self, url: str, kind: str, reason: str) -> None:
        if url not in self.notes:
            note = {"type": kind, "name": "sourcemap", "url": url[:1024], "reason": reason[:1024]}
            self.notes[url] = note


def _dist(dist: str) -> str:
    return f", dist {dist}" if dist else ""


def _line(text: str | None) -> str:
    return (text or "").rstrip("\r\n")[:MAX_CONTEXT_LINE_LENGTH]


def _function_name(token: Any, callsite: str | None) -> str | None:
    """As symbolicator names it: the enclosing scope's original name; for an anonymous scope
    `<anonymous>`; for an unknown scope (no minified source, top-level code) the name its
    caller called it by, if the caller's call site maps to one."""
    scope = token.function_name
    if scope and scope != "<unknown>":
        return scope
    return callsite or None


def _apply(
    frame: dict[str, Any], token: Any, url: str, map_name: str, callsite: str | None
) -> None:
    src = token.src[:MAX_IDENTIFIER_LENGTH]
    frame["abs_path"] = map_url(url, src) if "://" not in src else src
    frame["abs_path"] = (frame["abs_path"] or src)[:MAX_IDENTIFIER_LENGTH]
    frame["filename"] = _short_source(src)
    frame["lineno"] = token.line
    frame["colno"] = token.col
    function = _function_name(token, callsite)
    if function:
        frame["function"] = function[:MAX_IDENTIFIER_LENGTH]
    # The module the SDK derived from the minified file's name says nothing about the original.
    frame["module"] = None
    frame["context_line"] = _line(token.context_line) if token.context_line is not None else None
    frame["pre_context"] = [_line(line) for line in token.pre_context]
    frame["post_context"] = [_line(line) for line in token.post_context]
    if "/node_modules/" in src:
        frame["in_app"] = False
    frame["data"] = {"sourcemap": map_name[:MAX_IDENTIFIER_LENGTH]}


def _short_source(src: str) -> str:
    """The source's name as shown: `webpack://app/./src/a.js` and `../../src/a.js` are
    `src/a.js` (the build directory's relative steps say nothing about the code)."""
    if src.startswith("webpack://"):
        rest = src[len("webpack://") :]
        slash = rest.find("/")
        src = rest[slash + 1 :] if slash >= 0 else rest
    while src.startswith(("./", "../")):
        src = src[src.index("/") + 1 :]
    return src or "?"
