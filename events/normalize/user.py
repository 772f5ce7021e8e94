"""The user interface, with `{{auto}}` addresses filled from the connection."""

from __future__ import annotations

from typing import Any

from events.normalize.data import read_mapping
from events.normalize.fields import first_present, read_text
from events.normalize.problems import Problems


def read_user(raw: dict[Any, Any], problems: Problems) -> dict[str, Any] | None:
    value = first_present(raw, "user", "sentry.interfaces.User")
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.invalid("user", value)
        return None
    user = read_mapping(value, "user", problems, node_budget=500)
    for key in ("id", "email", "username", "ip_address", "name"):
        if key in user:
            # Identifiers are shown and searched as text; a numeric id becomes "42".
            user[key] = read_text(value.get(key), f"user.{key}", problems)
    return user


def resolve_auto_ip(user: dict[str, Any] | None, remote_addr: str) -> dict[str, Any] | None:
    """Browser SDKs cannot know their public address and send `{{auto}}` for the server to fill."""
    if user is None or user.get("ip_address") != "{{auto}}":
        return user
    if remote_addr:
        user["ip_address"] = remote_addr
    else:
        del user["ip_address"]
    return user
