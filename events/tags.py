"""Tags of an event: the ones the SDK sent plus automatic ones derived from the event.

Automatic tags make the common questions searchable and countable ("which browsers?", "which
release?", "how many users?") without every SDK having to send them. The SDK's own tags win
over automatic ones with the same key.
"""

from __future__ import annotations

import re
from typing import Any

from events.normalize import NormalizedEvent

MAX_KEY_LENGTH = 32
MAX_VALUE_LENGTH = 200

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")

# (tag, regex) pairs tried in order: Edge and Opera also claim to be Chrome, Chrome claims Safari.
_USER_AGENTS = [
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+(?:\.\d+)?)")),
    ("Opera", re.compile(r"\bOPR/(\d+(?:\.\d+)?)")),
    ("Firefox", re.compile(r"\bFirefox/(\d+(?:\.\d+)?)")),
    ("Chrome", re.compile(r"\b(?:Headless)?Chrome/(\d+(?:\.\d+)?)")),
    ("Safari", re.compile(r"\bVersion/(\d+(?:\.\d+)?).*\bSafari/")),
]


def _clean(value: object, limit: int) -> str | None:
    """A single-line, bounded tag text; None when there is nothing to show."""
    if type(value) is str and value.isascii() and value.isprintable():
        text = value.strip()  # printable ASCII has no control characters to replace
    else:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            return None
        text = _CONTROL_RE.sub(" ", value).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text or None


def _short_version(version: object) -> str | None:
    """ "156.0.8078.79" -> "156.0": enough to tell versions apart, few distinct values."""
    text = _clean(version, MAX_VALUE_LENGTH)
    if text is None:
        return None
    return ".".join(text.split(".")[:2])


def _context(event: NormalizedEvent, kind: str) -> dict[str, Any]:
    """The context keyed `kind`, or else the first one whose `type` is `kind`."""
    context = event.contexts.get(kind)
    if isinstance(context, dict):
        return context
    for other in event.contexts.values():
        if isinstance(other, dict) and other.get("type") == kind:
            return other
    return {}


def _name_and_version(context: dict[str, Any], *, shorten: bool) -> tuple[str | None, str | None]:
    name = _clean(context.get("name"), MAX_VALUE_LENGTH)
    version = context.get("version")
    version_text = _short_version(version) if shorten else _clean(version, MAX_VALUE_LENGTH)
    if name and version_text:
        return name, f"{name} {version_text}"
    return name, name


def _header(event: NormalizedEvent, wanted: str) -> str | None:
    headers = (event.request or {}).get("headers") or []
    for pair in headers:
        if isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[0], str):
            if pair[0].lower() == wanted and isinstance(pair[1], str):
                return pair[1]
    return None


def browser_from_user_agent(user_agent: str) -> tuple[str, str] | None:
    """(name, "Name major.minor") from a User-Agent, for SDKs that send no browser context."""
    for name, pattern in _USER_AGENTS:
        match = pattern.search(user_agent[:1024])
        if match:
            return name, f"{name} {match.group(1)}"
    return None


def _browser(event: NormalizedEvent) -> tuple[str | None, str | None]:
    name, full = _name_and_version(_context(event, "browser"), shorten=True)
    if name:
        return name, full
    user_agent = _header(event, "user-agent")
    if user_agent and event.platform == "javascript":
        parsed = browser_from_user_agent(user_agent)
        if parsed:
            return parsed
    return None, None


def _device(event: NormalizedEvent) -> str | None:
    device = _context(event, "device")
    return _clean(device.get("model") or device.get("family"), MAX_VALUE_LENGTH)


def _url(event: NormalizedEvent) -> str | None:
    url = (event.request or {}).get("url")
    if not isinstance(url, str):
        return None
    # The query string and fragment hold ids and tokens: too many values, maybe secrets.
    return _clean(re.split(r"[?#]", url, maxsplit=1)[0], MAX_VALUE_LENGTH)


def _user(event: NormalizedEvent) -> str | None:
    user = event.user or {}
    for key, prefix in (("id", "id"), ("email", "email"), ("username", "username")):
        value = _clean(user.get(key), MAX_VALUE_LENGTH)
        if value:
            return _clean(f"{prefix}:{value}", MAX_VALUE_LENGTH)
    ip_address = _clean(user.get("ip_address"), MAX_VALUE_LENGTH)
    if ip_address and ip_address != "{{auto}}":
        return f"ip:{ip_address}"
    return None


def _handled(event: NormalizedEvent) -> str | None:
    # One unhandled exception anywhere in the chain means the app did not deal with the error.
    flags = [exc.get("handled") for exc in event.exceptions]
    if False in flags:
        return "no"
    if True in flags:
        return "yes"
    return None


def _mechanism(event: NormalizedEvent) -> str | None:
    main = event.main_exception or {}
    return (main.get("mechanism") or {}).get("type")


def _automatic_tags(event: NormalizedEvent) -> list[tuple[str, object]]:
    browser_name, browser = _browser(event)
    os_name, os_full = _name_and_version(_context(event, "os"), shorten=True)
    runtime_name, runtime = _name_and_version(_context(event, "runtime"), shorten=False)
    return [
        ("level", event.level),
        ("environment", event.environment),
        ("release", event.release),
        ("dist", event.dist),
        ("server_name", event.server_name),
        ("logger", event.logger),
        ("transaction", event.transaction),
        ("handled", _handled(event)),
        ("mechanism", _mechanism(event)),
        ("browser", browser),
        ("browser.name", browser_name),
        ("os", os_full),
        ("os.name", os_name),
        ("runtime", runtime),
        ("runtime.name", runtime_name),
        ("device", _device(event)),
        ("url", _url(event)),
        ("user", _user(event)),
        ("sdk.name", event.sdk_name),
        ("sdk.version", event.sdk_version),
    ]


def extract_tags(event: NormalizedEvent) -> list[tuple[str, str]]:
    """The event's own tags followed by automatic ones; one value per key, first one wins."""
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw_key, raw_value in event.tags:
        key = _clean(raw_key, MAX_KEY_LENGTH)
        if key is None or key in seen:
            continue
        value = _clean(raw_value, MAX_VALUE_LENGTH)
        if value is not None:
            seen.add(key)
            result.append((key, value))
    # Automatic keys are constants that are clean already (a test checks it).
    for key, raw_value in _automatic_tags(event):
        if raw_value is None or key in seen:
            continue
        value = _clean(raw_value, MAX_VALUE_LENGTH)
        if value is not None:
            seen.add(key)
            result.append((key, value))
    return result
