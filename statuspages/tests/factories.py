import uuid

from projects.models import Team, TeamMembership
from projects.tests.factories import make_user
from statuspages.incidents import open_incident
from statuspages.models import Category, Incident, Region, Service, StatusPage


def make_page(public: bool = True, **fields) -> StatusPage:
    team = Team.objects.create(name=f"team-{uuid.uuid4().hex[:6]}")
    values = {"title": "Acme status", "slug": f"acme-{uuid.uuid4().hex[:6]}", "is_public": public}
    values.update(fields)
    return StatusPage.objects.create(team=team, **values)


def make_operator(page: StatusPage, name: str = "op", role: str = "admin"):
    user = make_user(name)
    TeamMembership.objects.create(team=page.team, user=user, role=role)
    return user


def make_services(page: StatusPage) -> dict[str, Service]:
    web = Category.objects.create(page=page, name="Web", position=1)
    eu = Region.objects.create(page=page, name="EU")
    us = Region.objects.create(page=page, name="US")
    api = Service.objects.create(page=page, category=web, name="API")
    api.regions.set([eu, us])
    site = Service.objects.create(page=page, category=web, name="Website")
    return {"api": api, "site": site, "eu": eu, "us": us}


def incident(page, services, text="Looking into it", author=None, regions=(), **fields):
    values = {"title": "Errors on the API", "impact": "major", "status": "investigating"}
    values.update(fields)
    return open_incident(Incident(page=page, **values), text, author, services, regions)
