"""Grouping versions per project, end to end through digestion, with events of the real
sentry-sdk: two scripts that each fail at module level with a `KeyError` (frames
`__main__ in <module>`, different files and source lines).

v1 sees the same type and the same frame and makes them one Issue; v2 counts the source line
of a module-level frame and makes them two. An upgraded project keeps them together during
the transition window (the v1 hash's Issue takes the new v2 hash), and after it a new v2 hash
opens a new Issue. Titles stay those of the first event.
"""

import gzip
import json
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from digestion.digest import digest_pending
from events.models import Event, RawEvent
from events.spool_format import pack
from issues.models import Grouping, Issue
from projects.models import Project, ProjectActivity
from projects.tests.factories import make_project

SCRIPT_A = """\
import sentry_sdk
sentry_sdk.init(dsn=DSN, default_integrations=False, integrations=[])
settings = {"debug": True}
try:
    timeout = settings["timeout"]
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=20)
"""

SCRIPT_B = """\
import sentry_sdk
sentry_sdk.init(dsn=DSN, default_integrations=False, integrations=[])
prices = {"apple": 3}

try:
    total = prices["pear"] * 2
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=20)
"""


class _Recorder(BaseHTTPRequestHandler):
    bodies: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.bodies.append((self.headers.get("Content-Encoding", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def _events_of(encoding: str, body: bytes) -> list[dict]:
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli

        body = brotli.decompress(body)
    lines = body.split(b"\n")
    events, index = [], 1
    while index + 1 < len(lines):
        header = json.loads(lines[index])
        if header.get("type") == "event":
            events.append(json.loads(lines[index + 1]))
        index += 2
    return events


@pytest.fixture(scope="module")
def script_events(tmp_path_factory) -> list[dict]:
    """The events the real sentry-sdk sends for script A and script B (in that order)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://{'a' * 32}@127.0.0.1:{server.server_address[1]}/1"
    events = []
    try:
        for name, script in (("report_a.py", SCRIPT_A), ("billing_b.py", SCRIPT_B)):
            folder = tmp_path_factory.mktemp(name.split(".")[0])
            path = Path(folder) / name
            path.write_text(f"DSN = {dsn!r}\n" + script)
            _Recorder.bodies.clear()
            subprocess.run([sys.executable, str(path)], check=True, timeout=120, cwd=folder)
            found = [e for encoding, body in _Recorder.bodies for e in _events_of(encoding, body)]
            assert len(found) == 1
            events.append(found[0])
    finally:
        server.shutdown()
    return events


def _digest(project: Project, event: dict) -> Issue:
    event_id = uuid.uuid4().hex
    RawEvent.objects.create(
        project_id=project.pk,
        event_id=event_id,
        received_at=datetime.now(UTC),
        payload=pack(orjson.dumps({**event, "event_id": event_id})),
    )
    digest_pending(project.pk)
    return Event.objects.get(event_id=event_id).issue


def test_the_scripts_fail_at_module_level(script_events):
    for event in script_events:
        (exception,) = event["exception"]["values"]
        assert exception["type"] == "KeyError"
        frames = exception["stacktrace"]["frames"]
        assert [(f["module"], f["function"]) for f in frames] == [("__main__", "<module>")]
    lines = {
        e["exception"]["values"][0]["stacktrace"]["frames"][0]["lineno"] for e in script_events
    }
    assert len(lines) == 2


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_v1_project_groups_both_scripts_as_one_issue(script_events):
    project = make_project()
    Project.objects.filter(pk=project.pk).update(grouping_config="v1")
    first, second = (_digest(project, event) for event in script_events)
    assert first == second


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_new_project_groups_them_as_two_issues(script_events):
    project = make_project()
    assert project.grouping_config == "v2"
    first, second = (_digest(project, event) for event in script_events)
    assert first != second
    stored = Grouping.objects.get(issue=second)
    assert stored.config == "v2" and stored.strategy == "exception"
    assert any('prices["pear"]' in component for component in stored.components)


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_an_upgraded_project_keeps_one_issue_inside_the_window(script_events):
    project = make_project()
    Project.objects.filter(pk=project.pk).update(grouping_config="v1")
    project.refresh_from_db()
    issue = _digest(project, script_events[0])
    assert project.upgrade_grouping("v2")
    activity = ProjectActivity.objects.get(project=project)
    assert activity.kind == "grouping_upgraded"
    assert activity.details == {"from": "v1", "to": "v2"}

    assert _digest(project, script_events[1]) == issue
    # The v2 hash of script B now belongs to the Issue: its next events go there directly,
    # even once the window is over.
    assert set(Grouping.objects.filter(issue=issue).values_list("config", flat=True)) == {
        "v1",
        "v2",
    }
    Project.objects.filter(pk=project.pk).update(
        grouping_upgraded_at=datetime.now(UTC) - timedelta(days=31)
    )
    assert _digest(project, script_events[1]) == issue
    issue.refresh_from_db()
    assert issue.event_count == 3
    assert issue.title == "KeyError: 'timeout'"  # the first event's, not the latest


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_after_the_window_a_new_hash_opens_a_new_issue(script_events, settings):
    settings.GROUPING_TRANSITION_DAYS = 30
    project = make_project()
    Project.objects.filter(pk=project.pk).update(grouping_config="v1")
    project.refresh_from_db()
    issue = _digest(project, script_events[0])
    project.upgrade_grouping("v2")
    Project.objects.filter(pk=project.pk).update(
        grouping_upgraded_at=datetime.now(UTC) - timedelta(days=30, minutes=1)
    )
    assert _digest(project, script_events[1]) != issue


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_the_window_is_a_setting(script_events, settings):
    settings.GROUPING_TRANSITION_DAYS = 60
    project = make_project()
    Project.objects.filter(pk=project.pk).update(grouping_config="v1")
    project.refresh_from_db()
    issue = _digest(project, script_events[0])
    project.upgrade_grouping("v2")
    Project.objects.filter(pk=project.pk).update(
        grouping_upgraded_at=datetime.now(UTC) - timedelta(days=45)
    )
    assert _digest(project, script_events[1]) == issue
