"""A real running stack for end-to-end tests: gunicorn and the Celery workers as subprocesses,
started the way ./run starts them (bugsink/workers.py: one worker for digestion, one for alerts).

Two configurations, as users run them:
- "embedded": SQLite file + kombu filesystem broker (the quick-start default);
- "postgres": PostgreSQL + Redis.
The test process talks to the stack only over HTTP and by reading its database directly.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg

from tests.shared import REPO_ROOT

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DB = 14
GUNICORN_CMD = [sys.executable, "-m", "gunicorn", "-c", "bugsink/gunicorn.conf.py", "bugsink.asgi"]


def broker_queue_length(broker_url: str, broker_dir: Path, queue: str = "celery") -> int:
    """Messages waiting in a queue: LLEN on Redis, message files in the filesystem broker."""
    if broker_url.startswith("filesystem://"):
        folder = broker_dir / "queue"
        suffix = f".{queue}.msg"
        return sum(1 for name in os.listdir(folder) if name.endswith(suffix))
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        return client.llen(queue)
    finally:
        client.close()


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveStack:
    def __init__(
        self,
        kind: str,
        workdir: Path,
        *,
        gunicorn_workers: int | None = 2,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        assert kind in ("embedded", "postgres")
        self.kind = kind
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.gunicorn_workers = gunicorn_workers
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._worker_log_start = 0
        self.pg_db = f"bugsink_live_{uuid.uuid4().hex[:10]}"
        self.env = {**self._env(), **(extra_env or {})}

    # --- lifecycle -----------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.gunicorn_workers is not None:  # None: gunicorn.conf.py's default, as ./run
            env["GUNICORN_WORKERS"] = str(self.gunicorn_workers)
        env.update(
            BUGSINK_DATA_DIR=str(self.workdir / "data"),
            BASE_URL=self.base_url,
            BIND=f"127.0.0.1:{self.port}",
            DIGEST_SWEEP_INTERVAL="2",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.pop("DJANGO_SETTINGS_MODULE", None)
        if self.kind == "embedded":
            env["DATABASE_URL"] = f"sqlite:///{self.workdir / 'data' / 'live.sqlite3'}"
            env["CELERY_BROKER_URL"] = "filesystem://"
        else:
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.pg_db}"
            env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        return env

    def start(self) -> "LiveStack":
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        if self.kind == "postgres":
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_db}"')
            import redis

            redis.Redis.from_url(self.env["CELERY_BROKER_URL"]).flushdb()  # this stack's db
        self.manage("migrate", "--noinput")
        if self.kind == "embedded":
            self.manage("migrate", "--noinput", "--database", "spool")
        self.start_web()
        self.start_worker()
        return self

    def stop(self) -> None:
        self.stop_worker()
        self._stop(self.web)
        self.web = None
        if self.kind == "postgres":
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)')

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def start_web(self) -> None:
        self.web = self._spawn(GUNICORN_CMD, "web.log")
        self._wait_listening(self.web, self.port, "web.log")

    @contextmanager
    def extra_web(self, log_name: str = "web-extra.log", **env_overrides: str) -> Iterator[str]:
        """A second gunicorn on its own port, sharing this stack's database and data directory,
        with `env_overrides` applied (e.g. a CELERY_BROKER_URL nobody listens on).

        Yields its base URL; the process is stopped when the block ends.
        """
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {**self.env, "BIND": f"127.0.0.1:{port}", "BASE_URL": base_url, **env_overrides}
        process = self._spawn(GUNICORN_CMD, log_name, env=env)
        try:
            self._wait_listening(process, port, log_name)
            yield base_url
        finally:
            self._stop(process)

    def _wait_listening(self, process: subprocess.Popen, port: int, log_name: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited:\n{self.log(log_name)}") from None
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start listening")

    def start_worker(self) -> None:
        """Start the Celery worker (every queue, beat as a thread) under its supervisor.

        `self.worker` is the supervisor (bugsink.workers); the worker logs to worker.log.
        """
        self._worker_log_start = len(self.log_bytes("worker.log"))
        self.worker = self._spawn(
            [
                sys.executable, "-m", "bugsink.workers", "--loglevel", "INFO",
                "--schedule", str(self.workdir / "data" / "beat-schedule"),
            ],
            "worker.log",
        )  # fmt: skip

    def wait_for_workers_ready(self, timeout: float = 60) -> None:
        """Wait until every Celery worker of the last start_worker() says it is ready (and so
        has run its start-up hooks, e.g. the digest worker's forced sweep)."""
        from bugsink.workers import worker_commands

        expected = len(worker_commands())
        deadline = time.monotonic() + timeout
        while self.log_bytes("worker.log")[self._worker_log_start :].count(b" ready.") < expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"workers not ready in {timeout}s:\n{self.log('worker.log')}")
            time.sleep(0.1)

    def stop_worker(self) -> None:
        self._stop(self.worker)
        self.worker = None

    def worker_processes(self) -> dict[str, int]:
        """The pids of the running Celery workers, by node name (-n, before the @: "celery")."""
        import psutil

        assert self.worker is not None
        found = {}
        for child in psutil.Process(self.worker.pid).children():
            command = child.cmdline()
            if "-n" in command:
                found[command[command.index("-n") + 1].split("@", 1)[0]] = child.pid
        return found

    def kill_worker(self) -> None:
        """SIGKILL the workers and everything they started: no chance to clean up or ack."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def _spawn(
        self, cmd: list[str], log_name: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = open(self.workdir / log_name, "ab")  # noqa: SIM115 - lives as long as the process
        return subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @staticmethod
    def _stop(process: subprocess.Popen | None) -> None:
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_bytes(self, name: str) -> bytes:
        path = self.workdir / name
        return path.read_bytes() if path.exists() else b""

    def log(self, name: str) -> str:
        path = self.workdir / name
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    # --- data ------------------------------------------------------------------------------
    def sql(self, query: str, params: tuple = (), *, spool: bool = False) -> list[tuple]:
        """Run a query against the stack's database (`%s` placeholders on both backends).

        `spool=True` targets the ingest spool, which on SQLite is a file of its own.
        """
        if self.kind == "embedded":
            with closing(sqlite3.connect(self.database_path(spool), timeout=30)) as conn:
                with conn:
                    return conn.execute(query.replace("%s", "?"), params).fetchall()
        url = self.env["DATABASE_URL"].replace("postgres://", "postgresql://")
        with psycopg.connect(url) as c:
            cursor = c.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def database_path(self, spool: bool = False) -> Path:
        """The SQLite file of the embedded stack (or of its spool)."""
        path = Path(self.env["DATABASE_URL"].removeprefix("sqlite:///"))
        return path.with_name(path.stem + "-spool.sqlite3") if spool else path

    def create_project(
        self,
        name: str | None = None,
        *,
        project_id: int | None = None,
        public_key: str | None = None,
        team: str | None = None,
    ) -> tuple[int, str]:
        """Create a project with one key through the real command; returns (id, dsn)."""
        args = ["createproject", name or f"p-{uuid.uuid4().hex[:8]}"]
        if team is not None:
            args += ["--team", team]
        if project_id is not None:
            args += ["--id", str(project_id)]
        if public_key is not None:
            args += ["--public-key", public_key]
        output = self.manage(*args)
        dsn = output.split("DSN: ", 1)[1].strip()
        return int(dsn.rsplit("/", 1)[1]), dsn

    def ensure_project(self, name: str, project_id: int, public_key: str) -> int:
        """A project with a fixed id and key, made once per stack whichever test needs it first."""
        if not self.sql("SELECT id FROM projects_project WHERE id = %s", (project_id,)):
            self.create_project(name, project_id=project_id, public_key=public_key)
        return project_id

    def stored_event_ids(self, project_id: int) -> set[str]:
        rows = self.sql("SELECT event_id FROM events_event WHERE project_id = %s", (project_id,))
        return {row[0] for row in rows}

    def wait_for_events(
        self, project_id: int, event_ids: set[str], timeout: float = 30
    ) -> set[str]:
        """Poll until every id is digested (or time runs out); returns the ids stored."""
        deadline = time.monotonic() + timeout
        while True:
            stored = self.stored_event_ids(project_id)
            if event_ids <= stored or time.monotonic() > deadline:
                return stored
            time.sleep(0.1)

    def broker_queue_length(self, queue: str = "celery") -> int:
        """Messages waiting in the stack's broker queue (digest requests by default)."""
        broker_dir = self.workdir / "data" / "broker"
        return broker_queue_length(self.env["CELERY_BROKER_URL"], broker_dir, queue)

    def spool_size(self, project_id: int | None = None) -> int:
        if project_id is None:
            return self.sql("SELECT COUNT(*) FROM events_rawevent", spool=True)[0][0]
        query = "SELECT COUNT(*) FROM events_rawevent WHERE project_id = %s"
        return self.sql(query, (project_id,), spool=True)[0][0]

    def wait_for_spool_empty(self, project_id: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.spool_size(project_id):
            if time.monotonic() > deadline:
                raise AssertionError(f"spool not digested in {timeout}s:\n{self.log('worker.log')}")
            time.sleep(0.1)
