"""Static files storage: hashed, compressed names after collectstatic; plain names before it.

Without this, every page fails ("Missing staticfiles manifest entry") wherever collectstatic
has not run: the test suite, the live test stack, a fresh checkout.
"""

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestOrSourceStorage(CompressedManifestStaticFilesStorage):
    def url(self, name: str | None, force: bool = False) -> str:
        if not self.hashed_files:  # no manifest: collectstatic never ran for this data dir
            return StaticFilesStorage.url(self, name)
        return super().url(name, force)
