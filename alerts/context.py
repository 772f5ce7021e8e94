"""What an alert says about an Issue: the facts shared by emails and webhook payloads."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from alerts.models import AlertKind
from events.models import Event
from events.storage import event_document
from issues.models import Issue

MAX_FRAMES = 5


@dataclass
class AlertFrame:
    filename: str
    function: str
    lineno: int | None
    context_line: str


@dataclass
class AlertItem:
    kind: str
    kind_label: str
    issue_id: int
    title: str
    culprit: str
    level: str
    event_count: int
    first_seen: datetime
    last_seen: datetime
    url: str
    release: str = ""
    environment: str = ""
    frames: list[AlertFrame] = field(default_factory=list)
    # Monitor alerts: what monitors.state said (name, target, cause, url, ...); no Issue.
    monitor: dict[str, Any] | None = None


def issue_url(project_id: int, issue_id: int) -> str:
    """The Issue's page (the path of the `issue-detail` URL) under BASE_URL."""
    return f"{settings.BASE_URL}/projects/{project_id}/issues/{issue_id}/"


def build_items(pending: list, *, with_details: bool) -> list[AlertItem]:
    """AlertItems for [kind, issue_id(, details)] entries, skipping Issues deleted or muted
    since. Monitor alerts (no issue_id) are told by their details.

    `with_details` reads the latest event of each Issue (environment, stack frames); summaries
    of many Issues skip that and show the Issue's own columns only.
    """
    issues = Issue.objects.in_bulk({entry[1] for entry in pending if entry[1] is not None})
    items = []
    for kind, issue_id, *rest in pending:
        if issue_id is None:
            items.append(monitor_item(kind, rest[0] if rest else None))
            continue
        issue = issues.get(issue_id)
        if issue is None or issue.is_muted:
            continue
        item = AlertItem(
            kind=kind,
            kind_label=AlertKind(kind).label if kind in AlertKind.values else kind,
            issue_id=issue.pk,
            title=issue.title or "(no title)",
            culprit=issue.culprit,
            level=issue.level,
            event_count=issue.event_count,
            first_seen=issue.first_seen,
            last_seen=issue.last_seen,
            url=issue_url(issue.project_id, issue.pk),
            release=issue.last_release,
        )
        if with_details:
            _add_event_details(item)
        items.append(item)
    return items


MONITOR_LEVELS = {"monitor_recovered": "info", "cert_expiring": "warning"}


def monitor_item(kind: str, details: dict | None) -> AlertItem:
    details = dict(details or {})
    at = _parse_time(details.get("at"))
    since = _parse_time(details.get("down_since")) or at
    return AlertItem(
        kind=kind,
        kind_label=AlertKind(kind).label if kind in AlertKind.values else kind,
        issue_id=0,
        title=str(details.get("name") or "(monitor)"),
        culprit=str(details.get("cause") or details.get("target") or ""),
        level=MONITOR_LEVELS.get(kind, "error"),
        event_count=0,
        first_seen=since,
        last_seen=at,
        url=str(details.get("url") or settings.BASE_URL),
        monitor=details,
    )


def _parse_time(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def _add_event_details(item: AlertItem) -> None:
    event = Event.objects.filter(issue_id=item.issue_id).order_by("-received_at", "-id").first()
    if event is None:
        return
    item.release = event.release or item.release
    item.environment = event.environment
    item.frames = top_in_app_frames(event_document(event))


def top_in_app_frames(document: dict[str, Any], limit: int = MAX_FRAMES) -> list[AlertFrame]:
    """The innermost in-app frames of the main exception, innermost first.

    When the SDK marked no frame as in-app, the innermost frames are the best guess.
    """
    exceptions = document.get("exceptions") or []
    stacktrace = (exceptions[-1].get("stacktrace") if exceptions else None) or document.get(
        "stacktrace"
    )
    frames = list((stacktrace or {}).get("frames") or [])
    chosen = [f for f in frames if f.get("in_app")] or frames
    return [
        AlertFrame(
            filename=f.get("filename") or f.get("abs_path") or f.get("module") or "?",
            function=f.get("function") or "?",
            lineno=f.get("lineno"),
            context_line=(f.get("context_line") or "").strip(),
        )
        for f in reversed(chosen[-limit:])
    ]
