from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models import Team


class ApiToken(models.Model):
    """A personal API token: acts for its owner, within its scopes, never beyond the owner's teams.

    Only a SHA-256 of the token is stored; the token itself is shown once, at creation, and then
    only its first characters (`prefix`) to tell tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    scopes = models.JSONField(default=list)
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'}) of {self.user}"

    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class UploadChunk(models.Model):
    """A chunk sentry-cli uploaded (`chunk-upload`), kept in storage until an assemble uses it.

    Chunks belong to a team (the organization of the URL): one team never sees another's.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    checksum = models.CharField(max_length=40)  # SHA-1 of the uncompressed chunk, hex
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "checksum"], name="unique_upload_chunk")
        ]

    def storage_name(self) -> str:
        return chunk_storage_name(self.team_id, self.checksum)


def chunk_storage_name(team_id: int, checksum: str) -> str:
    return f"upload-chunks/{team_id}/{checksum}"


class AssembleResult(models.Model):
    """The outcome of assembling one file (by checksum) for one target, so that sentry-cli's
    repeated assemble polls answer from here instead of assembling again."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    checksum = models.CharField(max_length=40)
    # A digest of what the file was assembled for (kind, projects, release, dist).
    target = models.CharField(max_length=64)
    state = models.CharField(max_length=16)  # "ok" or "error"
    detail = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "checksum", "target"], name="unique_assemble_result"
            )
        ]
