"""One JavaScript error as Chrome, Firefox and Safari report it is one Issue under v2.

tests/fixtures/xbrowser/ holds the three events (see its README): Chromium's captured live
from headless Chromium running @sentry/browser, Firefox's and Safari's made by @sentry/browser's
own stack parsers from those browsers' real `error.stack` strings. Chrome names the method
`Foo.testMethod` and shows `Array.map (<anonymous>)`; Firefox names the callback `run/<`;
Safari adds `map@[native code]` and calls the top level `global code`.
"""

import json
from datetime import UTC, datetime

import pytest

from digestion.digest import digest_pending
from events.models import Event, RawEvent
from events.normalize import normalize_event
from issues.grouping import compute_grouping
from projects.models import Project
from projects.tests.factories import make_project
from tests.shared import REPO_ROOT

XBROWSER = REPO_ROOT / "tests" / "fixtures" / "xbrowser"
BROWSERS = ("chrome", "firefox", "safari")


def browser_event(name: str) -> dict:
    return json.loads((XBROWSER / f"{name}.event.json").read_text())


def frames(name: str) -> list[dict]:
    return browser_event(name)["exception"]["values"][0]["stacktrace"]["frames"]


def test_the_fixtures_are_the_three_browsers_formats():
    assert browser_event("chrome")["sdk"]["name"] == "sentry.javascript.browser"
    functions = {name: [f.get("function") for f in frames(name)] for name in BROWSERS}
    assert "Foo.testMethod" in functions["chrome"] and "Array.map" in functions["chrome"]
    assert "run/<" in functions["firefox"] and "testMethod" in functions["firefox"]
    assert "global code" in functions["safari"] and "map" in functions["safari"]
    assert any(f.get("filename") == "[native code]" for f in frames("safari"))


def _grouping(name: str, version: str):
    event = normalize_event(browser_event(name), received_at=datetime.now(UTC))
    return compute_grouping(event, version)


def test_v2_gives_the_three_browsers_one_hash_and_v1_does_not():
    v2 = {_grouping(name, "v2").hash for name in BROWSERS}
    assert len(v2) == 1
    v1 = {_grouping(name, "v1").hash for name in BROWSERS}
    assert len(v1) == 3
    components = _grouping("chrome", "v2").components
    assert [c.split(": ", 1)[1] for c in components] == [
        "Error",
        "runXbrowser",
        "run",
        "testMethod",
        "aha",
    ]


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_digestion_files_them_under_one_issue():
    project = make_project()
    assert project.grouping_config == "v2"
    for name in BROWSERS:
        event = browser_event(name)
        RawEvent.objects.create(
            project_id=project.pk,
            event_id=event["event_id"],
            received_at=datetime.now(UTC),
            payload=json.dumps(event).encode(),
        )
    digest_pending(project.pk)
    issues = set(Event.objects.filter(project=project).values_list("issue_id", flat=True))
    assert len(issues) == 1
    assert Project.objects.get(pk=project.pk).grouping_config == "v2"
