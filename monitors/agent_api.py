"""The API of remote agents: pull due checks, post results. Authenticated by an agent token
(`Authorization: Bearer <token>`); an agent sees only the `run_by_agents` monitors of the
projects it is attached to.

    GET  /monitors/agent/tasks/    -> {"tasks": [CheckSpec, ...], "poll_seconds": N}
    POST /monitors/agent/results/  <- {"results": [{"monitor_id": 1, "outcome": {...}}]}
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import clock
from .agreement import record_agent_result
from .models import PROBED_KINDS, Monitor, MonitorAgent, MonitorResult, hash_token
from .spec import spec_of

MAX_RESULTS_BODY = 1024 * 1024
MAX_RESULTS = 1000


def _agent(request: HttpRequest) -> MonitorAgent | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    agent = MonitorAgent.objects.filter(token_hash=hash_token(token.strip()), is_enabled=True)
    found = agent.first()
    if found is not None:
        MonitorAgent.objects.filter(pk=found.pk).update(last_seen_at=clock.now())
    return found


def _refused() -> JsonResponse:
    return JsonResponse({"detail": "a valid agent token is required"}, status=401)


def agent_monitors(agent: MonitorAgent):
    return Monitor.objects.filter(
        project__in=agent.projects.all(),
        run_by_agents=True,
        is_paused=False,
        kind__in=PROBED_KINDS,
    )


@csrf_exempt
@require_GET
def tasks(request: HttpRequest) -> JsonResponse:
    agent = _agent(request)
    if agent is None:
        return _refused()
    now = clock.now()
    monitors = list(agent_monitors(agent))
    last = dict(
        MonitorResult.objects.filter(agent=agent, monitor__in=monitors)
        .values("monitor_id")
        .annotate(at=Max("checked_at"))
        .values_list("monitor_id", "at")
    )
    due = []
    for monitor in monitors:
        interval = monitor.frequency_seconds
        if monitor.consecutive_failures and not monitor.is_down:
            interval = monitor.recheck_delay_seconds  # the outage is not confirmed yet
        previous = last.get(monitor.pk)
        if previous is None or previous + timedelta(seconds=interval) <= now:
            due.append(spec_of(monitor).to_dict())
    return JsonResponse({"tasks": due, "poll_seconds": settings.MONITOR_TICK_SECONDS})


@csrf_exempt
@require_POST
def results(request: HttpRequest) -> JsonResponse:
    agent = _agent(request)
    if agent is None:
        return _refused()
    if len(request.body) > MAX_RESULTS_BODY:
        return JsonResponse({"detail": "too many results in one request"}, status=413)
    try:
        document = json.loads(request.body)
        entries = document["results"]
        assert isinstance(entries, list) and len(entries) <= MAX_RESULTS
    except (ValueError, KeyError, TypeError, AssertionError):
        return JsonResponse({"detail": 'expected {"results": [...]}'}, status=400)
    allowed = set(agent_monitors(agent).values_list("pk", flat=True))
    stored = 0
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("monitor_id") not in allowed:
            continue
        outcome = _clean_outcome(entry.get("outcome"))
        if outcome is None:
            continue
        record_agent_result(entry["monitor_id"], agent.pk, outcome, clock.now())
        stored += 1
    return JsonResponse({"stored": stored})


def _clean_outcome(outcome: object) -> dict | None:
    if not isinstance(outcome, dict) or outcome.get("severity") not in (
        "ok",
        "warning",
        "critical",
    ):
        return None
    clean: dict = {"severity": outcome["severity"], "error": str(outcome.get("error") or "")[:500]}
    for key in ("status_code", "response_ms"):
        value = outcome.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7:
            clean[key] = value
    context = outcome.get("context")
    if isinstance(context, dict) and len(json.dumps(context)) <= 4000:
        clean["context"] = context
    return clean
