"""Merging and unmerging while digesters work on the same project never loses or doubles a count.

The merge runs in a process of its own (the real `issues.merge` code against the stack's
database) at the same time as two `manage.py digest` processes; whichever order the project's
lock gives them, every event ends up counted once under the right Issue, and `rebuild_counters`
finds nothing to correct.
"""

import subprocess
import sys

import pytest

from tests.envelopes import post_events
from tests.shared import REPO_ROOT

pytestmark = pytest.mark.live

EACH = 150


def error(kind: str, i: int) -> dict:
    return {
        "platform": "python",
        "level": "error",
        "exception": {"values": [{"type": kind, "value": f"bad {i}", "stacktrace": {"frames": [
            {"module": "shop.orders", "function": f"handle_{kind.lower()}", "in_app": True,
             "lineno": 10},
        ]}}]},
    }  # fmt: skip


def spawn(live_stack, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=live_stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def in_a_process(live_stack, code: str) -> subprocess.Popen:
    return spawn(live_stack, "shell", "-c", code)


def issue_counts(live_stack, project_id: int) -> list[tuple]:
    return live_stack.sql(
        "SELECT i.id, i.event_count, (SELECT COUNT(*) FROM events_event e WHERE e.issue_id = i.id)"
        " FROM issues_issue i WHERE i.project_id = %s ORDER BY i.id",
        (project_id,),
    )


def test_merge_and_unmerge_while_digesting(live_stack):
    project_id, dsn = live_stack.create_project()
    first = post_events(dsn, [error("KeyError", 0), error("TypeError", 0)])
    assert first <= live_stack.wait_for_events(project_id, first, timeout=90)
    (key_id, _, _), (type_id, _, _) = issue_counts(live_stack, project_id)

    live_stack.stop_worker()  # the spool fills up, then digesters and the merge run at once
    try:
        post_events(
            dsn, [error(kind, i) for i in range(EACH) for kind in ("KeyError", "TypeError")]
        )
        digesters = [
            spawn(live_stack, "digest", str(project_id), "--batch-size", "5") for _ in range(2)
        ]
        merge = in_a_process(
            live_stack,
            f"from issues.merge import merge_issues; "
            f"merge_issues({key_id}, [{type_id}], {project_id}, None)",
        )
        outputs = [p.communicate(timeout=300) for p in [*digesters, merge]]
        assert all(p.returncode == 0 for p in [*digesters, merge]), outputs
    finally:
        live_stack.start_worker()

    total = 2 + 2 * EACH
    assert issue_counts(live_stack, project_id) == [(key_id, total, total)]
    report = live_stack.manage("rebuild_counters", str(project_id))
    assert report.strip().endswith("0 difference(s) found and corrected"), report

    # Unmerge the TypeError grouping while more events of both kinds are digested.
    live_stack.stop_worker()
    try:
        post_events(
            dsn, [error(kind, i) for i in range(EACH) for kind in ("KeyError", "TypeError")]
        )
        grouping = live_stack.sql(
            "SELECT id FROM issues_grouping WHERE issue_id = %s ORDER BY id DESC LIMIT 1",
            (key_id,),
        )[0][0]
        digesters = [
            spawn(live_stack, "digest", str(project_id), "--batch-size", "5") for _ in range(2)
        ]
        unmerge = in_a_process(
            live_stack,
            f"from issues.merge import unmerge_grouping; "
            f"unmerge_grouping({key_id}, {grouping}, {project_id}, None)",
        )
        outputs = [p.communicate(timeout=300) for p in [*digesters, unmerge]]
        assert all(p.returncode == 0 for p in [*digesters, unmerge]), outputs
    finally:
        live_stack.start_worker()

    half = 1 + 2 * EACH
    rows = issue_counts(live_stack, project_id)
    assert [(count, stored) for _, count, stored in rows] == [(half, half), (half, half)], rows
    # Each Issue holds one kind of error only.
    kinds = live_stack.sql(
        "SELECT DISTINCT issue_id, substr(title, 1, 8) FROM events_event WHERE project_id = %s",
        (project_id,),
    )
    assert sorted(kind for _, kind in kinds) == ["KeyError", "TypeErro"]
    assert len({issue_id for issue_id, _ in kinds}) == 2
    report = live_stack.manage("rebuild_counters", str(project_id))
    assert report.strip().endswith("0 difference(s) found and corrected"), report
