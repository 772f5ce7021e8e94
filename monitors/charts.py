"""Server-rendered SVG for monitors: a response-time sparkline and daily uptime bars."""

from dataclasses import dataclass
from datetime import date


@dataclass
class Sparkline:
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..."
    peak_ms: int
    count: int


@dataclass
class UptimeBar:
    day: date
    uptime: float | None
    x: float
    width: float
    css: str  # up | degraded | down | none


def sparkline(response_ms: list[int | None], width: int = 120, height: int = 24) -> Sparkline:
    """Oldest first; checks without a time (failed before answering) are left out."""
    values = [v for v in response_ms if v is not None]
    peak = max(values, default=0)
    if len(values) < 2:
        return Sparkline(width, height, "", peak, len(values))
    step = width / (len(values) - 1)
    scale = (height - 2) / peak if peak else 0
    points = " ".join(f"{i * step:.1f},{height - 1 - v * scale:.1f}" for i, v in enumerate(values))
    return Sparkline(width, height, points, peak, len(values))


def uptime_bars(daily: list[tuple[date, float | None]], width: int = 300) -> list[UptimeBar]:
    if not daily:
        return []
    slot = width / len(daily)
    bars = []
    for index, (day, uptime) in enumerate(daily):
        if uptime is None:
            css = "none"
        elif uptime >= 99.9:
            css = "up"
        elif uptime >= 95:
            css = "degraded"
        else:
            css = "down"
        bars.append(UptimeBar(day, uptime, index * slot, max(1.0, slot - 1), css))
    return bars
