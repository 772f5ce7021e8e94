"""Settings that depend on how the server is deployed, checked in a fresh interpreter."""

import subprocess
import sys

from tests.shared import REPO_ROOT

PRINT_COOKIES = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'bugsink.settings'; django.setup();"
    "from django.conf import settings as s;"
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
)


def cookie_flags(base_url: str, tmp_path) -> str:
    env = {"BASE_URL": base_url, "BUGSINK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_COOKIES], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def test_cookies_are_secure_over_https(tmp_path):
    assert cookie_flags("https://errors.example.com", tmp_path) == "True True"


def test_cookies_work_over_plain_http(tmp_path):
    assert cookie_flags("http://127.0.0.1:8000", tmp_path) == "False False"
