"""What a frame contributes under grouping v2: where (module or file), function, source line.

v2 differs from v1 (frames.py `frame_key`, unchanged) where browsers and languages disagree:

* JavaScript function names keep only their last dotted part, so Chrome's ``Foo.testMethod``
  or ``Object.callback`` equal Firefox's and Safari's ``testMethod`` / ``callback``; Firefox's
  nested anonymous names (``test/<``, ``test/foo<``) say nothing and are dropped, as Chrome's
  anonymous functions have no name at all, and Safari's ``global code`` is Chrome's and
  Firefox's nameless top level;
* JavaScript frames inside the engine (``[native code]``, ``<anonymous>``, ``native``) and
  ``eval`` frames are low quality: browsers report them differently, so they never contribute;
* where the function name carries no information (Python's ``<module>`` and ``<lambda>``,
  anonymous functions) or the file was loaded from a URL (``http(s)://``, ``blob:``; its name
  then says nothing: it is ignored), the frame's source line contributes too, collapsed to
  single spaces, when it is short (at most 120 characters). So two scripts failing at module
  level are two problems, while line numbers still never count.
"""

from __future__ import annotations

import re

from issues.grouping.frames import (
    _ADDRESS_RE,
    _GENERATED_RES,
    _MODULE_HEX_RE,
    _PLACEHOLDER_FILES,
    ANONYMOUS_FUNCTIONS,
    normalize_filename,
    normalize_function,
)

_JS_PLATFORMS = frozenset({"javascript", "node"})
_NO_INFORMATION_FUNCTIONS = frozenset({"<module>", "<lambda>", "lambda", "<top (required)>"})
_JS_LOW_QUALITY_FILES = frozenset({"[native code]", "<anonymous>", "native", "<unknown>"})
_JS_LOW_QUALITY_FUNCTIONS = frozenset({"eval", "Function"})
# JavaScriptCore's names for code outside any function (V8 and SpiderMonkey give none).
_JS_TOP_LEVEL_NAMES = frozenset({"global code", "module code", "eval code"})
_FIREFOX_NESTED_RE = re.compile(r"[/<]")
_URL_RE = re.compile(r"^(?:https?|blob):", re.I)
MAX_CONTEXT_LINE = 120
# v1's generated-name rules (frames.py), with Hibernate proxies marked as Sentry marks them.
_HIBERNATE_RE = re.compile(r"(\$HibernateProxy\$)\w+")
_MODULE_RES = [
    (_HIBERNATE_RE, r"\1<auto>") if "HibernateProxy" in pattern.pattern else (pattern, repl)
    for pattern, repl in _GENERATED_RES
]


def normalize_module_v2(module: str | None) -> str | None:
    """A module without generated noise. Unlike v1, a package version in a JavaScript module
    path stays (``react-dom@16.13.1/umd/...``): a new version of a library is new code."""
    if not module or "://" in module or module in _PLACEHOLDER_FILES or module.startswith("<"):
        return None
    for pattern, replacement in _MODULE_RES:
        module = pattern.sub(replacement, module)
    return _MODULE_HEX_RE.sub("<hex>", _ADDRESS_RE.sub("", module)) or None


def _js_function(name: str | None) -> str | None:
    name = normalize_function(name, "javascript")
    if name is None or name in _JS_TOP_LEVEL_NAMES:
        return None
    if _FIREFOX_NESTED_RE.search(name) or name.startswith("<"):
        return None  # Firefox's "test/<", "a/b<": a nameless function inside another
    if "." in name and " " not in name:
        name = name.rsplit(".", 1)[1]
    return None if not name or name.lower() in ANONYMOUS_FUNCTIONS else name


def rule_function_name(function: str | None, platform: str) -> str | None:
    """The function name the built-in rules match: JavaScript's trimmed like its key."""
    if function and platform in _JS_PLATFORMS:
        return _js_function(function) or function
    return function


def is_low_quality(
    abs_path: str | None, filename: str | None, function: str | None, no_lineno: bool, platform: str
) -> bool:
    """JavaScript engine and eval frames: reported differently by every browser."""
    if platform not in _JS_PLATFORMS:
        return False
    if abs_path in _JS_LOW_QUALITY_FILES or filename in _JS_LOW_QUALITY_FILES:
        return True
    if not abs_path and not filename and no_lineno:
        return True  # a built-in with no location at all
    return function in _JS_LOW_QUALITY_FUNCTIONS


def frame_parts(
    module: str | None,
    filename: str | None,
    abs_path: str | None,
    function: str | None,
    context_line: str | None,
    platform: str,
) -> tuple[str, ...] | None:
    """The parts a frame contributes (where, function or source line), or None for nothing.

    Not memoized here: the caller memoizes all of a frame's facts at once."""
    is_js = platform in _JS_PLATFORMS
    from_url = any(_URL_RE.match(path) for path in (abs_path, filename) if path)
    where = normalize_module_v2(module)
    if where is not None and is_js and ("/" in where or ":" in where) and _URL_RE.match(module):
        where = None  # a page URL used as a module
    if where is None and not from_url:
        # A file loaded from a URL is named by the deployment (host, path, hash), not the code.
        where = normalize_filename(filename or abs_path)
    if is_js:
        name = _js_function(function)
    elif function in _NO_INFORMATION_FUNCTIONS:
        name = None
    else:
        name = normalize_function(function, platform)
    parts = [where] if where else []
    if name:
        parts.append(name)
    if context_line and (name is None or from_url):
        line = " ".join(context_line.split())
        if line and len(line) <= MAX_CONTEXT_LINE:
            parts.append(line)
    return tuple(parts) or None
