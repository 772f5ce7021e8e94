"""The sdk interface: the name and version of the SDK that sent the event."""

from __future__ import annotations

from events.normalize.fields import read_text
from events.normalize.problems import Problems


def read_sdk(value: object, problems: Problems) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        problems.invalid("sdk", value)
        return None, None
    return (
        read_text(value.get("name"), "sdk.name", problems),
        read_text(value.get("version"), "sdk.version", problems),
    )
