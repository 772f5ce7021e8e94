"""Running `manage.py` as a user does (a subprocess: real exit status, real stderr), against the
database of the test that calls it. The test needs `django_db(transaction=True)` so that what it
wrote is committed and visible to the subprocess, and what the command wrote is visible back."""

import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from tests.shared import REPO_ROOT


def current_database_url() -> str:
    """A DATABASE_URL naming the test database this process is connected to."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def run_manage(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    full_env = {
        **os.environ,
        "BUGSINK_DATA_DIR": str(settings.DATA_DIR),
        "DATABASE_URL": current_database_url(),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
