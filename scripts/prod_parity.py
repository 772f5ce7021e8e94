"""Production parity: the README's PostgreSQL + Redis deployment, run from a venv made of
requirements.txt alone, must take a real SDK event all the way to an Issue.

Run through scripts/prod_parity.sh, which builds that venv and runs this file with its Python:
so this file, too, may import only what requirements.txt installs (psycopg, redis, sentry-sdk).
The test venv has more (pytest pulls in packages that runtime code may import by accident), which
is exactly what this check guards against.

Steps, as the README's deploy section says: a fresh PostgreSQL database and a Redis database of
its own, `migrate`, `collectstatic`, `createsuperuser`, then the processes of PROCESSES; a
project made with `createproject`; one event sent with sentry-sdk to its DSN; wait until it is
an Issue; stop everything with SIGTERM. Prints one result line; on failure, also the logs.
"""

from __future__ import annotations

import argparse
import http.server
import os
import shelve
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path

import psycopg
import redis
import sentry_sdk

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# The long-running processes of the deployment, as the README's deploy section lists them
# (programs resolved in the requirements-only venv). Add a process here when the deployment
# gains one; each must still be running when the event is an Issue and stop cleanly on SIGTERM.
PROCESSES: dict[str, list[str]] = {
    "web": ["gunicorn", "-c", "bugsink/gunicorn.conf.py", "bugsink.asgi"],
    "digest-worker": ["celery", "-A", "bugsink", "worker", "-Q", "celery", "-n", "digest@%h"],
    "alert-worker": [
        "celery",
        "-A",
        "bugsink",
        "worker",
        "-Q",
        "alerts",
        "-n",
        "alerts@%h",
        "--pool",
        "threads",
        "--concurrency",
        "4",
    ],  # fmt: skip
    "beat": ["celery", "-A", "bugsink", "beat"],
}

# One-off setup commands of the deploy section, in order.
SETUP: list[list[str]] = [
    ["manage.py", "migrate"],
    ["manage.py", "collectstatic", "--noinput"],
    ["manage.py", "createsuperuser", "--noinput", "--username", "admin", "--email", "a@b.example"],
]

DIGEST_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
ALERT_TIMEOUT = 60.0


class ParityFailure(Exception):
    pass


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    def __init__(self, workdir: Path, pg_admin_dsn: str, redis_url: str) -> None:
        self.workdir = workdir
        self.pg_admin_dsn = pg_admin_dsn
        self.redis_url = redis_url
        self.pg_db = f"bugsink_parity_{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        admin = psycopg.conninfo.conninfo_to_dict(pg_admin_dsn)
        admin["dbname"] = self.pg_db
        self.database_dsn = psycopg.conninfo.make_conninfo(**admin)

    def env(self) -> dict[str, str]:
        """A clean environment: the deploy section's variables and nothing from the caller's
        (no DJANGO_SETTINGS_MODULE, PYTHONPATH or test settings leaking in)."""
        admin = psycopg.conninfo.conninfo_to_dict(self.pg_admin_dsn)
        user = admin.get("user", "postgres")
        password = f":{admin['password']}" if admin.get("password") else ""
        host, port = admin.get("host", "127.0.0.1"), admin.get("port", "5432")
        return {
            "PATH": f"{VENV_BIN}:/usr/bin:/bin",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{self.pg_db}",
            "CELERY_BROKER_URL": self.redis_url,
            "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "BASE_URL": self.base_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BIND": f"127.0.0.1:{self.port}",
            "BUGSINK_DATA_DIR": str(self.workdir / "data"),
            # Beat's sweep fires within the run, so beat is seen doing its job (not only alive).
            "DIGEST_SWEEP_INTERVAL": "2",
            # The new Issue's alert goes out within the run, to the check's own webhook receiver
            # on loopback (refused as a private address unless allowed).
            "ALERT_COALESCE_SECONDS": "1",
            "ALERT_WEBHOOK_ALLOW_PRIVATE": "true",
            "DJANGO_SUPERUSER_PASSWORD": uuid.uuid4().hex,
            "PYTHONUNBUFFERED": "1",
        }

    # --- lifecycle ---------------------------------------------------------------------------
    def create_database(self) -> None:
        with psycopg.connect(self.pg_admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.pg_db}"')
        redis.Redis.from_url(self.redis_url).flushdb()

    def drop_database(self) -> None:
        with psycopg.connect(self.pg_admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')
        redis.Redis.from_url(self.redis_url).flushdb()

    def manage(self, *args: str) -> str:
        cmd = [sys.executable, *args]
        result = subprocess.run(
            cmd, cwd=REPO_ROOT, env=self.env(), capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            raise ParityFailure(
                f"`{' '.join(args)}` exited {result.returncode}:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def start(self, name: str) -> None:
        argv = PROCESSES[name]
        log = open(self.log_path(name), "ab")  # noqa: SIM115 - lives as long as the process
        self.processes[name] = subprocess.Popen(
            [str(VENV_BIN / argv[0]), *argv[1:]], cwd=REPO_ROOT, env=self.env(),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def check_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ParityFailure(f"{name} exited with {process.returncode}")

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM every process (its whole group), in reverse start order; their exit codes."""
        codes: dict[str, int | None] = {}
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                codes[name] = process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                codes[name] = None  # did not stop on SIGTERM
        return codes

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def logs(self) -> str:
        parts = []
        for name in PROCESSES:
            path = self.log_path(name)
            text = path.read_text(errors="replace")[-6000:] if path.exists() else "(no log)"
            parts.append(f"----- {name}: {' '.join(PROCESSES[name])} -----\n{text}")
        return "\n".join(parts)

    # --- checks ------------------------------------------------------------------------------
    def wait_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_running()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise ParityFailure(f"web did not listen on {self.port} within {timeout:.0f}s")

    def check_ui(self) -> None:
        with urllib.request.urlopen(f"{self.base_url}/accounts/login/", timeout=10) as response:
            if response.status != 200:
                raise ParityFailure(f"login page answered {response.status}")

    def issue_of(self, project_id: int, event_id: str) -> int | None:
        """The Issue the event was digested into, or None while it is not."""
        with psycopg.connect(self.database_dsn) as conn:
            row = conn.execute(
                "SELECT i.id FROM events_event e JOIN issues_issue i ON i.id = e.issue_id"
                " WHERE e.project_id = %s AND e.event_id = %s AND i.project_id = %s",
                (project_id, event_id, project_id),
            ).fetchone()
        return row[0] if row else None

    def wait_for_issue(self, project_id: int, event_id: str) -> int:
        deadline = time.monotonic() + DIGEST_TIMEOUT
        while time.monotonic() < deadline:
            self.check_running()
            issue_id = self.issue_of(project_id, event_id)
            if issue_id is not None:
                return issue_id
            time.sleep(0.2)
        raise ParityFailure(f"the event was not digested into an Issue in {DIGEST_TIMEOUT:.0f}s")

    def add_webhook(self, project_id: int, url: str) -> None:
        with psycopg.connect(self.database_dsn) as conn:
            conn.execute(
                "INSERT INTO alerts_webhook"
                " (project_id, kind, url, is_active, created_at, last_error)"
                " VALUES (%s, 'generic', %s, true, now(), '')",
                (project_id, url),
            )

    def beat_runs(self) -> int:
        """How often beat sent the sweep, from its schedule file (written at its clean stop)."""
        path = self.workdir / "data" / "celerybeat-schedule"
        with shelve.open(str(path), flag="r") as schedule:
            entry = schedule["entries"].get("sweep-undigested")
            return entry.total_run_count if entry is not None else 0


class WebhookReceiver:
    """A real HTTP server on loopback that keeps the bodies of the webhook posts it gets."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(self.rfile.read(length))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_post(self, deployment: Deployment, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            deployment.check_running()
            if self.bodies:
                return self.bodies[0]
            time.sleep(0.2)
        raise ParityFailure(f"no alert reached the webhook within {timeout:.0f}s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send_event(dsn: str) -> str:
    """One real error through sentry-sdk's own transport; returns its event id."""
    sentry_sdk.init(dsn=dsn, default_integrations=False, auto_enabling_integrations=False)
    try:
        raise RuntimeError("production parity check")
    except RuntimeError as error:
        event_id = sentry_sdk.capture_exception(error)
    sentry_sdk.flush(timeout=10)
    if not event_id:
        raise ParityFailure("sentry-sdk did not capture the event")
    return event_id


def run(deployment: Deployment) -> str:
    deployment.create_database()
    for args in SETUP:
        deployment.manage(*args)
    for name in PROCESSES:
        deployment.start(name)
    deployment.wait_listening()
    deployment.check_ui()
    output = deployment.manage("manage.py", "createproject", "parity")
    dsn = output.split("DSN: ", 1)[1].strip()
    project_id = int(dsn.rsplit("/", 1)[1])
    receiver = WebhookReceiver()
    try:
        deployment.add_webhook(project_id, receiver.url)
        event_id = send_event(dsn)
        issue_id = deployment.wait_for_issue(project_id, event_id)
        alert = receiver.wait_for_post(deployment, ALERT_TIMEOUT)
    finally:
        receiver.close()
    if b"production parity check" not in alert:
        raise ParityFailure(f"the webhook alert does not name the Issue: {alert[:300]!r}")
    time.sleep(2.5)  # one more sweep interval: beat has sent at least once
    deployment.check_running()
    codes = deployment.stop_all()
    unclean = {name: code for name, code in codes.items() if code != 0}
    if unclean:
        raise ParityFailure(f"processes did not stop cleanly on SIGTERM (exit codes): {unclean}")
    if deployment.beat_runs() < 1:
        raise ParityFailure("beat never sent the periodic sweep")
    return f"event {event_id} is issue {issue_id}, its alert reached the webhook"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pg-admin-dsn",
        default=os.environ.get(
            "PARITY_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL role that may create and drop databases",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("PARITY_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="a Redis database of its own: it is flushed",
    )
    args = parser.parse_args()
    started = time.monotonic()
    names = ", ".join(PROCESSES)
    with tempfile.TemporaryDirectory(prefix="bugsink-parity-") as workdir:
        deployment = Deployment(Path(workdir), args.pg_admin_dsn, args.redis_url)
        try:
            outcome = run(deployment)
        except (ParityFailure, OSError, psycopg.Error, redis.RedisError) as error:
            deployment.stop_all()
            print(deployment.logs(), file=sys.stderr)
            print(f"prod-parity: FAILED ({names} on PostgreSQL + Redis): {error}")
            return 1
        finally:
            try:
                deployment.drop_database()
            except (psycopg.Error, redis.RedisError) as error:
                print(f"prod-parity: could not clean up: {error}", file=sys.stderr)
    elapsed = time.monotonic() - started
    print(f"prod-parity: OK ({names} on PostgreSQL + Redis): {outcome} in {elapsed:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
