"""Token scopes, named as Sentry names them (sentry-cli and Sentry integrations ask for these).

A scope grants the scopes it implies: `project:admin` covers `project:write` and
`project:read`, `event:admin` covers `event:write` and `event:read`, and so on. Releases
and source-map uploads need `project:releases` (or `project:write` / `project:admin`,
as on Sentry).
"""

from collections.abc import Iterable

SCOPES: dict[str, str] = {
    "org:read": "see your teams (organizations)",
    "project:read": "list projects",
    "project:write": "change projects",
    "project:admin": "administer projects",
    "project:releases": "create releases and deploys, upload source maps",
    "event:read": "read Issues and events",
    "event:write": "resolve, mute and reopen Issues",
    "event:admin": "delete Issues",
}

# What each scope implies besides itself.
_IMPLIES: dict[str, tuple[str, ...]] = {
    "org:admin": ("org:write", "org:read"),
    "org:write": ("org:read",),
    "project:admin": ("project:write", "project:read", "project:releases"),
    "project:write": ("project:read", "project:releases"),
    "event:admin": ("event:write", "event:read"),
    "event:write": ("event:read",),
}

# Sentry scope names a token may carry although nothing here needs them; accepted so that
# scripts written for Sentry can ask for them, and expanded as above.
KNOWN_SCOPES = frozenset(SCOPES) | {"org:write", "org:admin", "team:read", "member:read"}

DEFAULT_SCOPES = ("org:read", "project:read", "project:releases", "event:read")


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes granted, with everything they imply."""
    granted = set()
    for scope in scopes:
        granted.add(scope)
        granted.update(_IMPLIES.get(scope, ()))
    return frozenset(granted)


def unknown(scopes: Iterable[str]) -> list[str]:
    return sorted(set(scopes) - KNOWN_SCOPES)
