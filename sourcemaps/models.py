"""Uploaded JavaScript artifacts: artifact bundles and the files they hold, and release files.

The bytes live in the `sourcemaps` storage (Django's storage API, `STORAGES["sourcemaps"]`);
rows only index them, by debug ID and by (release, dist, URL), which is how digestion finds
the map of a minified frame.
"""

from django.core.files.storage import storages
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from projects.models import Project


class ArtifactBundle(models.Model):
    """One artifact bundle zip as sentry-cli assembles it, stored for one project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    release = models.CharField(max_length=250, blank=True, default="")
    dist = models.CharField(max_length=64, blank=True, default="")
    sha1 = models.CharField(max_length=40)
    bundle_id = models.CharField(max_length=64, blank=True, default="")
    file_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["project", "sha1"], name="artifactbundle_project_sha1")]


class SourceFile(models.Model):
    """A file of a bundle, or a legacy release file (`bundle` is None then).

    `name` is the file's URL as uploaded (`~/static/app.min.js`, or a full URL); `file_type` is
    the bundle manifest's type (`minified_source`, `source_map`, `source`, ...), for release
    files guessed from the name.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    bundle = models.ForeignKey(
        ArtifactBundle, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    release = models.CharField(max_length=250, blank=True, default="")
    dist = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=1000)
    file_type = models.CharField(max_length=32, blank=True, default="")
    debug_id = models.CharField(max_length=36, blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    sha1 = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(default=0)
    storage_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["project", "debug_id"], name="sourcefile_project_debug_id"),
            models.Index(
                fields=["project", "release", "dist", "name"], name="sourcefile_project_url"
            ),
        ]

    def read_bytes(self) -> bytes:
        with storages["sourcemaps"].open(self.storage_name, "rb") as f:
            return f.read()

    def open_file(self):
        """The stored file, opened for reading (the caller closes it)."""
        return storages["sourcemaps"].open(self.storage_name, "rb")

    def header(self, name: str) -> str:
        """A header's value by case-insensitive name, or ''."""
        wanted = name.lower()
        for key, value in (self.headers or {}).items():
            if key.lower() == wanted:
                return str(value)
        return ""


@receiver(post_delete, sender=SourceFile)
def _remove_stored_file(sender, instance: SourceFile, **kwargs) -> None:
    """A file's bytes go with its row, however the row goes (release file replaced, bundle or
    project deleted), once the deletion has committed."""
    name = instance.storage_name
    transaction.on_commit(lambda: storages["sourcemaps"].delete(name))
