"""Grouping: decide which events are "the same problem" by giving each a stable hash.

Config ``v1``. Events with equal hashes belong to the same issue. The algorithm is versioned
(`GROUPING_CONFIG`) so that a future change can be rolled out without silently re-splitting
existing issues: store the config next to the hash.

The first strategy that produces anything wins:

1. **fingerprint** - a custom ``fingerprint`` sent by the SDK. Its strings are hashed as they are.
   An entry ``{{ default }}`` (or ``{{default}}``) is replaced by the components the default
   strategies below would have produced, so ``["{{ default }}", "tenant-a"]`` splits the normal
   group by tenant. Other whole-entry variables: ``{{ transaction }}``, ``{{ type }}``,
   ``{{ value }}``, ``{{ function }}``, ``{{ module }}``, ``{{ level }}``, ``{{ logger }}``,
   ``{{ message }}`` (the message, else the main exception's value; normalised) and the
   ``error.type`` / ``error.value`` / ``stack.function`` / ``stack.module`` spellings. Unknown
   variables are kept literally. A fingerprint of only ``{{ default }}`` is the same as none.
2. **exception** - every exception of the chain, oldest to newest, contributes
   * its ``type``, unless the mechanism marks it ``synthetic`` (the SDK made the exception up
     to carry a stack trace for a message, so the type means nothing);
   * its stack frames (see below);
   * its value, normalised (see below), but only when none of its frames contributed, or when
     it is synthetic (the value is then the only meaningful text; if it equals the event's
     formatted message and a message template exists, the template is used instead).
   Exception-group parents (``mechanism.is_exception_group``) without frames are skipped when
   the chain also holds non-group exceptions: the children say what went wrong.
3. **threads** - the stack trace of the only thread that has one, or of the single crashed one.
4. **stacktrace** - a bare top-level ``stacktrace``.
5. **message** - the message template (``logentry.message``), so ``"Order %s failed"`` groups
   all orders; else the formatted message. First line only, normalised.
6. **fallback** - platform and level: all events without any content group together.

Frames. Only in-app frames contribute; when no frame of the whole chain (or stack trace) is
in-app, all frames except the SDK's do. Frames from the SDK itself (``sentry_sdk``, ``@sentry/``,
``raven``) never contribute, and frames from the language runtime (Python's standard library:
paths under ``lib/pythonX.Y/`` outside ``site-packages``, or a module from
``sys.stdlib_module_names`` when no path is known; Node's ``node:`` / ``internal/`` modules; JS
built-ins in ``<anonymous>`` or ``[native code]``) are never in-app, whatever the SDK says.
A frame contributes

* its ``module``, or else its file name: the basename, lower-cased, without query string, and for
  JavaScript bundles without content hashes and versions (``main.3f9a2c1b.js`` -> ``main.js``).
  File names that are URLs (``http(s)://``, ``blob:``) or placeholders (``<anonymous>``,
  ``[native code]``) are ignored because they vary between deployments;
* its function name, normalised: JS receivers (``Object.``, ``Module.``, ``Function.``), ``async``
  / ``new`` prefixes and ``[as alias]`` suffixes are removed, anonymous markers (``?``,
  ``<anonymous>``) dropped, addresses (``0x1f``) and generated suffixes stripped (Java / Kotlin /
  C# lambdas, CGLIB / Guice / Hibernate / javassist proxies, ERB templates). Modules get the
  same treatment.

Line and column numbers never contribute, so editing code above a crash keeps its group.
Consecutive identical frames (recursion) collapse to one, so a depth-200 and a depth-1000
recursion group together.

Values and messages are normalised before they contribute: UUIDs, ISO dates and times, IP
addresses, e-mail addresses, hex addresses and ids, long hex or base64 tokens and numbers are
replaced by placeholders such as ``<uuid>``, ``<hex>`` and ``<int>``.

The hash is the MD5 of the strategy name and the contributing values, JSON encoded. The
human-readable ``components`` explain what contributed (for a "why was this grouped" page).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from events.normalize import NormalizedEvent

GROUPING_CONFIG = "v1"

MAX_TITLE_LENGTH = 256
MAX_CULPRIT_LENGTH = 256
# Normalising is regex work; only the start of a long value says what kind of error it is.
MAX_NORMALIZE_LENGTH = 1024

# (label, value) pairs: the label explains, the value is hashed.
Component = tuple[str, str]


@dataclass
class Grouping:
    """The result of grouping one event."""

    hash: str
    config: str
    strategy: str
    components: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "config": self.config,
            "strategy": self.strategy,
            "components": list(self.components),
        }


# --- value / message normalisation -------------------------------------------------------------

_MASKS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
            re.I,
        ),
        "<datetime>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b"), "<email>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
]
# Tokens need a look at their content, so they are replaced through a function.
_HEX_TOKEN_RE = re.compile(r"\b[0-9a-f]{8,}\b", re.I)
_B64_TOKEN_RE = re.compile(r"(?<![\w+/-])[A-Za-z0-9+/_-]{24,}={0,2}(?![\w+/-])")
_IPV6_RE = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)
# Digits glued to a letter are part of a name ("utf8", "int64", "v2") and stay.
_FLOAT_RE = re.compile(r"(?<![A-Za-z_\d.])\d+\.\d+(?![\d.])")
_INT_RE = re.compile(r"(?<![A-Za-z_\d])\d+")


def _mask_hex_token(match: re.Match[str]) -> str:
    # "deadbeefcafe" could be a word; a digit makes it an id or a hash.
    token = match.group(0)
    return "<hex>" if any(ch.isdigit() for ch in token) else token


def _mask_ipv6(match: re.Match[str]) -> str:
    # Only colon-separated hex with a digit and "::" or 7 groups; "a:b:c" is just text.
    token = match.group(0)
    is_ip = any(ch.isdigit() for ch in token) and ("::" in token or token.count(":") == 7)
    return "<ip>" if is_ip else token


def _mask_b64_token(match: re.Match[str]) -> str:
    token = match.group(0)
    has_digit = any(ch.isdigit() for ch in token)
    has_alpha = any(ch.isalpha() for ch in token)
    return "<token>" if has_digit and has_alpha else token


def normalize_text(text: str) -> str:
    """First line of `text` with variable parts (ids, numbers, dates, ...) replaced."""
    return _normalize_line(text.strip().split("\n", 1)[0].strip()[:MAX_NORMALIZE_LENGTH])


# Events of one problem repeat their messages, and the masks are a dozen regex passes; the
# cache is bounded (entries of at most MAX_NORMALIZE_LENGTH characters).
@lru_cache(maxsize=4096)
def _normalize_line(line: str) -> str:
    for pattern, placeholder in _MASKS:
        line = pattern.sub(placeholder, line)
    line = _IPV6_RE.sub(_mask_ipv6, line)
    line = _HEX_TOKEN_RE.sub(_mask_hex_token, line)
    line = _B64_TOKEN_RE.sub(_mask_b64_token, line)
    line = _FLOAT_RE.sub("<float>", line)
    return _INT_RE.sub("<int>", line)


# --- frames ------------------------------------------------------------------------------------

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
_ANONYMOUS_FUNCTIONS = frozenset(
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
    return None if name.lower() in _ANONYMOUS_FUNCTIONS else name


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
# thirty regex passes per frame: grouping asks `_facts`, which memoizes is_sdk_frame,
# is_app_frame and frame_key together, keyed on exactly the fields those read. Normalized frames
# hold only strings, numbers, booleans and None. Should a public function raise, or a field be
# unhashable (both only possible with a hand-made event), the fact is _UNDECIDED and the caller
# asks the public function itself: the answers, and the errors, are always the public ones.

_UNDECIDED: Any = object()
_ALL_UNDECIDED = (_UNDECIDED, _UNDECIDED, _UNDECIDED)


def _facts(frame: dict[str, Any], platform: str) -> tuple[Any, Any, Any]:
    """(is_sdk_frame, is_app_frame, frame_key) of the frame, each possibly _UNDECIDED."""
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
        return _UNDECIDED


def _sdk(frame: dict[str, Any], platform: str) -> bool:
    sdk = _facts(frame, platform)[0]
    return is_sdk_frame(frame) if sdk is _UNDECIDED else sdk


def _app(frame: dict[str, Any], platform: str) -> bool:
    app = _facts(frame, platform)[1]
    return is_app_frame(frame, platform) if app is _UNDECIDED else app


def _key(frame: dict[str, Any], platform: str) -> str | None:
    key = _facts(frame, platform)[2]
    return frame_key(frame, platform) if key is _UNDECIDED else key


def _frames(stacktrace: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not stacktrace:
        return []
    return [frame for frame in stacktrace.get("frames") or () if isinstance(frame, dict)]


def _frame_components(
    frames: list[dict[str, Any]], platform: str, app_only: bool, label: str
) -> list[Component]:
    """Components of one stack trace: chosen frames, recursion collapsed."""
    components: list[Component] = []
    previous = None
    for frame in frames:
        sdk, app, key = _facts(frame, platform)
        if is_sdk_frame(frame) if sdk is _UNDECIDED else sdk:
            continue
        if app_only and not (is_app_frame(frame, platform) if app is _UNDECIDED else app):
            continue
        if key is _UNDECIDED:
            key = frame_key(frame, platform)
        if key is None or key == previous:
            continue
        previous = key
        components.append((f"{label} frame", key))
    return components


def _any_app_frame(stacktraces: Iterable[list[dict[str, Any]]], platform: str) -> bool:
    return any(_app(frame, platform) for frames in stacktraces for frame in frames)


# --- strategies --------------------------------------------------------------------------------


def _is_skippable_group(exc: dict[str, Any], exceptions: list[dict[str, Any]]) -> bool:
    mechanism = exc.get("mechanism") or {}
    if mechanism.get("is_exception_group") is not True or _frames(exc.get("stacktrace")):
        return False
    return any(
        (other.get("mechanism") or {}).get("is_exception_group") is not True for other in exceptions
    )


def _exception_value(exc: dict[str, Any], event: NormalizedEvent) -> str | None:
    value = exc.get("value")
    if exc.get("synthetic") and event.message_template and value == event.message:
        return normalize_text(event.message_template)
    return normalize_text(value) if value else None


def _exception_components(event: NormalizedEvent) -> list[Component]:
    exceptions = [exc for exc in event.exceptions if isinstance(exc, dict)]
    exceptions = [exc for exc in exceptions if not _is_skippable_group(exc, exceptions)]
    stacks = [_frames(exc.get("stacktrace")) for exc in exceptions]
    app_only = _any_app_frame(stacks, event.platform)
    components: list[Component] = []
    for index, (exc, frames) in enumerate(zip(exceptions, stacks, strict=True)):
        label = f"exception[{index}]"
        synthetic = exc.get("synthetic") is True
        if exc.get("type") and not synthetic:
            components.append((f"{label} type", exc["type"]))
        frame_components = _frame_components(frames, event.platform, app_only, label)
        components.extend(frame_components)
        if not frame_components or synthetic:
            value = _exception_value(exc, event)
            if value:
                components.append((f"{label} value", value))
    return components


def _stack_components(frames: list[dict[str, Any]], platform: str, label: str) -> list[Component]:
    return _frame_components(frames, platform, _any_app_frame([frames], platform), label)


def _thread_components(event: NormalizedEvent) -> list[Component]:
    with_stack = [thread for thread in event.threads if _frames(thread.get("stacktrace"))]
    crashed = [thread for thread in with_stack if thread.get("crashed") is True]
    if len(with_stack) == 1:
        chosen = with_stack[0]
    elif len(crashed) == 1:
        chosen = crashed[0]
    else:
        return []  # several candidate threads: no way to tell which one matters
    return _stack_components(_frames(chosen.get("stacktrace")), event.platform, "thread")


def _stacktrace_components(event: NormalizedEvent) -> list[Component]:
    return _stack_components(_frames(event.stacktrace), event.platform, "stacktrace")


def _message_components(event: NormalizedEvent) -> list[Component]:
    if event.message_template and event.message_template.strip():
        return [("message template", normalize_text(event.message_template))]
    if event.message and event.message.strip():
        return [("message", normalize_text(event.message))]
    return []


def _fallback_components(event: NormalizedEvent) -> list[Component]:
    return [("platform", event.platform), ("level", event.level), ("fallback", "no message")]


_STRATEGIES: list[tuple[str, Callable[[NormalizedEvent], list[Component]]]] = [
    ("exception", _exception_components),
    ("threads", _thread_components),
    ("stacktrace", _stacktrace_components),
    ("message", _message_components),
    ("fallback", _fallback_components),
]


def _default(event: NormalizedEvent) -> tuple[str, list[Component]]:
    for strategy, components_of in _STRATEGIES:
        components = components_of(event)
        if components:
            return strategy, components
    raise AssertionError("the fallback strategy always contributes")  # pragma: no cover


# --- fingerprints ------------------------------------------------------------------------------

_VARIABLE_RE = re.compile(r"^\{\{\s*([\w.]+)\s*\}\}$")


def _innermost_frame(event: NormalizedEvent) -> dict[str, Any] | None:
    main = event.main_exception
    frames = _frames(main.get("stacktrace")) if main else []
    app_frames = [frame for frame in frames if _app(frame, event.platform)]
    candidates = app_frames or [frame for frame in frames if not _sdk(frame, event.platform)]
    return candidates[-1] if candidates else None


def _variable(name: str, event: NormalizedEvent) -> str | None:
    """The value of a fingerprint variable, or None when the variable is unknown."""
    main = event.main_exception or {}
    frame = _innermost_frame(event) or {}
    message = event.message_template or event.message
    values: dict[str, Callable[[], str | None]] = {
        "transaction": lambda: event.transaction,
        "type": lambda: main.get("type"),
        "error.type": lambda: main.get("type"),
        "value": lambda: normalize_text(main["value"]) if main.get("value") else None,
        "error.value": lambda: normalize_text(main["value"]) if main.get("value") else None,
        "function": lambda: normalize_function(frame.get("function"), event.platform),
        "stack.function": lambda: normalize_function(frame.get("function"), event.platform),
        "module": lambda: normalize_module(frame.get("module")),
        "stack.module": lambda: normalize_module(frame.get("module")),
        "level": lambda: event.level,
        "logger": lambda: event.logger,
        "message": lambda: normalize_text(message or main.get("value") or "") or None,
    }
    getter = values.get(name.lower())
    if getter is None:
        return None
    return getter() or f"<no {name.lower()}>"


def _is_default_marker(part: str) -> bool:
    match = _VARIABLE_RE.match(part.strip())
    return bool(match) and match.group(1).lower() == "default"


def _fingerprint_grouping(event: NormalizedEvent, fingerprint: list[str]) -> Grouping:
    components: list[Component] = []
    for part in fingerprint:
        if _is_default_marker(part):
            strategy, default = _default(event)
            components.append(("{{ default }} strategy", strategy))
            components.extend((f"{{{{ default }}}} {label}", value) for label, value in default)
            continue
        match = _VARIABLE_RE.match(part.strip())
        value = _variable(match.group(1), event) if match else None
        if value is None:
            components.append(("fingerprint", part))
        else:
            components.append((f"fingerprint {part.strip()}", value))
    return _make("fingerprint", components)


# --- entry points ------------------------------------------------------------------------------


def _make(strategy: str, components: list[Component]) -> Grouping:
    values = (strategy, *(value for _, value in components))
    try:
        digest = _cached_hash(values)  # repeats of a problem hash the same values again
    except TypeError:  # an unhashable value (a hand-made event)
        digest = _hash(values)
    return Grouping(
        hash=digest,
        config=GROUPING_CONFIG,
        strategy=strategy,
        components=[f"{label}: {value}" for label, value in components],
    )


def _hash(values: tuple[Any, ...]) -> str:
    payload = json.dumps(list(values), ensure_ascii=False)
    return hashlib.md5(payload.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


_cached_hash = lru_cache(maxsize=4096)(_hash)


def compute_grouping(event: NormalizedEvent) -> Grouping:
    """Compute the grouping hash of a normalized event (see the module docstring)."""
    fingerprint = [part for part in event.fingerprint or () if isinstance(part, str)]
    if fingerprint and not all(_is_default_marker(part) for part in fingerprint):
        return _fingerprint_grouping(event, fingerprint)
    return _make(*_default(event))


def _first_line(text: str | None) -> str | None:
    if not text:
        return None
    line = text.strip().split("\n", 1)[0].strip()
    return line or None


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def event_title(event: NormalizedEvent) -> str:
    """A one-line title: "Type: value", "Type", the message, or "<unlabeled event>"."""
    main = event.main_exception
    exc_type = main.get("type") if main else None
    exc_value = _first_line(main.get("value")) if main else None
    if main and exc_type and not main.get("synthetic"):
        title = f"{exc_type}: {exc_value}" if exc_value else exc_type
    else:
        # A synthetic exception only carries the message, so prefer the message itself.
        title = _first_line(event.message) or exc_value or exc_type or "<unlabeled event>"
    return _bounded(title, MAX_TITLE_LENGTH)


def event_culprit(event: NormalizedEvent) -> str:
    """Where it happened: the transaction, else "module in function" of the innermost frame."""
    if event.transaction:
        return _bounded(event.transaction, MAX_CULPRIT_LENGTH)
    frame = _innermost_frame(event)
    if frame is None:
        frames = [f for f in event.all_frames() if not _sdk(f, event.platform)]
        app_frames = [f for f in frames if _app(f, event.platform)]
        frame = (app_frames or frames or [None])[-1]
    if frame is None:
        return ""
    where = frame.get("module") or frame.get("filename") or frame.get("abs_path")
    function = frame.get("function")
    if function in _ANONYMOUS_FUNCTIONS:
        function = None  # "app.js in ?" says no more than "app.js"
    if where and function:
        culprit = f"{where} in {function}"
    else:
        culprit = where or function or ""
    return _bounded(culprit, MAX_CULPRIT_LENGTH)
