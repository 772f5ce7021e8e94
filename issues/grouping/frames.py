"""Frame facts: SDK, runtime and app frames, and what a frame contributes (`frame_key`).

Deciding these is regex work repeated for every frame of every event, so grouping asks the
memoized `frame_facts` / `cached_*` functions; the plain functions define the answers.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from events.normalize import NormalizedEvent

_PY_STDLIB = frozenset(sys.stdlib_module_names) - {"__main__"}
# "./lib/python3.11/json/decoder.py" on Unix, "C:\Python311\Lib\json\decoder.py" on Windows.
_PY_STDLIB_PATH_RE = re.compile(r"[/\\]lib[/\\]python\d+(?:\.\d+)?[/\\]|\\python\d*\\lib\\", re.I)
_PY_THIRD_PARTY_PATH_RE = re.compile(r"[/\\](?:site|dist)-packages[/\\]", re.I)
_SDK_PATH_RE = re.compile(
    r"(?:^|[/\\])(?:sentry_sdk|raven)[/\\]|@sentry[/\\]|sentry-cdn\.com|^package:sentry\w*/"
)
_SDK_MODULE_RE = re.compile(r"^(?:sentry_sdk|raven)(?:\.|$)|^@sentry[./]")
_SDK_BUNDLE_RE = re.compile(r"(?:^|[/\\])(?:sentry|raven)(?:\.[\w-]+)*\.js(?:$|[?#])", re.I)
_URL_RE = re.compile(r"^(?:https?|blob):", re.I)
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*:/{0,3}", re.I)
_PLACEHOLDER_FILES = frozenset({"<anonymous>", "[native code]", "native", "<unknown>", "?"})
_JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx")
# A "-3.6.0" / ".v2.1" version or a ".3f9a2c1b" content hash between dots of a bundle name.
_BUNDLE_PART_RE = re.compile(r"[.@_-](v?\d+(?:\.\d+){1,3}|[0-9a-z]{6,})(?=\.)", re.I)
_HEX_ONLY_RE = re.compile(r"^[0-9a-f]+$", re.I)
_JS_PLATFORMS = frozenset({"javascript", "node"})
_JS_RECEIVER_RE = re.compile(r"^(?:Object|Module|Function|exports|module\.exports)\.")
_JS_ALIAS_RE = re.compile(r"\s*\[as [^\]]*\]$")
_JS_PREFIX_RE = re.compile(r"^(?:async|new)\s+")
ANONYMOUS_FUNCTIONS = frozenset(
    {"?", "<anonymous>", "anonymous", "<anon>", "(anonymous)", "anonymous function", ""}
)
_JS_ANONYMOUS_SUFFIX_RE = re.compile(r"\.(?:\?|<anonymous>)$")
_JS_MODULE_VERSION_RE = re.compile(r"@\d+(?:\.\d+)+(?:-[\w.]+)?")
_ADDRESS_RE = re.compile(r"\s*(?:@|\bat\s+)?0x[0-9a-f]+\b", re.I)
# Names that compilers, proxies and template engines generate, with a counter or hash that
# changes from build to build (or run to run). Applied to modules and function names.
_GENERATED_RES = [
    (re.compile(r"(_erb)__\d+(?:_\d+)?"), r"\1"),  # Ruby ERB templates
    (re.compile(r"(lambda\$[\w$]*?\$)\d+"), r"\1"),  # Java: lambda$main$0
    (re.compile(r"\$\$Lambda\$\d+(?:/0x[0-9a-f]+)?", re.I), "$$Lambda$"),  # Java: X$$Lambda$12/0x1
    (re.compile(r"(\$lambda)[-$]\d+"), r"\1"),  # Kotlin: foo$lambda-1
    (re.compile(r"(b__)\d+(?:_\d+)?"), r"\1"),  # C#: <Main>b__0_0
    (re.compile(r"<lambda_[0-9a-f]+>", re.I), "<lambda>"),  # MSVC
    (re.compile(r"(\$\$(?:EnhancerBy|FastClassBy)\w*?\$\$)[0-9a-f]+", re.I), r"\1"),  # CGLIB/Guice
    (re.compile(r"(\$HibernateProxy\$)\w+"), r"\1"),
    (re.compile(r"(_\$\$_javassist(?:_seam)?_)\d+"), r"\1"),
    (re.compile(r"(Generated(?:Serialization)?(?:Method|Constructor)Accessor)\d+"), r"\1"),
    (re.compile(r"(\$fn__)\d+"), r"\1"),  # Clojure
]
_MODULE_HEX_RE = re.compile(r"(?<![0-9a-z])[0-9a-f]{8,}(?![0-9a-z])", re.I)


def _frame_platform(frame: dict[str, Any], platform: str) -> str:
    return frame.get("platform") or platform


def is_sdk_frame(frame: dict[str, Any]) -> bool:
    """True for frames inside an error-reporting SDK (they say nothing about the app)."""
    module = frame.get("module") or ""
    if _SDK_MODULE_RE.search(module):
        return True
    for path in (frame.get("abs_path"), frame.get("filename")):
        if path and (_SDK_PATH_RE.search(path) or _SDK_BUNDLE_RE.search(path)):
            return True
    return False


def is_runtime_frame(frame: dict[str, Any], platform: str) -> bool:
    """True for frames inside the language runtime / standard library."""
    filename = frame.get("filename") or ""
    abs_path = frame.get("abs_path") or ""
    module = frame.get("module") or ""
    frame_platform = _frame_platform(frame, platform)
    if frame_platform == "python":
        path = abs_path or filename
        if path:
            if path.startswith("<frozen "):
                return True
            in_stdlib_dir = _PY_STDLIB_PATH_RE.search(path) is not None
            return in_stdlib_dir and _PY_THIRD_PARTY_PATH_RE.search(path) is None
        # Without a path the module name is all we have (user modules rarely shadow stdlib).
        return module.split(".", 1)[0] in _PY_STDLIB
    if frame_platform in _JS_PLATFORMS:
        if any(path.startswith("node:") for path in (filename, abs_path, module)):
            return True
        if module.startswith("internal/") or filename.startswith("internal/"):
            return True
        # Built-ins such as JSON.parse or Array.map: no real file behind them.
        return filename in _PLACEHOLDER_FILES and frame.get("lineno") is None
    return False


def is_app_frame(frame: dict[str, Any], platform: str) -> bool:
    """In-app as reported by the SDK, minus SDK and runtime frames."""
    return (
        frame.get("in_app") is True
        and not is_sdk_frame(frame)
        and not is_runtime_frame(frame, platform)
    )


def _strip_bundle_part(match: re.Match[str]) -> str:
    token = match.group(1)
    if "." in token or token.isdigit():
        return ""  # a version number
    if any(ch.isdigit() for ch in token) and (_HEX_ONLY_RE.match(token) or len(token) >= 8):
        return ""  # a content hash ("3f9a2c1b", "a1b2c3d4e5")
    return match.group(0)  # a word such as "-vendors" or ".chunk"


def normalize_filename(name: str | None) -> str | None:
    """Basename, lower-cased, stable across deployments; None when it can't identify code."""
    if not name:
        return None
    name = name.strip()
    if not name or name in _PLACEHOLDER_FILES or _URL_RE.match(name):
        return None
    if (name.startswith("<") and name.endswith(">")) or name.startswith("["):
        return None
    name = _SCHEME_RE.sub("", name)
    name = re.split(r"[?#]", name, maxsplit=1)[0]
    base = re.split(r"[/\\]", name)[-1].lower()
    if base.endswith(_JS_EXTENSIONS):
        base = _BUNDLE_PART_RE.sub(_strip_bundle_part, base)
    return base or None


def normalize_module(module: str | None) -> str | None:
    if not module or "://" in module or module in _PLACEHOLDER_FILES or module.startswith("<"):
        return None
    for pattern, replacement in _GENERATED_RES:
        module = pattern.sub(replacement, module)
    # unpkg-style paths carry the package version ("react-dom@16.13.1/umd/...").
    module = _JS_MODULE_VERSION_RE.sub("", module)
    return _MODULE_HEX_RE.sub("<hex>", _ADDRESS_RE.sub("", module)) or None


def normalize_function(name: str | None, platform: str) -> str | None:
    """The function name without generated noise; None for anonymous functions."""
    if not name:
        return None
    name = " ".join(name.split())
    if platform in _JS_PLATFORMS:
        name = _JS_ALIAS_RE.sub("", name)
        name = _JS_PREFIX_RE.sub("", name)
        name = _JS_RECEIVER_RE.sub("", name)
        name = _JS_ANONYMOUS_SUFFIX_RE.sub("", name)  # "Server.?" is an anonymous method
    for pattern, replacement in _GENERATED_RES:
        name = pattern.sub(replacement, name)
    name = _ADDRESS_RE.sub("", name).strip()
    return None if name.lower() in ANONYMOUS_FUNCTIONS else name


def frame_key(frame: dict[str, Any], platform: str) -> str | None:
    """What a frame contributes: "module-or-file function", or None if it has nothing stable."""
    frame_platform = _frame_platform(frame, platform)
    where = normalize_module(frame.get("module"))
    if where is None:
        where = normalize_filename(frame.get("filename") or frame.get("abs_path"))
    function = normalize_function(frame.get("function"), frame_platform)
    if where is None and function is None:
        return None
    return " ".join(part for part in (where, function) if part)


# The same frames come back with every event of a problem, and deciding what they are is some
# thirty regex passes per frame: grouping asks `frame_facts`, which memoizes is_sdk_frame,
# is_app_frame and frame_key together, keyed on exactly the fields those read. Normalized frames
# hold only strings, numbers, booleans and None. Should a public function raise, or a field be
# unhashable (both only possible with a hand-made event), the fact is UNDECIDED and the caller
# asks the public function itself: the answers, and the errors, are always the public ones.

UNDECIDED: Any = object()
_ALL_UNDECIDED = (UNDECIDED, UNDECIDED, UNDECIDED)


def frame_facts(frame: dict[str, Any], platform: str) -> tuple[Any, Any, Any]:
    """(is_sdk_frame, is_app_frame, frame_key) of the frame, each possibly UNDECIDED."""
    try:
        return _cached_facts(
            frame.get("module"),
            frame.get("abs_path"),
            frame.get("filename"),
            frame.get("function"),
            _frame_platform(frame, platform),
            frame.get("lineno") is None,
            frame.get("in_app") is True,
        )
    except TypeError:
        return _ALL_UNDECIDED


@lru_cache(maxsize=8192)
def _cached_facts(
    module: str | None,
    abs_path: str | None,
    filename: str | None,
    function: str | None,
    platform: str,
    no_lineno: bool,
    in_app: bool,
) -> tuple[Any, Any, Any]:
    # A stand-in holding just the fields the public functions read.
    frame = {
        "module": module,
        "abs_path": abs_path,
        "filename": filename,
        "function": function,
        "platform": platform,
        "lineno": None if no_lineno else 0,
        "in_app": in_app,
    }
    return (
        _decided(is_sdk_frame, frame),
        _decided(is_app_frame, frame, platform),
        _decided(frame_key, frame, platform),
    )


def _decided(function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except Exception:
        return UNDECIDED


def cached_is_sdk_frame(frame: dict[str, Any], platform: str) -> bool:
    """`is_sdk_frame`, memoized."""
    sdk = frame_facts(frame, platform)[0]
    return is_sdk_frame(frame) if sdk is UNDECIDED else sdk


def cached_is_app_frame(frame: dict[str, Any], platform: str) -> bool:
    """`is_app_frame`, memoized."""
    app = frame_facts(frame, platform)[1]
    return is_app_frame(frame, platform) if app is UNDECIDED else app


def cached_frame_key(frame: dict[str, Any], platform: str) -> str | None:
    """`frame_key`, memoized (the stack strategy reads the same fact inline, in its loop)."""
    key = frame_facts(frame, platform)[2]
    return frame_key(frame, platform) if key is UNDECIDED else key


def frames_of(stacktrace: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The frames of a stack trace (none for a missing one)."""
    if not stacktrace:
        return []
    return [frame for frame in stacktrace.get("frames") or () if isinstance(frame, dict)]


def innermost_frame(event: NormalizedEvent) -> dict[str, Any] | None:
    """The main exception's innermost app frame, else its innermost frame outside the SDK."""
    main = event.main_exception
    platform = event.platform
    frames = frames_of(main.get("stacktrace")) if main else []
    app_frames = [frame for frame in frames if cached_is_app_frame(frame, platform)]
    candidates = app_frames or [
        frame for frame in frames if not cached_is_sdk_frame(frame, platform)
    ]
    return candidates[-1] if candidates else None
