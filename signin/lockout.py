"""Password sign-in lockout with backoff, per account and per client address.

Counted from the audit log: the failed sign-ins of one login name since its last successful
sign-in (at most a day back), and of one address in the last day. Once a count reaches its
threshold the key is locked for LOGIN_LOCKOUT_SECONDS after the latest failure, and every failure
after that (one per expired lock) doubles the lock, up to a day. A locked attempt is refused
without the password being checked and is logged as such, not as one more failure, so the lock
always ends: the right password works again once it has expired.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from signin.models import AuditEvent

LOOKBACK = timedelta(days=1)
MAX_LOCK = timedelta(days=1)


@dataclass(frozen=True)
class Lock:
    until: datetime
    by_address: bool


def login_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _lock_from(failures: list[datetime], threshold: int) -> datetime | None:
    """`failures` newest first: when the lock they cause ends, or None when they cause none."""
    if threshold <= 0 or len(failures) < threshold:
        return None
    doublings = min(len(failures) - threshold, 16)
    duration = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS) * (2**doublings)
    return failures[0] + min(duration, MAX_LOCK)


def _failure_times(since: datetime, **key) -> list[datetime]:
    return list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.FAILED, at__gt=since, **key)
        .order_by("-at")
        .values_list("at", flat=True)[:10_000]
    )


def current_lock(username: str, ip: str | None) -> Lock | None:
    """The lock on this login name or address now, if any."""
    now = timezone.now()
    key = login_key(username)
    if key:
        since = now - LOOKBACK
        last_success = (
            AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGNED_IN, login_key=key, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        until = _lock_from(
            _failure_times(last_success or since, login_key=key), settings.LOGIN_LOCKOUT_FAILURES
        )
        if until and until > now:
            return Lock(until=until, by_address=False)
    if ip:
        until = _lock_from(
            _failure_times(now - LOOKBACK, ip=ip), settings.LOGIN_LOCKOUT_IP_FAILURES
        )
        if until and until > now:
            return Lock(until=until, by_address=True)
    return None
