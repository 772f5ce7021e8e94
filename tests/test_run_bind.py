"""The quick start (./run) and BIND: the URL and DSN it prints are where it serves, and a taken
port is said at once instead of after a URL and DSN nothing answers at."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing

import pytest

from tests.conftest import stack_kind
from tests.live import free_port
from tests.shared import REPO_ROOT

PRINT_BASE_URL = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'bugsink.settings'; django.setup();"
    "from django.conf import settings; print(settings.BASE_URL)"
)


def base_url_for(tmp_path, **env: str) -> str:
    full_env = {"BUGSINK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", **env}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_BASE_URL], cwd=REPO_ROOT, env=full_env,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def run_env(tmp_path, bind: str) -> dict[str, str]:
    """./run's environment as a user has it: the embedded default, a data directory of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.pop("BASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {**env, "BIND": bind, "BUGSINK_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        ("127.0.0.1:8124", "http://127.0.0.1:8124"),
        ("localhost:9001", "http://localhost:9001"),
        ("0.0.0.0:8125", "http://127.0.0.1:8125"),  # every interface: reached at loopback
        ("[::1]:8126", "http://[::1]:8126"),
        ("example.internal", "http://example.internal:8000"),  # gunicorn's default port
    ],
)
def test_base_url_follows_bind(tmp_path, bind, expected):
    assert base_url_for(tmp_path, BIND=bind) == expected


def test_base_url_default_without_bind(tmp_path):
    assert base_url_for(tmp_path) == "http://127.0.0.1:8000"


def test_base_url_wins_over_bind(tmp_path):
    url = base_url_for(tmp_path, BIND="127.0.0.1:8124", BASE_URL="https://errors.example.com/")
    assert url == "https://errors.example.com"


def test_unix_socket_bind_keeps_the_default(tmp_path):
    assert base_url_for(tmp_path, BIND="unix:/run/bugsink.sock") == "http://127.0.0.1:8000"


def test_run_refuses_a_taken_port_first(tmp_path):
    with closing(socket.socket()) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            ["./run"], cwd=REPO_ROOT, env=run_env(tmp_path, f"127.0.0.1:{port}"),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    output = (result.stderr + result.stdout).strip()
    assert result.returncode != 0
    assert output.splitlines()[0].startswith(f"Port {port} is already in use"), output
    assert len(output.splitlines()) == 1, output  # nothing else: no URL, login or DSN
    assert not (tmp_path / "data").exists()  # and nothing was set up


@pytest.mark.live
@pytest.mark.every_database  # in the embedded pass, the only one it runs in
@pytest.mark.skipif(stack_kind() != "embedded", reason="./run is the embedded quick start")
def test_run_prints_and_serves_the_bind_port(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        ["./run"], cwd=REPO_ROOT, env=run_env(tmp_path, f"127.0.0.1:{port}"),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "demo DSN:" in line:
                break
        printed = "".join(lines)
        assert f"URL:      http://127.0.0.1:{port}/" in printed, printed
        assert f"@127.0.0.1:{port}/" in printed.split("demo DSN:", 1)[1], printed
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
                    assert page.status == 200
                    break
            except OSError:
                assert process.poll() is None, printed + process.stdout.read()
                assert time.monotonic() < deadline, "./run did not serve on its BIND"
                time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()
