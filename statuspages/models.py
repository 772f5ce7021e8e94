"""Public status pages: services in categories and regions, incidents with their updates.

A page belongs to a team and shows some services; a service may exist in several regions. An
incident affects some services (in some regions, or all of them) with an impact, and its history
is a list of updates, each a status change with a text and an author. Scheduled maintenance is
an incident with impact "maintenance" whose start lies in the future.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models import Team


class Impact(models.TextChoices):
    MAINTENANCE = "maintenance", "Maintenance"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    OUTAGE = "outage", "Outage"


# Worst last: the state of a service is the worst impact of what affects it now.
IMPACT_ORDER = [Impact.MAINTENANCE, Impact.MINOR, Impact.MAJOR, Impact.OUTAGE]


class UpdateStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    WATCHING = "watching", "Watching"
    FIXED = "fixed", "Fixed"


class StatusPage(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="status_pages")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)  # the page is at /status/<slug>/
    # Optional host name of its own (status.example.com): that host's "/" is the page.
    host_name = models.CharField(max_length=253, blank=True, default="")
    logo_text = models.CharField(max_length=40, blank=True, default="")
    description = models.TextField(blank=True, default="")
    is_public = models.BooleanField(default=True)
    # Users besides the team's admins who may open, update and close incidents.
    operators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    # Bumped whenever anything the page shows changes; cached renderings are keyed by it.
    content_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["host_name"],
                condition=~models.Q(host_name=""),
                name="unique_status_host_name",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Category(models.Model):
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="regions")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="services")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="services"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    regions = models.ManyToManyField(Region, blank=True, related_name="services")
    # Uptime / cron monitors behind the service: its history bars, and automatic incidents.
    monitors = models.ManyToManyField("monitors.Monitor", blank=True, related_name="+")
    auto_incidents = models.BooleanField(default=False)
    auto_after_minutes = models.PositiveIntegerField(default=5)
    auto_publish = models.BooleanField(default=True)  # otherwise a draft for an operator

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(max_length=200)
    impact = models.CharField(max_length=12, choices=Impact.choices)
    status = models.CharField(max_length=13, choices=UpdateStatus.choices)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)  # planned end, or when it was fixed
    is_published = models.BooleanField(default=True)
    services = models.ManyToManyField(Service, related_name="incidents")
    regions = models.ManyToManyField(Region, blank=True, related_name="incidents")  # none: all
    # Set when a monitor opened it (statuspages/automatic.py); its recovery closes it.
    monitor = models.ForeignKey(
        "monitors.Monitor", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["page", "starts_at"], name="status_incident_page_start")]

    @property
    def is_fixed(self) -> bool:
        return self.status == UpdateStatus.FIXED

    def is_active(self, now) -> bool:
        if self.is_fixed or self.starts_at > now:
            return False
        return self.ends_at is None or self.ends_at > now

    def is_upcoming(self, now) -> bool:
        return not self.is_fixed and self.starts_at > now


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=13, choices=UpdateStatus.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
