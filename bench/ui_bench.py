"""UI benchmark: seed a project with 100,000 events in 2,000 Issues, then time the pages.

    .venv/bin/python bench/ui_bench.py [--events 100000] [--issues 2000] [--runs 20]

Runs against a fresh SQLite database in a temporary data directory (or DATABASE_URL if set,
which must point at an empty scratch database). Seeding uses bulk_create, so it takes seconds,
not the hours real ingestion of 100k events would. Prints the median and worst render time, the
CPU time per request (this process plus, on a local PostgreSQL, the server backend serving it:
less sensitive than wall time to other load on the machine) and the number of SQL queries for
the issue list, the searches of the search language (free words,
key:value, negation with an indexed term, has:, wildcard, phrase; answered from the full-text
and tag indexes), the issue detail of the busiest Issue, and the event viewer. This is a
measurement, not a test: nothing fails when it is slow.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BUGSINK_DATA_DIR", tempfile.mkdtemp(prefix="bugsink-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")

import django  # noqa: E402
import orjson  # noqa: E402
import psutil  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from events.models import Event, TagValue  # noqa: E402
from events.storage import DictionaryCompressors  # noqa: E402
from issues.fulltext import document_text  # noqa: E402
from issues.models import Issue, IssueSearchText, IssueTagCount  # noqa: E402
from projects.models import Project, Team, TeamMembership  # noqa: E402
from projects.tests.factories import python_event  # noqa: E402

BATCH = 5000
# Words of the seeded exception values, so free-text searches find a realistic share of Issues.
WORDS = (
    "timeout", "refused", "database", "locked", "missing", "invalid", "token", "cache",
    "upstream", "payment", "session", "expired", "quota", "parse", "socket", "closed",
)  # fmt: skip


def _document(now: datetime) -> bytes:
    """One realistic document (JSON), shared by all rows: the pages decompress one event."""
    from events.normalize import normalize_event

    return orjson.dumps(normalize_event(python_event(), received_at=now).to_dict())


@transaction.atomic
def seed(n_events: int, n_issues: int) -> tuple[Project, Issue, object]:
    now = datetime.now(UTC)
    team = Team.objects.create(name=f"bench-{uuid.uuid4().hex[:6]}")
    project = Project.objects.create(team=team, name="bench")
    user = get_user_model().objects.create_user(f"bench-{team.pk}", "", "x")
    TeamMembership.objects.create(team=team, user=user, role="admin")

    rng = random.Random(1)
    # A long tail, like real projects: Issue 0 is the busiest (a fifth of all events).
    weights = [1 / (i + 1) for i in range(n_issues)]
    share = [max(1, int(n_events * w / sum(weights))) for w in weights]
    issues = Issue.objects.bulk_create(
        Issue(
            project=project,
            first_seen=now - timedelta(days=30),
            last_seen=now - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
            event_count=share[i],
            title=f"ValueError: bench problem {i}",
            culprit=f"app/module_{i % 50}.py in handler_{i}",
            level=rng.choice(["error", "error", "warning", "fatal"]),
            is_resolved=i % 7 == 0,
            is_muted=i % 11 == 0 and i % 7 != 0,
        )
        for i in range(n_issues)
    )
    document = _document(now)
    compressors = DictionaryCompressors()  # stored as digestion stores: a dictionary per Issue
    rows, made = [], 0
    for issue, count in zip(issues, share, strict=True):
        dictionary_id = compressors.create(issue.pk, document)
        data = compressors.compress(document, dictionary_id)
        for _ in range(count):
            if made >= n_events:
                break
            received = now - timedelta(seconds=rng.randint(0, 30 * 86400))
            rows.append(
                Event(
                    project=project, issue=issue, event_id=uuid.uuid4().hex,
                    timestamp=received, received_at=received, level=issue.level,
                    release=f"app@1.{rng.randint(0, 9)}.0", environment="prod",
                    title=issue.title, dictionary_id=dictionary_id, data=data,
                )
            )  # fmt: skip
            made += 1
            if len(rows) >= BATCH:
                Event.objects.bulk_create(rows)
                rows = []
    Event.objects.bulk_create(rows)

    # Search documents as digestion writes them: title, culprit and a few exception values.
    IssueSearchText.objects.bulk_create(
        IssueSearchText(
            issue_id=issue.pk,
            project_id=project.pk,
            document=document_text(
                [issue.title, issue.culprit]
                + [f"ValueError: {rng.choice(WORDS)} {rng.choice(WORDS)} {n}" for n in range(3)]
            ),
        )
        for issue in issues
    )
    values = TagValue.objects.bulk_create(
        [TagValue(project=project, key="browser", value=f"Firefox {v}") for v in range(20)]
        + [TagValue(project=project, key="release", value=f"app@1.{v}.0") for v in range(10)]
        + [TagValue(project=project, key="device", value=f"phone {v}") for v in range(5)]
    )
    IssueTagCount.objects.bulk_create(
        IssueTagCount(issue=issue, value=value, key=value.key, count=rng.randint(1, 500))
        for issue in issues
        for value in rng.sample(values, 8)
    )
    return project, issues[0], user


def _server_process() -> psutil.Process | None:
    """The PostgreSQL backend serving this connection, when the server runs on this machine."""
    if connection.vendor != "postgresql":
        return None  # SQLite runs in this process: its work is in this process's CPU time
    if connection.settings_dict["HOST"] not in ("", "localhost", "127.0.0.1", "::1"):
        return None  # a remote server: its CPU time is not counted
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        process = psutil.Process(pid)
        return process if process.name().startswith("postgres") else None
    except psutil.Error:
        return None


def _cpu_seconds(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


def measure(client: Client, url: str, runs: int) -> tuple[float, float, float, int]:
    """Median and worst wall time, mean CPU time (this process and the database server's
    backend), in ms, and the number of queries of one request."""
    client.get(url)  # warm caches and templates once
    server = _server_process()
    times = []
    cpu_start, server_start = time.process_time(), _cpu_seconds(server)
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    # A mean, not a median: the server's CPU time is counted in 10 ms clock ticks, which only
    # a total over the runs resolves.
    cpu = time.process_time() - cpu_start + _cpu_seconds(server) - server_start
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), max(times), cpu * 1000 / runs, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--issues", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    project, busiest, user = seed(args.events, args.issues)
    print(f"seeded {args.events} events, {args.issues} issues in "
          f"{time.perf_counter() - started:.1f}s ({connection.vendor})")  # fmt: skip

    client = Client()
    client.force_login(user)
    event = Event.objects.filter(issue=busiest).order_by("received_at", "pk")[
        busiest.event_count // 2
    ]
    issues_url = reverse("issue-list", args=[project.pk])
    detail_url = reverse("issue-detail", args=[project.pk, busiest.pk])
    pages = {
        "issue list (open, last seen)": issues_url,
        "issue list (all, by count)": issues_url + "?tab=all&sort=event_count",
        "issue list (tag search)": issues_url + "?tab=all&q=browser%3A%22Firefox+3%22",
    }
    # The search language (issues/search.py): every kind of term, on the Open tab.
    searches = {
        "free words": "database locked",
        "key:value": "release:app@1.3.0",
        "negation + indexed term": 'browser:"Firefox 3" -timeout !level:warning',
        "has:": "has:device",
        "wildcard": "release:app@1.*",
        "phrase": '"session expired"',
        "words + terms": "payment level:error release:app@1.* -refused",
    }
    pages |= {
        f"search ({name})": f"{issues_url}?{urlencode({'q': q})}" for name, q in searches.items()
    }
    pages |= {
        f"issue detail ({busiest.event_count} events)": detail_url,
        "event viewer (middle event)": f"{detail_url}events/{event.pk}/",
    }
    print(f"{'page':<40} {'median ms':>10} {'max ms':>8} {'cpu ms':>8} {'queries':>8}")
    for name, url in pages.items():
        median, worst, cpu, queries = measure(client, url, args.runs)
        print(f"{name:<40} {median:>10.1f} {worst:>8.1f} {cpu:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
