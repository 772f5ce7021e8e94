"""The outcomes page of a project: where its events went, per hour or per day.

Accepted, refused by us (by reason), filtered (taken, not kept) and dropped by the SDK itself
(its client reports), as server-rendered SVG bars and a table; the same numbers as JSON.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from events.outcome_summary import PERIODS, outcome_buckets, totals
from issues.charts import make_chart
from projects.access import project_for

REASON_WORDS = {
    "quota": "over quota",
    "too_large": "too large",
    "malformed": "malformed",
    "bad_key": "bad or missing key",
    "disabled": "key or project disabled",
    "not_stored": "category not stored here",
}


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", "hour")
    return period if period in PERIODS else "hour"


@login_required
def project_outcomes(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    period = _period(request)
    buckets = outcome_buckets(project.pk, period)
    starts = [b.start for b in buckets]
    charts = [
        (label, make_chart(starts, {b.start: b.total(kind) for b in buckets}))
        for kind, label in (
            ("accepted", "Accepted"),
            ("refused", "Refused by this server"),
            ("filtered", "Filtered (not stored)"),
            ("client_discard", "Dropped by the SDK"),
        )
    ]
    rows = [
        {
            "start": b.start,
            "accepted": b.total("accepted"),
            "refused": b.total("refused"),
            "filtered": b.total("filtered"),
            "client_discard": b.total("client_discard"),
        }
        for b in reversed(buckets)
    ]
    breakdown = [
        {"outcome": o.replace("_", " "), "reason": REASON_WORDS.get(r, r), "category": c, "n": n}
        for o, r, c, n in totals(buckets)
    ]
    return render(
        request,
        "projects/outcomes.html",
        {
            "project": project,
            "period": period,
            "charts": charts,
            "rows": rows,
            "breakdown": breakdown,
            "retention_days": settings.OUTCOMES_RETENTION_DAYS,
        },
    )


@login_required
def project_outcomes_json(request: HttpRequest, project_id: int) -> HttpResponse:
    project = project_for(request.user, project_id)
    period = _period(request)
    buckets = outcome_buckets(project.pk, period)
    return JsonResponse(
        {
            "project": project.pk,
            "period": period,
            "retention_days": settings.OUTCOMES_RETENTION_DAYS,
            "buckets": [b.as_json() for b in buckets],
        }
    )
