"""The monitors' notion of "now", injectable so tests control time in worker processes too.

Freezing time in the test process does not reach the Celery worker that runs the checks, so
every part of monitoring asks this clock instead of `timezone.now()`. In production it is the
wall clock. When `MONITOR_CLOCK_OFFSET_FILE` names a file, the number of seconds it holds is
added: a test moves every process's clock forward by writing that file.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

Clock = Callable[[], datetime]


def offset_seconds() -> float:
    path = settings.MONITOR_CLOCK_OFFSET_FILE
    if not path:
        return 0.0
    try:
        return float(Path(path).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def now() -> datetime:
    return timezone.now() + timedelta(seconds=offset_seconds())


def set_offset(path: str | Path, seconds: float) -> None:
    """Write the offset atomically (readers never see a half-written number)."""
    path = Path(path)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(seconds))
    tmp.replace(path)
