"""Grouping v2's built-in stack trace rules: which frames are in-app and which may group.

SDKs mark in-app frames as well as they can; these rules correct them the way Sentry's default
grouping configuration does (facts from its documentation and grouping snapshots; the rules are
written here). Three kinds, applied per stack trace:

* **in-app** (`-app` / `+app`): third-party locations (``site-packages``, ``node_modules``,
  ``vendor``, CDNs, Go's module cache), JVM / Kotlin frameworks and OS frames are never in-app;
  a few native app bundle locations are;
* **categories**: JVM and native frames are put in categories (system, std, ui, threadbase,
  indirection, throw, ...), and frames called by a frame of the same family (a std frame called
  by a std frame, a system frame called by a ui frame, ...) become ``internals``;
* **grouping** (`-group`): frames of the categories indirection, internals, telemetry and
  threadbase never group, nor does anything that calls a thread base (its callers are noise),
  nor anything called by a throw or crash-handler frame; transpiler, polyfill and SDK frames
  never group.

So an Android ANR whose hundred frames are the OS's Looper, views and widgets groups by the one
frame where the framework code starts, not by the whole run of framework internals.

Per-frame facts are memoized by the caller (frames repeat with every event of a problem); a
stack trace then costs a pass over its frames, and one more per sequence rule only when a frame
has a category.
"""

from __future__ import annotations

import re

_JS = "javascript"
_JVM = "jvm"
_NATIVE = "native"
_FAMILIES = {
    "javascript": _JS,
    "node": _JS,
    "java": _JVM,
    "android": _JVM,
    "kotlin": _JVM,
    "groovy": _JVM,
    "scala": _JVM,
    "clojure": _JVM,
    "native": _NATIVE,
    "cocoa": _NATIVE,
    "objc": _NATIVE,
    "swift": _NATIVE,
    "c": _NATIVE,
    "cpp": _NATIVE,
}


def family_of(platform: str) -> str:
    """The rule family of a platform ("javascript", "jvm", "native", or "other")."""
    return _FAMILIES.get(platform, "other")


def _glob(pattern: str, path: bool) -> re.Pattern[str]:
    """A glob as a regex: ``**`` is anything; ``*`` is anything but ``/`` in paths."""
    parts = []
    for token in re.split(r"(\*\*|\*|\?)", pattern):
        if token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*" if path else ".*")
        elif token == "?":
            parts.append("[^/]" if path else ".")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts) + r"\Z", re.I if path else 0)


def _matchers(spec: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """ "module:java.* function:run" -> ((field, regex), ...); paths and packages are paths."""
    found = []
    for item in spec.split():
        field, pattern = item.split(":", 1)
        found.append((field, _glob(pattern, field in ("path", "package"))))
    return tuple(found)


# (family or None for every family, matchers, category). Later rules win.
_CATEGORY_RULES = [
    (family, _matchers(spec), category)
    for family, spec, category in (
        (_NATIVE, "package:/System/Library/Frameworks/**", "system"),
        (_NATIVE, "package:C:/Windows/**", "system"),
        (_NATIVE, "package:/usr/lib/**", "system"),
        (_NATIVE, "function:memset", "system"),
        (_NATIVE, "function:memcpy", "system"),
        (_NATIVE, "function:__memcpy", "system"),
        (_NATIVE, "function:memcmp", "system"),
        (_NATIVE, "package:CoreFoundation", "system"),
        (_NATIVE, "package:Foundation", "system"),
        (_NATIVE, "package:libobjc*", "system"),
        (_NATIVE, "package:libsystem*", "system"),
        (_NATIVE, "package:/system/**", "system"),
        (_NATIVE, "package:/vendor/**", "system"),
        (_NATIVE, "package:libdispatch.dylib", "system"),
        (_NATIVE, "package:**/libart.so", "system"),
        (None, "module:dalvik.system.*", "system"),
        (None, "module:com.android.*", "system"),
        (None, "package:/apex/com.android.*/lib*/**", "system"),
        (None, "module:com.lenovo.lsf.*", "system"),
        (None, "module:com.lenovo.payplus.*", "system"),
        (_NATIVE, "function:boost::*", "std"),
        (_NATIVE, "function:std::*", "std"),
        (None, "module:java.*", "std"),
        (None, "module:com.google.crypto.*", "std"),
        (None, "module:com.google.android.*", "std"),
        (None, "module:javax.crypto.*", "std"),
        (None, "module:android.database.*", "std"),
        (None, "module:androidx.*", "std"),
        (None, "module:android.*", "std"),
        (None, "module:android.os.*", "system"),
        (_NATIVE, "package:UIKit", "ui"),
        (_NATIVE, "package:UIKitCore", "ui"),
        (_NATIVE, "package:SwiftUI", "ui"),
        (_NATIVE, "package:AttributeGraph", "ui"),
        (_NATIVE, "package:CoreAutoLayout", "ui"),
        (_NATIVE, "package:GraphicsServices", "ui"),
        (None, "module:android.view.*", "ui"),
        (None, "module:android.text.*", "ui"),
        (None, "module:android.widget.*", "ui"),
        (None, "module:android.app.Dialog", "ui"),
        (None, "module:androidx.*.widget.*", "ui"),
        (None, "module:com.google.android.material.*", "ui"),
        (_NATIVE, "function:art::jit::*", "runtime"),
        (_NATIVE, "function:std::_*", "internals"),
        (_NATIVE, "function:__swift_*", "internals"),
        (_NATIVE, "function:*_block_invoke*", "internals"),
        (_NATIVE, "function:start package:libdyld.dylib", "threadbase"),
        (_NATIVE, "function:UIApplicationMain", "threadbase"),
        (_NATIVE, "function:wWinMain", "threadbase"),
        (_NATIVE, "function:invoke_main", "threadbase"),
        (_NATIVE, "function:BaseThreadInitThunk", "threadbase"),
        (_NATIVE, "function:RtlUserThreadStart", "threadbase"),
        (_NATIVE, "function:thread_start", "threadbase"),
        (_NATIVE, "function:_pthread_start", "threadbase"),
        (_NATIVE, "function:__pthread_start", "threadbase"),
        (_NATIVE, "function:_pthread_body", "threadbase"),
        (_NATIVE, "function:_dispatch_worker_thread2", "threadbase"),
        (_NATIVE, "function:start_wqthread", "threadbase"),
        (_NATIVE, "function:_pthread_wqthread", "threadbase"),
        (None, "module:android.os.AsyncTask* function:call", "threadbase"),
        (None, "module:java.util.concurrent.ThreadPoolExecutor* function:runWorker", "threadbase"),
        (None, "module:android.os.* function:call", "threadbase"),
        (None, "module:android.app.ActivityThread function:main", "threadbase"),
        (None, "module:android.view.View function:layout", "threadbase"),
        (None, "module:android.os.Looper function:loop", "threadbase"),
        (None, "module:android.os.Handler function:dispatchMessage", "threadbase"),
        (None, "module:android.os.Handler function:handleCallback", "threadbase"),
        (None, "module:android.app.ActivityThread* function:handleMessage", "threadbase"),
        (_NATIVE, "function:malloc", "malloc"),
        (_NATIVE, "function:*<lambda>*", "indirection"),
        (_NATIVE, "function:__dynamic_cast", "indirection"),
        (None, "module:java.lang.reflect.*", "indirection"),
        (None, "module:java.lang.Class function:getMethod", "indirection"),
        (None, "module:androidx.work.impl.utils.ForceStopRunnable", "indirection"),
        (_NATIVE, "function:exit", "shutdown"),
        (_NATIVE, "function:_sigtramp", "handler"),
        (_NATIVE, "function:abort", "throw"),
        (_NATIVE, "function:raise", "throw"),
        (_NATIVE, "function:std::terminate", "throw"),
        (_NATIVE, "function:_CxxThrowException", "throw"),
        (_NATIVE, "function:RaiseException", "throw"),
        (_NATIVE, "function:objc_exception_throw", "throw"),
        (_NATIVE, "function:free", "free"),
        (_NATIVE, "function:objc_release", "free"),
        (_NATIVE, "function:crashpad::*", "telemetry"),
        (None, "module:cn.gundam.sdk.*", "telemetry"),
        (None, "module:com.lenovo.payplus.analytics.*", "telemetry"),
        (None, "module:java.lang.System function:loadLibrary", "load"),
        (None, "module:java.lang.Runtime function:loadLibrary*", "load"),
        (_NATIVE, "function:dlopen", "load"),
        (_NATIVE, "function:@callee_guaranteed", "internals"),
        (_NATIVE, "function:closure", "internals"),
        (_NATIVE, "function:*.cold.1", "indirection"),
        (_JVM, "module:akka.*", "framework"),
        (None, "module:com.fasterxml.*", "framework"),
        (None, "module:com.microsoft.*", "framework"),
        (None, "module:com.sun.*", "framework"),
        (None, "module:feign.*", "framework"),
        (None, "module:io.opentelemetry.*", "framework"),
        (None, "module:io.sentry.*", "framework"),
        (None, "module:jdk.*", "framework"),
        (None, "module:org.apache.*", "framework"),
        (None, "module:org.glassfish.*", "framework"),
        (None, "module:org.jboss.*", "framework"),
        (None, "module:org.postgresql.*", "framework"),
        (None, "module:org.springframework.*", "framework"),
        (None, "module:reactor.core.*", "framework"),
        (None, "module:scala.*", "framework"),
        (None, "module:sun.*", "framework"),
    )
]
_UI_INDIRECTIONS = frozenset({"handleMessage", "run"})

# Sequence rules: (caller's category, this frame's category, new category). "!x" is "not x";
# "system-between" means a system frame whose caller and callee are both not system.
_SEQUENCE_RULES = [
    ("malloc", "malloc", "internals"),
    ("throw", "throw", "internals"),
    ("system-between", "system", "indirection"),
    ("free", "system", "internals"),
    ("system", "system", "internals"),
    ("std", "system", "internals"),
    ("std", "std", "internals"),
    ("ui", "ui", "internals"),
    ("ui", "system", "internals"),
    ("internals", "system", "internals"),
    ("internals", "ui", "internals"),
    ("load", "system", "internals"),
    ("load", "load", "internals"),
    ("throw", "system", "internals"),
    ("runtime", "system", "internals"),
    ("runtime", "runtime", "internals"),
]

_NEVER_GROUP_CATEGORIES = frozenset({"telemetry", "indirection", "internals", "threadbase"})
_NEVER_APP_CATEGORIES = frozenset({"system", "framework"})

# Frame rules: (family or None, matchers, actions); "^" is "frames called from here" (towards
# the crash), "v" is "frames calling this one".
_FRAME_RULES = [
    (family, _matchers(spec), frozenset(actions.split()))
    for family, spec, actions in (
        (_NATIVE, "package:/var/containers/Bundle/Application/**", "+app"),
        (_NATIVE, "package:/private/var/containers/Bundle/Application/**", "+app"),
        (_NATIVE, "package:**/Developer/CoreSimulator/Devices/**", "+app"),
        (_NATIVE, "package:**/Containers/Bundle/Application/**", "+app"),
        (_NATIVE, "package:**.app/Contents/**", "+app"),
        (_NATIVE, "package:/Users/**", "+app"),
        (_NATIVE, "package:/lib/**", "-app"),
        (_NATIVE, "package:/usr/lib/**", "-app"),
        (_NATIVE, "path:/usr/local/lib/**", "-app"),
        (_NATIVE, "path:/usr/local/Cellar/**", "-app"),
        (_NATIVE, "function:std::*", "-app"),
        (_NATIVE, "function:core::*", "-app"),
        (_NATIVE, "function:alloc::*", "-app"),
        (_NATIVE, "function:__rust_*", "-app"),
        (_NATIVE, "function:std::panicking::begin_panic", "^-group -group ^-app -app"),
        (_NATIVE, "function:core::panicking::begin_panic", "^-group -group ^-app -app"),
        (_NATIVE, "function:__cxa_throw", "^-group -group ^-app -app"),
        (_NATIVE, "function:_CxxThrowException", "^-group -group ^-app -app"),
        (_NATIVE, "function:__assert_rtn", "^-group -group ^-app -app"),
        (_NATIVE, "function:_NSRaiseError", "^-group -group ^-app -app"),
        (_NATIVE, "function:google_breakpad::*", "-app -group"),
        (_NATIVE, "function:kscm_*", "-app -group"),
        (_NATIVE, "function:sentrycrashcm_*", "-app -group"),
        (_NATIVE, "function:*sentrycrash_*", "-app -group"),
        (_NATIVE, "package:**/Frameworks/Sentry.framework/**", "-app"),
        (_JS, "path:org-dartlang-sdk:///**", "-app -group"),
        (_JS, "module:**/packages/flutter/**", "-app"),
        (None, "path:package:sentry/**", "-app -group"),
        (None, "path:package:sentry_flutter/**", "-app -group"),
        (None, "path:package:sentry_*/**", "-app -group"),
        (None, "path:**/.pub-cache/**", "-app"),
        (None, "path:**/vendor/**", "-app"),
        (None, "path:**/site-packages/**", "-app"),
        (None, "path:**/dist-packages/**", "-app"),
        (None, "path:**/node_modules/**", "-app"),
        (None, "module:unpkg/**", "-app"),
        (None, "path:**https://unpkg.com/**", "-app"),
        (None, "path:**https://cdnjs.cloudflare.com/**", "-app"),
        (None, "path:**https://cdn.jsdelivr.net/**", "-app"),
        (None, "path:**https://esm.run/**", "-app"),
        (_JS, "function:reportError", "^-app -app"),
        (None, "module:@babel/**", "-app -group"),
        (None, "module:core-js/**", "-app -group"),
        (None, "module:regenerator-runtime/**", "-app -group"),
        (None, "module:tslib/**", "-app -group"),
        (_JS, "function:_callSuper", "-app -group"),
        (None, "function:runMicrotasks", "-app -group"),
        (None, "function:queueMicrotask", "-app -group"),
        (None, "function:processTicksAndRejections", "-app -group"),
        (None, "function:runNextTicks", "-app -group"),
        (None, "function:nextTick", "-app -group"),
        (None, "path:**/go/pkg/mod/**", "-app"),
        (None, "module:io.sentry.*", "-group"),
        (None, "module:kotlin.*", "-app"),
        (None, "module:kotlinx.*", "-app"),
        (None, "module:io.ktor.*", "-app"),
        (None, "module:io.netty.*", "-app"),
        (None, "module:newrelic", "-app -group"),
        (None, "path:**/*newrelic*/**", "-app -group"),
        (None, "path:**/*LogRocket*/**", "-app -group"),
    )
]


def _matches(matchers: tuple[tuple[str, re.Pattern[str]], ...], values: dict[str, str]) -> bool:
    for field, pattern in matchers:
        value = values.get(field)
        if not value:
            return False
        if field == "path":
            if not any(pattern.match(path) for path in value.split("\0")):
                return False
        elif not pattern.match(value):
            return False
    return True


def frame_rule_facts(
    module: str | None, function: str | None, paths: str, package: str | None, family: str
) -> tuple[str | None, frozenset[str]]:
    """(category, actions of the frame rules) of one frame; `paths` are its abs_path and
    filename joined by NUL. The caller memoizes (strategies/stack_v2.py)."""
    values = {"module": module or "", "function": function or "", "path": paths}
    values["package"] = (package or "").replace("\\", "/")
    category = None
    for rule_family, matchers, rule_category in _CATEGORY_RULES:
        if (rule_family is None or rule_family == family) and _matches(matchers, values):
            category = rule_category
    if category == "ui" and function in _UI_INDIRECTIONS:
        category = "indirection"
    actions: set[str] = set()
    for rule_family, matchers, rule_actions in _FRAME_RULES:
        if (rule_family is None or rule_family == family) and _matches(matchers, values):
            actions |= rule_actions
    return category, frozenset(actions)


def _sequence(categories: list[str | None]) -> list[str | None]:
    """Apply the sequence rules, each to the categories as the previous rule left them."""
    n = len(categories)
    for caller_cat, frame_cat, new in _SEQUENCE_RULES:
        before = categories[:]
        for i in range(1, n):
            if before[i] != frame_cat:
                continue
            if caller_cat == "system-between":
                if i + 1 < n and before[i - 1] != "system" and before[i + 1] != "system":
                    categories[i] = new
            elif before[i - 1] == caller_cat:
                categories[i] = new
    return categories


def apply_builtin_rules(
    categories: list[str | None], actions: list[frozenset[str]], sdk_in_app: list[bool]
) -> tuple[list[bool], list[bool]]:
    """(in_app, may_group) of each frame of one stack trace (outermost frame first), from each
    frame's `frame_rule_facts` and whether the SDK marked it in-app."""
    if any(categories):
        categories = _sequence(list(categories))
    n = len(categories)
    in_app = list(sdk_in_app)
    group = [True] * n
    for i, (frame_actions, category) in enumerate(zip(actions, categories, strict=True)):
        if frame_actions:
            if "+app" in frame_actions:
                in_app[i] = True
            if "-app" in frame_actions:
                in_app[i] = False
            if "-group" in frame_actions:
                group[i] = False
            if "^-group" in frame_actions:
                group[i + 1 :] = [False] * (n - i - 1)
            if "^-app" in frame_actions:
                in_app[i + 1 :] = [False] * (n - i - 1)
        if category is None:
            continue
        if category in _NEVER_APP_CATEGORIES:
            in_app[i] = False
        if category in _NEVER_GROUP_CATEGORIES:
            group[i] = False
        if category == "threadbase":
            group[:i] = [False] * i
        elif category in ("throw", "handler"):
            group[i + 1 :] = [False] * (n - i - 1)
            if category == "handler":
                group[i] = False
    return in_app, group
