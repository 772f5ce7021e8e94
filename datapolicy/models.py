"""Per-project data policy: what is scrubbed before storage and how long events are kept.

A project without a row uses the instance defaults (settings), so a policy is only stored once
somebody changes it.
"""

from django.db import models

from datapolicy.scrub import IpMode


class DataPolicy(models.Model):
    IP_MODES = [
        (IpMode.KEEP, "Keep the user's IP address"),
        (IpMode.ANONYMIZE, "Anonymize it (zero the last IPv4 octet / the last 80 IPv6 bits)"),
        (IpMode.DROP, "Drop it"),
    ]

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # One rule per line: a word matched like the built-in ones, or /a regular expression/ on
    # the whole key.
    scrub_extra = models.TextField(blank=True, default="")
    # Keys (whole, case-insensitive) never scrubbed, even when a rule names them.
    scrub_keep = models.TextField(blank=True, default="")
    ip_mode = models.CharField(max_length=10, choices=IP_MODES, default=IpMode.KEEP)
    store_attachments = models.BooleanField(default=True)
    # Retention; null means the instance default from settings.
    max_events = models.PositiveIntegerField(null=True, blank=True)
    max_age_days = models.PositiveIntegerField(null=True, blank=True)
    max_attachment_mb = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when someone asked to delete the project (datapolicy/project_removal.py).
    removal_requested_at = models.DateTimeField(null=True, blank=True)

    def extra_rules(self) -> list[str]:
        return [line.strip() for line in self.scrub_extra.splitlines() if line.strip()]

    def keep_rules(self) -> list[str]:
        return [line.strip() for line in self.scrub_keep.splitlines() if line.strip()]


class EvictedCount(models.Model):
    """How many evicted events an Issue had in one minute (recent) or hour (older).

    Period counters and charts count events by when they were received. Eviction removes
    events, so it leaves their counts here first; `issues.counters` and `issues.charts` add these
    to what they count from the stored events, and both stay "events seen", not "events stored".
    Minute rows are written for events less than a day old (the finest counter granularity is
    kept for a day), hour rows for older ones.
    """

    MINUTE = "minute"
    HOUR = "hour"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="+")
    granularity = models.CharField(max_length=6)
    start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "granularity", "start"], name="unique_evicted_bucket"
            )
        ]
        indexes = [models.Index(fields=["project", "start"], name="evicted_project_start")]
