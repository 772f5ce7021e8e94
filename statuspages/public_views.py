"""The public side of status pages: the page, its incident history, one incident, the Atom
feed and a JSON summary. No JavaScript, no cookies, cacheable."""

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from projects.access import is_team_member
from statuspages.models import Incident, IncidentUpdate, StatusPage
from statuspages.monitor_link import uptime_daily
from statuspages.rendering import cached_response
from statuspages.state import page_state, published_incidents

HISTORY_PAGE_SIZE = 20


def visible_page(request: HttpRequest, slug: str | None) -> StatusPage:
    """The page by slug, or the page whose own host name this request came in on.

    A private page is readable only by its team's members; to everyone else it does not exist.
    """
    page = getattr(request, "status_page", None)
    if page is None:
        page = get_object_or_404(StatusPage, slug=slug)
    if not page.is_public:
        if not (request.user.is_authenticated and is_team_member(request.user, page.team)):
            raise Http404
    return page


def page_urls(request: HttpRequest, page: StatusPage) -> dict[str, str]:
    """Links within the page: under /status/<slug>/, or at the root of its own host name."""
    if getattr(request, "status_page", None) is not None:
        return {"home": "/", "history": "/history/", "feed": "/feed/", "incident": "/incidents/"}
    home = reverse("status-page", args=[page.slug])
    return {
        "home": home,
        "history": home + "history/",
        "feed": home + "feed/",
        "incident": home + "incidents/",
    }


def status_page(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    page = visible_page(request, slug)

    def render() -> str:
        state = page_state(page, timezone.now(), uptime_daily)
        return render_to_string(
            "statuspages/public/page.html",
            {"page": page, "state": state, "urls": page_urls(request, page)},
        )

    return cached_response(request, page, "page", render)


def history(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    page = visible_page(request, slug)
    number = request.GET.get("page", "1")
    if not number.isdigit() or not 0 < int(number) < 100_000:
        raise Http404

    def render() -> str:
        paginator = Paginator(published_incidents(page), HISTORY_PAGE_SIZE)
        if int(number) > paginator.num_pages:
            raise Http404
        return render_to_string(
            "statuspages/public/history.html",
            {
                "page": page,
                "incidents": paginator.page(int(number)),
                "urls": page_urls(request, page),
                "now": timezone.now(),
            },
        )

    return cached_response(request, page, f"history:{number}", render)


def incident_detail(
    request: HttpRequest, incident_id: int, slug: str | None = None
) -> HttpResponse:
    page = visible_page(request, slug)
    incident = get_object_or_404(published_incidents(page), pk=incident_id)

    def render() -> str:
        return render_to_string(
            "statuspages/public/incident.html",
            {"page": page, "incident": incident, "urls": page_urls(request, page)},
        )

    return cached_response(request, page, f"incident:{incident.pk}", render)


def summary_json(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    page = visible_page(request, slug)

    def render() -> bytes:
        state = page_state(page, timezone.now(), uptime_daily)
        data = {
            "page": {
                "title": page.title,
                "url": request.build_absolute_uri(page_urls(request, page)["home"]),
            },
            "status": {"indicator": state.state, "description": state.label},
            "services": [
                {
                    "name": s.service.name,
                    "category": category.name or None,
                    "status": s.state,
                    "description": s.label,
                    "regions": s.by_region,
                    "uptime_90d": s.uptime_90d,
                }
                for category in state.categories
                for s in category.services
            ],
            "active_incidents": [_incident_json(i) for i in state.active],
            "scheduled_maintenance": [_incident_json(i) for i in state.upcoming],
        }
        return JsonResponse(data).content

    return cached_response(request, page, "summary", render, "application/json")


def _incident_json(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "title": incident.title,
        "impact": incident.impact,
        "status": incident.status,
        "starts_at": incident.starts_at.isoformat(),
        "ends_at": incident.ends_at.isoformat() if incident.ends_at else None,
        "services": [s.name for s in incident.services.all()],
        "updates": [
            {"status": u.status, "text": u.text, "at": u.created_at.isoformat()}
            for u in incident.updates.all()
        ],
    }


class IncidentFeed(Feed):
    """Atom: one entry per incident update, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str | None = None) -> StatusPage:
        self.request = request
        return visible_page(request, slug)

    def title(self, page: StatusPage) -> str:
        return f"{page.title}: incidents"

    def link(self, page: StatusPage) -> str:
        return page_urls(self.request, page)["home"]

    def subtitle(self, page: StatusPage) -> str:
        return page.description or f"Incidents and maintenance of {page.title}"

    def items(self, page: StatusPage):
        return (
            IncidentUpdate.objects.filter(incident__page=page, incident__is_published=True)
            .select_related("incident")
            .order_by("-created_at", "-pk")[:50]
        )

    def item_title(self, update: IncidentUpdate) -> str:
        return f"{update.incident.title}: {update.get_status_display()}"

    def item_description(self, update: IncidentUpdate) -> str:
        return update.text

    def item_link(self, update: IncidentUpdate) -> str:
        return f"{page_urls(self.request, update.incident.page)['incident']}{update.incident_id}/"

    def item_guid(self, update: IncidentUpdate) -> str:
        return f"incident-update-{update.pk}"

    def item_pubdate(self, update: IncidentUpdate):
        return update.created_at

    def item_updateddate(self, update: IncidentUpdate):
        return update.created_at


def feed(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    page = visible_page(request, slug)
    return cached_response(
        request,
        page,
        "feed",
        lambda: IncidentFeed()(request, slug=slug).content,
        "application/atom+xml; charset=utf-8",
    )
