from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models import Project, Team


class Issue(models.Model):
    """A group of events that are the same problem. Counters are denormalized for fast lists."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    event_count = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=255, blank=True, default="")
    culprit = models.CharField(max_length=255, blank=True, default="")
    level = models.CharField(max_length=10, default="error")
    platform = models.CharField(max_length=64, blank=True, default="")
    first_release = models.CharField(max_length=250, blank=True, default="")
    last_release = models.CharField(max_length=250, blank=True, default="")

    # Resolution and muting; resolved and muted exclude each other.
    is_resolved = models.BooleanField(default=False)
    is_resolved_by_next_release = models.BooleanField(default=False)
    fixed_in_release = models.CharField(max_length=250, blank=True, default="")
    is_muted = models.BooleanField(default=False)
    unmute_on_volume_based_conditions = models.JSONField(default=list, blank=True)
    unmute_after = models.DateTimeField(null=True, blank=True)

    # Who works on it: a team member, or the project's team as a whole (issues/assignment.py).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["project", "last_seen"], name="issue_project_last_seen"),
            models.Index(fields=["project", "first_seen"], name="issue_project_first_seen"),
            models.Index(fields=["project", "event_count"], name="issue_project_event_count"),
        ]

    def __str__(self) -> str:
        return self.title


class Grouping(models.Model):
    """hash -> Issue. Several hashes may point to one Issue (merges, new grouping configs)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="groupings")
    hash = models.CharField(max_length=64)
    config = models.CharField(max_length=32)  # the grouping algorithm version that made `hash`
    # What made the hash, for people ("Why grouped" on the event page): the strategy and its
    # components as "label: value" lines, as the first event of this hash produced them.
    strategy = models.CharField(max_length=32, blank=True, default="")
    components = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "hash"], name="unique_grouping_hash")
        ]


class IssueSearchText(models.Model):
    """An Issue's full-text search document (issues/fulltext.py): the words of its title,
    culprit, messages and exception values, lowercase, space-separated, bounded in size.

    Indexed by an FTS5 table on SQLite (migration 0004_issue_search_text) and, on PostgreSQL,
    by a GIN index on the generated column `search_vector` that no model field names (migration
    0007_search_vector_column); digestion keeps it current.
    """

    issue = models.OneToOneField(
        Issue, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    project_id = models.BigIntegerField()  # the Issue's, so a search never joins Issue
    document = models.TextField(default="")


class IssueTagCount(models.Model):
    """Per-issue count of each tag value, so "top values of tag X" is one indexed read."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="tag_counts")
    value = models.ForeignKey("events.TagValue", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "value"], name="unique_issue_tag_value")
        ]
        indexes = [models.Index(fields=["issue", "key", "count"], name="issuetag_issue_key_count")]


class Release(models.Model):
    """A release version seen in a project's events, with the moment it was first seen.

    Order: semantic-version order when both versions parse (issues/releases.py), else the order
    in which they were first seen.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=250)
    # When an event first named it, or when the Web API created it (sentry-cli releases new).
    first_seen = models.DateTimeField()
    # Set through the Web API (sentry-cli): `releases finalize` sets date_released.
    date_released = models.DateTimeField(null=True, blank=True)
    date_started = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_release_version")
        ]

    def __str__(self) -> str:
        return self.version


class Deploy(models.Model):
    """A deploy of a release to an environment, reported through the Web API (sentry-cli)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="deploys")
    environment = models.CharField(max_length=64)
    name = models.CharField(max_length=250, blank=True, default="")
    url = models.URLField(max_length=500, blank=True, default="")
    date_started = models.DateTimeField(null=True, blank=True)
    date_finished = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["release", "date_finished"], name="deploy_release_finished")
        ]

    def __str__(self) -> str:
        return f"{self.release} to {self.environment}"


class IssueActivity(models.Model):
    """One state transition of an Issue: who (None = the system), when, what, and details."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="activities")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["issue", "created_at"], name="activity_issue_created")]

    def __str__(self) -> str:
        return f"{self.kind} on issue {self.issue_id}"


class CounterGeneration(models.Model):
    """Bumped under the project's digest lock by every digested batch and by rebuild_counters.

    A digesting process remembers the generation its in-memory period counters reflect; when the
    stored one differs, another process digested (or someone rebuilt) in between, and the
    counters are reloaded from the database. See README, "Period counters and concurrency".
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    generation = models.BigIntegerField(default=0)


class IssueComment(models.Model):
    """A team member's plain-text note on an Issue; shown escaped in the activity timeline."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["issue", "created_at"], name="comment_issue_created")]

    def __str__(self) -> str:
        return f"comment {self.pk} on issue {self.issue_id}"


class EnvironmentChoice(models.Model):
    """The environment a user last chose on a project's issue list ("" = all environments)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    environment = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="unique_environment_choice")
        ]
