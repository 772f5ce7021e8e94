"""Suite-wide pytest setup: test-only settings, the opt-in third-party checks, and the option
that records golden groupings."""

import pytest

from tests.shared import SENTRY_GROUPING_DIR, THIRD_PARTY_DIR


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="record issues/tests/golden/<version>.json instead of checking them against it",
    )


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests create and log in users by the hundred; the production hasher (PBKDF2, a million
    # iterations) would spend most of a view test's time hashing. Only this test process uses
    # MD5: servers the live tests start read the real settings, and so do their users. The
    # production hashers stay listed so that passwords set by `manage.py` subprocesses verify.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    _flush_postgres_with_delete()


_KEPT_BY_FLUSH = {"django_content_type", "auth_permission"}


def _flush_postgres_with_delete() -> None:
    """Transactional tests empty the PostgreSQL test database with DELETE, not TRUNCATE.

    Django flushes with one TRUNCATE of every table, which gives each of them (and each index)
    new files: 2-3 s per test on this machine, most of the PostgreSQL pass's time. A test
    leaves a few rows in a few tables, and DELETE of an empty table costs microseconds. The
    foreign keys Django makes are deferrable, so one transaction can empty the tables in any
    order. Content types and permissions stay: the flush is followed by post_migrate, which
    otherwise inserts them all again (about a second), and their ids then stay what Django's
    content-type cache holds. Only this test process; a flush that must also reset sequences
    still truncates.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = [
            f"DELETE FROM {self.quote_name(table)};"
            for table in tables
            if table not in _KEPT_BY_FLUSH
        ]
        return ["SET CONSTRAINTS ALL DEFERRED;", *deletes]

    DatabaseOperations.sql_flush = sql_flush


def _drives_a_browser(item: pytest.Item) -> bool:
    """Tests that use the Chromium fixture, or whose module drives Playwright itself."""
    if "browser" in getattr(item, "fixturenames", ()):
        return True
    path = getattr(item, "path", None)
    if path is None:
        return False
    known = _BROWSER_MODULES.get(path)
    if known is None:
        known = _BROWSER_MODULES[path] = "sync_playwright" in path.read_text(errors="replace")
    return known


_BROWSER_MODULES: dict = {}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects: the browser marker must be there
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the browser tests; deselect the `third_party` checks when there is no shared folder
    to read them from, and the `sentry_grouping` comparison without $SENTRY_GROUPING_DIR."""
    for item in items:
        if _drives_a_browser(item):
            item.add_marker(pytest.mark.browser)
    opted_out = set()
    if THIRD_PARTY_DIR is None:
        opted_out.add("third_party")
    if SENTRY_GROUPING_DIR is None:
        opted_out.add("sentry_grouping")
    if not opted_out:
        return
    kept, dropped = [], []
    for item in items:
        marked = any(item.get_closest_marker(name) for name in opted_out)
        (dropped if marked else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _fresh_search_text_memory():
    """Each test starts with no remembered search documents: test databases are rolled back or
    flushed between tests, so an Issue id of one test may name another Issue in the next."""
    from issues.fulltext import forget_all

    forget_all()


@pytest.fixture(autouse=True)
def _no_ingest_counts_outlive_their_test():
    """A test's ingest counts are dropped when it ends, after any flush under way: the counters'
    background thread would otherwise write them while the test's database is being emptied,
    between two of its DELETEs (a foreign-key violation at the flush's commit)."""
    yield
    from ingest.rejections import discard_pending

    discard_pending()


@pytest.fixture(autouse=True)
def _fresh_compression_dictionaries():
    """Each test starts with no cached compression dictionaries: a test that runs its on-commit
    hooks inside a transaction that is then rolled back caches a dictionary under an id that the
    next test's dictionary gets again, and decoding with the wrong one yields garbage. (In
    production only committed rows are cached, and their ids are never reused.)"""
    from events.storage import clear_caches

    clear_caches()


@pytest.fixture(autouse=True)
def _status_page_hosts_follow_saves(monkeypatch):
    """Status page host names: none at the start of each test, then exactly what its saves make.

    In production they are re-read every few seconds, which would add a query to a random
    request of the tests that count queries.
    """
    from statuspages import hosts

    monkeypatch.setattr(hosts, "_known", {})
    monkeypatch.setattr(hosts, "_loaded_at", float("inf"))
    monkeypatch.setattr(hosts, "REFRESH_SECONDS", float("inf"))
