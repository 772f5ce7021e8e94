from django.db import models

from projects.models import Project


class RawEvent(models.Model):
    """The ingest spool: an accepted event item, kept until digestion has stored it as an Event.

    Writing this row (and committing it) is what makes it safe to answer 200: if the broker or
    a worker dies, the sweep finds the row and digests it.
    """

    # A plain id, not a foreign key: on SQLite the spool lives in a database file of its own
    # (events/routers.py). Digestion drops spooled events of projects deleted meanwhile.
    project_id = models.BigIntegerField()
    event_id = models.CharField(max_length=32)
    received_at = models.DateTimeField()
    payload = models.BinaryField()  # the event item exactly as sent (decompressed JSON)
    remote_addr = models.CharField(max_length=45, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project_id", "event_id"], name="unique_raw_event")
        ]


class Event(models.Model):
    """A digested event: indexed columns for lists and filters, the full document compressed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=32)
    grouping = models.ForeignKey(
        "issues.Grouping", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    timestamp = models.DateTimeField()  # as the client says
    received_at = models.DateTimeField()  # as the server saw it
    level = models.CharField(max_length=10, default="error")
    platform = models.CharField(max_length=64, blank=True, default="")
    release = models.CharField(max_length=250, blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    data = models.BinaryField()  # zstd-compressed JSON of the normalized event

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "event_id"], name="unique_event_per_project")
        ]
        indexes = [
            models.Index(fields=["issue", "received_at"], name="event_issue_received"),
            models.Index(fields=["project", "received_at"], name="event_project_received"),
            models.Index(fields=["project", "timestamp"], name="event_project_timestamp"),
            models.Index(fields=["project", "level"], name="event_project_level"),
            models.Index(fields=["project", "release"], name="event_project_release"),
            models.Index(fields=["project", "environment"], name="event_project_environment"),
            models.Index(fields=["project", "platform"], name="event_project_platform"),
        ]


class TagValue(models.Model):
    """One distinct key=value per project, so tag filters are an index lookup on its id."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "key", "value"], name="unique_tag_value")
        ]


class EventTag(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tags")
    value = models.ForeignKey(TagValue, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["value", "event"], name="eventtag_value_event"),
            models.Index(fields=["issue", "value"], name="eventtag_issue_value"),
        ]


class Attachment(models.Model):
    """An envelope attachment, linked to its event by event_id (the event may be digested later)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32, db_index=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    attachment_type = models.CharField(max_length=50, default="event.attachment")
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    received_at = models.DateTimeField()


class UserFeedback(models.Model):
    """A `feedback` item or a legacy `user_report`, linked to the event it talks about."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32, db_index=True)  # the associated event
    feedback_id = models.CharField(max_length=32, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    email = models.CharField(max_length=255, blank=True, default="")
    comments = models.TextField(blank=True, default="")
    url = models.CharField(max_length=1000, blank=True, default="")
    received_at = models.DateTimeField()


class IngestRejection(models.Model):
    """How many requests were refused, per project, reason and day (for the settings page)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, related_name="+")
    reason = models.CharField(max_length=40)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "reason", "day"], name="unique_rejection_bucket"
            )
        ]
