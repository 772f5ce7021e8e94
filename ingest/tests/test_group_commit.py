"""The spool's group commit: concurrent requests share one transaction; a failed commit fails
every request that waited for it (and only those), and the next batch commits again."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from django.db import OperationalError, connections

from events.models import RawEvent
from events.routers import spool_database
from ingest.group_commit import GroupCommitter, PostgresSpool, SpoolRow, SqliteSpool
from projects.models import ProjectKey
from projects.tests.factories import make_project
from tests.asgi import asgi_post
from tests.envelopes import event_envelope

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def rows(n: int) -> list[SpoolRow]:
    now = datetime.now(UTC)
    return [SpoolRow(7, uuid.uuid4().hex, now, b'{"message": "hi"}', "10.0.0.1") for _ in range(n)]


@pytest.fixture
def spool_class():
    """The spool connection class of the database this suite runs on."""
    return SqliteSpool if connections[spool_database()].vendor == "sqlite" else PostgresSpool


@pytest.fixture
def inserts(monkeypatch, spool_class) -> list[int]:
    """Records the number of rows of every commit, then commits them for real."""
    sizes: list[int] = []
    real_insert = spool_class.insert

    async def counting_insert(self, batch):
        sizes.append(len(batch))
        await real_insert(self, batch)

    monkeypatch.setattr(spool_class, "insert", counting_insert)
    return sizes


def test_concurrent_requests_share_one_commit(inserts):
    committer = GroupCommitter()
    batches = [rows(2) for _ in range(20)]

    async def requests():
        await asyncio.gather(*(committer.store(batch) for batch in batches))

    asyncio.run(requests())
    assert inserts == [40]
    stored = set(RawEvent.objects.filter(project_id=7).values_list("event_id", flat=True))
    assert stored == {row.event_id for batch in batches for row in batch}


def test_a_resent_event_is_spooled_once(inserts):
    committer = GroupCommitter()
    batch = rows(3)
    asyncio.run(committer.store(batch))
    asyncio.run(committer.store(batch))
    assert RawEvent.objects.filter(project_id=7).count() == 3


def test_failed_commit_fails_its_requests_and_the_next_batch_commits(monkeypatch, spool_class):
    committer = GroupCommitter()
    real_insert = spool_class.insert
    calls = []

    async def flaky_insert(self, batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise OperationalError("disk I/O error")
        await real_insert(self, batch)

    monkeypatch.setattr(spool_class, "insert", flaky_insert)

    async def requests():
        return await asyncio.gather(
            *(committer.store(rows(1)) for _ in range(5)), return_exceptions=True
        )

    outcomes = asyncio.run(requests())
    assert [type(o) for o in outcomes] == [OperationalError] * 5
    assert RawEvent.objects.filter(project_id=7).count() == 0
    asyncio.run(committer.store(rows(2)))
    assert calls == [5, 2]
    assert RawEvent.objects.filter(project_id=7).count() == 2


def test_endpoint_answers_503_when_the_spool_cannot_commit(monkeypatch, spool_class):
    project = make_project()

    async def broken_insert(self, batch):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(spool_class, "insert", broken_insert)
    monkeypatch.setattr("ingest.handler.request_digest", lambda project_id: None)
    key = ProjectKey.objects.filter(project=project).get().public_key
    _, body, headers = event_envelope({"message": "hi"})
    headers["X-Sentry-Auth"] = f"Sentry sentry_key={key}, sentry_version=7"
    response = asgi_post(f"/api/{project.pk}/envelope/", body, headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert response.json() == {"detail": "temporarily unable to store events"}
    assert not RawEvent.objects.filter(project_id=project.pk).exists()


def test_psycopg_errors_are_recognised_once_psycopg_is_loaded():
    """psycopg is imported only by a PostgreSQL spool; its errors are still told apart then."""
    import psycopg

    from ingest.group_commit import _is_psycopg_error

    assert _is_psycopg_error(psycopg.OperationalError("gone"))
    assert not _is_psycopg_error(ValueError("not a database error"))
