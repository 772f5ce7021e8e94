"""What each kind of server process imports at start-up: libraries that cost megabytes of
resident memory stay out of the processes that do not need them (issue 20; see
bench/memory_report.py for the figures).

Each check runs in a fresh interpreter, on the embedded default (SQLite), since what a process
imports is decided once, at its start.
"""

import json
import os
import subprocess
import sys

from tests.shared import REPO_ROOT

HEAVY = ("psycopg", "celery", "django", "fido2", "cryptography", "ninja", "matplotlib")


def loaded_after(code: str, tmp_path) -> set[str]:
    """Which of HEAVY are imported once `code` has run in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env |= {"BUGSINK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "bugsink.settings"}
    report = f"import json, sys; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_gunicorn_master_loads_neither_django_nor_celery(tmp_path):
    """The master imports the worker class only; each worker sets Django up after the fork."""
    loaded = loaded_after("import bugsink.gunicorn_worker", tmp_path)
    assert loaded == set()


def test_web_worker_on_sqlite_does_not_load_psycopg(tmp_path):
    code = (
        "import django; django.setup()\n"
        "import bugsink.asgi\n"
        "from django.urls import get_resolver; get_resolver().url_patterns"
    )
    loaded = loaded_after(code, tmp_path)
    assert {"django", "celery"} <= loaded  # the site and its task queue are there
    assert "psycopg" not in loaded
    assert "matplotlib" not in loaded


def test_celery_worker_does_not_import_the_site(tmp_path):
    """Celery's Django fixup runs the system checks at worker start unless told not to, and the
    URL checks import every view (allauth's MFA pulls in fido2 and cryptography)."""
    code = (
        "from celery.app.utils import find_app\n"
        "app = find_app('bugsink')  # as `celery -A bugsink worker` finds it\n"
        "app.loader.import_default_modules()  # what a worker does at start-up"
    )
    loaded = loaded_after(code, tmp_path)
    assert {"django", "celery"} <= loaded
    assert not loaded & {"fido2", "cryptography", "psycopg"}
