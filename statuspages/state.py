"""What a status page says right now, computed from its services, incidents and monitors.

A service's state is the worst impact among the published incidents affecting it now (in a
region, when the incident names regions; everywhere otherwise), "operational" when there is
none. The page's overall state is the worst of its services'. The 90-day history per service is
one bar per UTC day: the worst incident impact of that day, and the day's uptime from the
service's monitors (the lowest among them).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q

from statuspages.models import IMPACT_ORDER, Incident, IncidentUpdate, Service, StatusPage

HISTORY_DAYS = 90
OPERATIONAL = "operational"
STATE_LABELS = {
    OPERATIONAL: "Operational",
    "maintenance": "Under maintenance",
    "minor": "Degraded performance",
    "major": "Partial outage",
    "outage": "Major outage",
}


def worse(a: str, b: str) -> str:
    rank = {impact: n for n, impact in enumerate([OPERATIONAL, *IMPACT_ORDER])}
    return a if rank[a] >= rank[b] else b


@dataclass
class DayBar:
    day: date
    uptime: float | None
    impact: str | None  # the worst incident impact that day

    @property
    def state(self) -> str:
        if self.impact:
            return self.impact
        if self.uptime is None:
            return "nodata"
        if self.uptime >= 99.9:
            return OPERATIONAL
        return "minor" if self.uptime >= 95 else "major"


@dataclass
class ServiceState:
    service: Service
    state: str = OPERATIONAL
    by_region: dict[str, str] = field(default_factory=dict)
    bars: list[DayBar] = field(default_factory=list)
    uptime_90d: float | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class CategoryState:
    name: str
    services: list[ServiceState]

    @property
    def state(self) -> str:
        result = OPERATIONAL
        for service in self.services:
            result = worse(result, service.state)
        return result

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class PageState:
    page: StatusPage
    now: datetime
    categories: list[CategoryState]
    regions: list[str]
    active: list[Incident]
    upcoming: list[Incident]
    recent: list[Incident]

    @property
    def state(self) -> str:
        result = OPERATIONAL
        for category in self.categories:
            result = worse(result, category.state)
        return result

    @property
    def label(self) -> str:
        if self.state == OPERATIONAL:
            return "All systems operational"
        return STATE_LABELS[self.state]


def published_incidents(page: StatusPage):
    updates = Prefetch("updates", queryset=IncidentUpdate.objects.select_related("author"))
    return (
        Incident.objects.filter(page=page, is_published=True)
        .prefetch_related(updates, "services", "regions")
        .order_by("-starts_at", "-pk")
    )


def page_state(page: StatusPage, now: datetime, uptime_daily=None) -> PageState:
    """`uptime_daily(monitors, days, now)` gives {monitor id: [(date, uptime %), ...]}."""
    services = list(
        Service.objects.filter(page=page)
        .select_related("category")
        .prefetch_related("regions", "monitors")
        .order_by("category__position", "category__name", "position", "name")
    )
    since = now - timedelta(days=HISTORY_DAYS)
    incidents = list(
        published_incidents(page).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gte=since) | Q(starts_at__gte=since)
        )
    )
    active = [i for i in incidents if i.is_active(now)]
    upcoming = sorted((i for i in incidents if i.is_upcoming(now)), key=lambda i: i.starts_at)
    recent = [i for i in incidents if i not in active and i not in upcoming][:10]
    monitors = {m.pk: m for s in services for m in s.monitors.all()}
    daily = uptime_daily(list(monitors.values()), HISTORY_DAYS, now) if uptime_daily else {}
    regions = [r.name for r in page.regions.all()]

    states = [_service_state(s, active, incidents, daily, now) for s in services]
    grouped: dict[str, list[ServiceState]] = defaultdict(list)
    for state in states:
        grouped[state.service.category.name if state.service.category else ""].append(state)
    categories = [CategoryState(name, members) for name, members in grouped.items()]
    return PageState(page, now, categories, regions, active, upcoming, recent)


def _service_state(
    service: Service, active: list[Incident], incidents: list[Incident], daily: dict, now
) -> ServiceState:
    state = ServiceState(service)
    region_names = [r.name for r in service.regions.all()]
    state.by_region = {name: OPERATIONAL for name in region_names}
    for incident in active:
        if service not in incident.services.all():
            continue
        state.state = worse(state.state, incident.impact)
        names = [r.name for r in incident.regions.all()] or region_names
        for name in names:
            if name in state.by_region:
                state.by_region[name] = worse(state.by_region[name], incident.impact)
    state.bars = _bars(service, incidents, daily, now)
    known = [bar.uptime for bar in state.bars if bar.uptime is not None]
    state.uptime_90d = round(sum(known) / len(known), 3) if known else None
    return state


def _bars(service: Service, incidents: list[Incident], daily: dict, now) -> list[DayBar]:
    today = now.date()
    days = [today - timedelta(days=offset) for offset in range(HISTORY_DAYS - 1, -1, -1)]
    uptime: dict[date, float] = {}
    for monitor in service.monitors.all():
        for day, percent in daily.get(monitor.pk, []):
            if percent is not None:
                uptime[day] = min(percent, uptime.get(day, 100.0))
    impact: dict[date, str] = {}
    for incident in incidents:
        if service not in incident.services.all() or incident.starts_at > now:
            continue
        first = incident.starts_at.date()
        last = (incident.ends_at or now).date()
        day = max(first, days[0])
        while day <= min(last, today):
            impact[day] = worse(impact.get(day, OPERATIONAL), incident.impact)
            day += timedelta(days=1)
    return [DayBar(day, uptime.get(day), impact.get(day)) for day in days]
