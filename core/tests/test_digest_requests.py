"""The per-project digest-request marker: one claim until released, stale markers recovered."""

import os
import time
from pathlib import Path

import pytest

from core import digest_requests
from core.digest_requests import STALE_SECONDS, _FileMarkers


@pytest.fixture
def markers():
    """The markers of the broker this run is configured with (filesystem or Redis)."""
    digest_requests.reset()
    project_id = 900_000 + os.getpid() % 1000
    digest_requests.release(project_id)
    yield project_id
    digest_requests.release(project_id)
    digest_requests.reset()


def test_a_claimed_project_is_not_claimed_again_until_released(markers):
    project_id = markers
    assert digest_requests.claim(project_id)
    assert not digest_requests.claim(project_id)
    assert not digest_requests.claim(project_id)
    assert digest_requests.claim(project_id + 1)  # projects are independent
    digest_requests.release(project_id + 1)
    digest_requests.release(project_id)
    assert digest_requests.claim(project_id)


def test_force_claims_a_marker_that_is_set(markers):
    project_id = markers
    assert digest_requests.claim(project_id)
    assert digest_requests.claim(project_id, force=True)
    assert not digest_requests.claim(project_id)


def test_only_the_newest_request_frees_the_marker(markers):
    project_id = markers
    older = digest_requests.claim(project_id)
    newer = digest_requests.claim(project_id, force=True)  # e.g. a digest worker's start
    assert older and newer and older != newer
    digest_requests.release(project_id, older)  # the duplicate drains first: frees nothing
    assert digest_requests.claim(project_id) is None
    digest_requests.release(project_id, newer)
    assert digest_requests.claim(project_id)


def test_a_release_after_a_new_claim_leaves_the_new_one(markers):
    project_id = markers
    first = digest_requests.claim(project_id)
    digest_requests.release(project_id, first)
    second = digest_requests.claim(project_id)
    digest_requests.release(project_id, first)  # a redelivered message of the first request
    assert digest_requests.claim(project_id) is None
    digest_requests.release(project_id, second)


def test_a_taken_over_stale_file_marker_holds_the_new_token(tmp_path: Path):
    files = _FileMarkers(tmp_path)
    lost = files.claim(7, force=False)
    old = time.time() - STALE_SECONDS - 5
    os.utime(tmp_path / "7", (old, old))
    recovered = files.claim(7, force=False)
    files.release(7, lost)
    assert (tmp_path / "7").read_text() == recovered
    files.release(7, recovered)
    assert not (tmp_path / "7").exists()
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_releasing_a_free_marker_is_harmless(markers):
    digest_requests.release(markers)
    digest_requests.release(markers)
    assert digest_requests.claim(markers)


def test_a_stale_file_marker_counts_as_free_and_is_refreshed(tmp_path: Path):
    files = _FileMarkers(tmp_path)
    assert files.claim(7, force=False)
    old = time.time() - STALE_SECONDS - 5
    os.utime(tmp_path / "7", (old, old))
    assert files.claim(7, force=False)  # its message was presumably lost
    assert not files.claim(7, force=False)  # refreshed: young again
    files.release(7, None)
    assert not (tmp_path / "7").exists()
