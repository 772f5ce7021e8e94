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


class DocumentDictionary(models.Model):
    """The zstd dictionary an Issue's event documents are compressed with (events/storage.py).

    It is the normalized document of the Issue's first event: later events of the same problem
    repeat most of it, so each compresses to a few hundred bytes.
    """

    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="+")
    data = models.BinaryField()  # the dictionary itself, zstd-compressed without a dictionary


class Event(models.Model):
    """A digested event: the columns lists and filters read, the full document compressed.

    Only the indexes some query uses exist: every byte of them is paid per event.
    """

    # Both foreign keys are indexed by the composite indexes below (their first column).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    issue = models.ForeignKey(
        "issues.Issue", on_delete=models.CASCADE, related_name="events", db_index=False
    )
    event_id = models.CharField(max_length=32)
    timestamp = models.DateTimeField()  # as the client says
    received_at = models.DateTimeField()  # as the server saw it
    level = models.CharField(max_length=10, default="error")
    release = models.CharField(max_length=250, blank=True, default="")
    environment = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    # The Grouping (hash) that filed the event under its Issue, so an unmerge can move exactly
    # its events out again (issues/merge.py). A plain id without an index or constraint: only
    # an unmerge reads it, through the Issue's own index. NULL: stored before it was recorded.
    grouping_id = models.BigIntegerField(null=True, blank=True)
    # NULL: `data` is plain zstd (events stored before dictionaries existed). Dictionaries go
    # only together with their Issue, whose events go too, so nothing cascades here, and there
    # is no database constraint either: it would make deleting a dictionary look for its
    # events, and without an index (bytes per event) that is a scan of every event.
    dictionary = models.ForeignKey(
        DocumentDictionary,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    data = models.BinaryField()  # zstd-compressed JSON of the normalized event

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "event_id"], name="unique_event_per_project")
        ]
        indexes = [
            # An Issue's events in order, its charts, its latest event, mute checks.
            models.Index(fields=["issue", "received_at"], name="event_issue_received"),
            # Project sparklines, quotas, loading the period counters.
            models.Index(fields=["project", "received_at"], name="event_project_received"),
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


class Attachment(models.Model):
    """An envelope attachment, linked to its event by event_id (the event may be digested later).

    Stored once per content (`sha256`), zstd-compressed unless its format is compressed
    already: read it with `events.attachments.original_bytes`, never from `data` directly.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32, db_index=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    attachment_type = models.CharField(max_length=50, default="event.attachment")
    size = models.PositiveIntegerField()  # of the original bytes
    sha256 = models.CharField(max_length=64, blank=True, default="")  # of the original bytes
    compression = models.CharField(max_length=10, blank=True, default="")  # "zstd" or ""
    data = models.BinaryField()
    received_at = models.DateTimeField()

    def original_bytes(self) -> bytes:
        """The attachment exactly as the SDK sent it (see events/attachments.py)."""
        from events.attachments import original_bytes

        return original_bytes(self)


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


class Outcome(models.Model):
    """What became of ingested items, per project, UTC hour, outcome, reason and category.

    `outcome` is accepted, refused (by us: quota, too_large, malformed, bad_key, disabled),
    filtered (taken but not kept: a category this server does not store) or client_discard
    (dropped by the SDK itself, as its client reports say, with the SDK's reason). Written by
    ingest/outcomes.py, read by the outcomes page; rows older than OUTCOMES_RETENTION_DAYS go.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()  # start of the UTC hour
    outcome = models.CharField(max_length=20)
    reason = models.CharField(max_length=40, blank=True, default="")
    category = models.CharField(max_length=20)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "hour", "outcome", "reason", "category"],
                name="unique_outcome_bucket",
            )
        ]
        indexes = [models.Index(fields=["hour"], name="outcome_hour")]  # retention deletes
