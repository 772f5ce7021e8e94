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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the `third_party` checks when there is no shared folder to read them from, and
    the `sentry_grouping` comparison without $SENTRY_GROUPING_DIR."""
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
