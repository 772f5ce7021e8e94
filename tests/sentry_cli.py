"""Running the real sentry-cli binaries (2.x from the venv, 3.x installed beside it by
scripts/sentry_cli.sh) against a live server, and signing in to its UI over HTTP."""

import os
import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.shared import REPO_ROOT

CLI2 = Path(sys.executable).parent / "sentry-cli"


def cli3() -> Path:
    """sentry-cli 3.x, installed on first use (./test installs it up front)."""
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "sentry_cli.sh")],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    return Path(result.stdout.strip().splitlines()[-1])


def binary(major: str) -> Path:
    return CLI2 if major == "2" else cli3()


def run_cli(
    cli: Path, base_url: str, token: str, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cwd or REPO_ROOT),  # no ~/.sentryclirc of whoever runs the tests
        "SENTRY_DISABLE_UPDATE_CHECK": "1",
        "SENTRY_LOAD_DOTENV": "0",
        **env,
    }
    return subprocess.run(
        [str(cli), "--url", base_url, "--auth-token", token, *args],
        capture_output=True, text=True, timeout=300, env=full_env, cwd=cwd,
    )  # fmt: skip


def ui_session(base_url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=30).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base_url}/accounts/login/"},
        timeout=30,
    )
    assert response.ok and "/accounts/login/" not in response.url, response.text[:500]
    return session
