import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # An open team is listed to every signed-in user, who may join it (as a member) unasked.
    is_open = models.BooleanField(default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams"
    )

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100] or "team"
        super().save(*args, **kwargs)


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class Project(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # The grouping version of the project's new events (issues/grouping/versions/); new projects
    # get the newest, existing ones keep theirs until an admin upgrades them.
    grouping_config = models.CharField(max_length=32, default="v2")
    # When the project was last upgraded: for GROUPING_TRANSITION_DAYS after it, events whose new
    # hash is unknown join the Issue of their previous version's hash (no split Issues).
    grouping_upgraded_at = models.DateTimeField(null=True, blank=True)
    grouping_upgraded_from = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="unique_project_slug_per_team")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100] or "project"
        super().save(*args, **kwargs)

    def upgrade_grouping(self, to: str, user=None) -> bool:
        """Group new events by version `to` from now on, with a transition window (see
        issues/GROUPING.md); recorded as a project activity. False if already on `to`."""
        if self.grouping_config == to:
            return False
        previous = self.grouping_config
        now = timezone.now()
        Project.objects.filter(pk=self.pk).update(
            grouping_config=to, grouping_upgraded_at=now, grouping_upgraded_from=previous
        )
        self.grouping_config, self.grouping_upgraded_at = to, now
        self.grouping_upgraded_from = previous
        ProjectActivity.objects.create(
            project=self,
            user=user,
            kind="grouping_upgraded",
            details={"from": previous, "to": to},
            created_at=now,
        )
        return True


def generate_public_key() -> str:
    return secrets.token_hex(16)


class ProjectKey(models.Model):
    """A DSN key. A project can have several, e.g. one per app, each revocable on its own."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keys")
    public_key = models.CharField(max_length=32, unique=True, default=generate_public_key)
    label = models.CharField(max_length=100, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.public_key} ({self.project})"

    def dsn(self, base_url: str | None = None) -> str:
        """`<scheme>://<public_key>@<host>[/<path>]/<project_id>`, from BASE_URL."""
        parts = urlsplit(base_url or settings.BASE_URL)
        path = parts.path.rstrip("/")
        return f"{parts.scheme}://{self.public_key}@{parts.netloc}{path}/{self.project_id}"


# An invitation link works once, for this many days.
INVITATION_DAYS = 7


def generate_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A team admin's invitation, accepted through the emailed link (the token is the secret)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=TeamMembership.Role.choices, default=TeamMembership.Role.MEMBER
    )
    token = models.CharField(max_length=64, unique=True, default=generate_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.team}"


class ProjectActivity(models.Model):
    """A change to a project's settings that its users should be able to trace (who, when, what)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["project", "created_at"], name="projactivity_created")]

    def __str__(self) -> str:
        return f"{self.kind} on project {self.project_id}"
