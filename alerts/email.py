"""Alert emails: one Issue in detail, or a summary of a coalesced batch; HTML + plain text."""

import re
from collections import Counter

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from alerts.context import AlertItem
from projects.models import Project

SUBJECT_TITLE_LENGTH = 120
# A summary lists this many Issues; beyond that it says how many more there are.
SUMMARY_LIMIT = 100


def build_alert_email(project: Project, items: list[AlertItem], to: str) -> EmailMultiAlternatives:
    context = {
        "project": project,
        "items": items[:SUMMARY_LIMIT],
        "item": items[0],
        "more": max(0, len(items) - SUMMARY_LIMIT),
        "count": len(items),
        "counts": _kind_counts(items),
        "project_url": f"{settings.BASE_URL}/",
    }
    if len(items) > 1:
        template = "alerts/email/summary"
    elif items[0].monitor is not None:
        template = "alerts/email/monitor_alert"
    else:
        template = "alerts/email/issue_alert"
    message = EmailMultiAlternatives(
        subject=_subject(project, items),
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


# (singular, plural) for the summary's "3 new issues, 1 regression".
KIND_NOUNS = {
    "new_issue": ("new issue", "new issues"),
    "regression": ("regression", "regressions"),
    "unmute": ("unmuted issue", "unmuted issues"),
    "monitor_down": ("monitor down", "monitors down"),
    "monitor_recovered": ("monitor recovered", "monitors recovered"),
    "cron_missed": ("missed check-in", "missed check-ins"),
    "cron_failed": ("failed cron job", "failed cron jobs"),
    "cert_expiring": ("certificate expiring", "certificates expiring"),
}


def _kind_counts(items: list[AlertItem]) -> list[str]:
    """E.g. ["3 new issues", "1 regression"], most frequent first (stable for ties)."""
    counts = Counter(item.kind for item in items)
    order = sorted(counts, key=lambda kind: -counts[kind])
    phrases = []
    for kind in order:
        singular, plural = KIND_NOUNS.get(kind, (kind, kind))
        phrases.append(f"{counts[kind]} {singular if counts[kind] == 1 else plural}")
    return phrases


def _subject(project: Project, items: list[AlertItem]) -> str:
    if len(items) == 1:
        item = items[0]
        subject = f"[{project.name}] {item.kind_label}: {_one_line(item.title)}"
    else:
        parts = ", ".join(_kind_counts(items))
        subject = f"[{project.name}] {len(items)} alerts ({parts})"
    return _one_line(subject)


def _one_line(text: str) -> str:
    """Header-safe: event data may hold newlines, which Django refuses in a subject."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > SUBJECT_TITLE_LENGTH:
        text = text[: SUBJECT_TITLE_LENGTH - 1] + "…"
    return text
