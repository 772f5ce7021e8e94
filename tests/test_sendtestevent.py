"""`manage.py sendtestevent` says whether the server took the event, and exits non-zero if not.

The command runs as a user runs it (a subprocess), with the real sentry-sdk sending over HTTP.
"""

import socket
import subprocess
import sys
import threading
import uuid
from contextlib import closing

import pytest

from projects.tests.factories import make_project
from tests.cli import run_manage
from tests.live import LiveStack, free_port
from tests.shared import REPO_ROOT


def assert_failed(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "sent event" not in result.stdout, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_no_server_listening_is_a_failure():
    """The first-run mistake: the command run before the server was started."""
    project = make_project()
    port = free_port()  # closed again at once: nothing listens there
    result = run_manage("sendtestevent", str(project.pk), BASE_URL=f"http://127.0.0.1:{port}")
    url = f"http://127.0.0.1:{port}/api/{project.pk}/envelope/"
    assert_failed(result, f"could not reach {url}", "onnection refused")


def test_a_server_that_never_answers_is_a_failure(tmp_path):
    with closing(socket.socket()) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        accepted = []
        threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
        dsn = f"http://{uuid.uuid4().hex}@127.0.0.1:{port}/7"
        result = run_manage(
            "sendtestevent", "7", "--dsn", dsn, "--timeout", "2",
            BUGSINK_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",
        )  # fmt: skip
    assert_failed(result, "no answer from", f"127.0.0.1:{port}/api/7/envelope/", "2 s")


def test_an_invalid_dsn_is_one_line(tmp_path):
    result = run_manage(
        "sendtestevent", "7", "--dsn", "not a dsn",
        BUGSINK_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",
    )  # fmt: skip
    assert_failed(result, "invalid DSN", "'not a dsn'")


@pytest.mark.live
def test_a_refusal_by_the_server_is_a_failure_with_its_status(live_stack: LiveStack):
    project_id, _ = live_stack.create_project()
    stranger = f"http://{uuid.uuid4().hex}@127.0.0.1:{live_stack.port}/{project_id}"
    result = subprocess.run(
        [sys.executable, "manage.py", "sendtestevent", str(project_id), "--dsn", stranger],
        cwd=REPO_ROOT, env=live_stack.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert_failed(result, "answered 403", "unknown sentry_key")


@pytest.mark.live
def test_an_accepted_event_exits_zero_and_is_stored(live_stack: LiveStack):
    project_id, _ = live_stack.create_project()
    output = live_stack.manage("sendtestevent", str(project_id))  # raises on a non-zero exit
    event_id = output.split("sent event ", 1)[1].split()[0]
    assert "the server answered 200" in output
    assert live_stack.wait_for_events(project_id, {event_id}) == {event_id}
