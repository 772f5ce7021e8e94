"""Grouping version ``v1``: which events are "the same problem", rule by rule.

A version is a frozen set of rules: this module composes the strategies of v1 and nothing in
what they produce may change (the golden test, issues/tests/test_grouping_golden.py, holds every
SDK capture's hash and components). A new behaviour goes into a new version.

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

from collections.abc import Callable

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component, Grouping, make_grouping
from issues.grouping.strategies.exception import exception_components
from issues.grouping.strategies.fallback import fallback_components
from issues.grouping.strategies.fingerprint import custom_fingerprint, fingerprint_components
from issues.grouping.strategies.message import message_components
from issues.grouping.strategies.stacktrace import stacktrace_components
from issues.grouping.strategies.threads import thread_components

CONFIG = "v1"

_STRATEGIES: list[tuple[str, Callable[[NormalizedEvent], list[Component]]]] = [
    ("exception", exception_components),
    ("threads", thread_components),
    ("stacktrace", stacktrace_components),
    ("message", message_components),
    ("fallback", fallback_components),
]


def _default(event: NormalizedEvent) -> tuple[str, list[Component]]:
    for strategy, components_of in _STRATEGIES:
        components = components_of(event)
        if components:
            return strategy, components
    raise AssertionError("the fallback strategy always contributes")  # pragma: no cover


def compute_grouping(event: NormalizedEvent) -> Grouping:
    """The v1 grouping of a normalized event (see the module docstring)."""
    fingerprint = custom_fingerprint(event)
    if fingerprint:
        components = fingerprint_components(event, fingerprint, _default)
        return make_grouping(CONFIG, "fingerprint", components)
    return make_grouping(CONFIG, *_default(event))
