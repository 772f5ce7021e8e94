"""Lanes (bugsink/lanes.py): a task of a full lane goes back on its queue instead of waiting.

The tasks run as the worker's tracer runs them: with the message's request pushed, then called.
A requeued copy is a real message in the embedded broker's queue folder.
"""

import json
import threading
import time
from pathlib import Path

import pytest
from celery import shared_task
from celery.exceptions import Ignore
from django.conf import settings

from bugsink import lanes
from bugsink.workers import ALERT_THREADS, ALERTS_QUEUE

ran: list[int] = []


# Routed by name like every alert task (settings.CELERY_TASK_ROUTES: "alerts.tasks.*").
@shared_task(name="alerts.tasks.lane_probe")
def lane_probe(number: int) -> int:
    ran.append(free_alert_slots())
    if number < 0:
        raise ValueError("the task failed")
    return number


@shared_task(name="tests.lane_free_probe")
def default_queue_probe() -> int:
    return free_alert_slots()


def free_alert_slots() -> int:
    return lanes._LANES[ALERTS_QUEUE]._value


def run_as_worker(task, *args):
    """What the worker's tracer does: push the message's request, then call the task."""
    task.push_request(
        id="0f6c1e9e-lane-test",
        args=args,
        kwargs={},
        retries=2,
        called_directly=False,
        is_eager=False,
        delivery_info={"exchange": "", "routing_key": ALERTS_QUEUE},
    )
    try:
        return task(*args)
    finally:
        task.pop_request()


def queued_messages() -> list[dict]:
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.msg"))]


@pytest.fixture
def full_alert_lane():
    slots = lanes._LANES[ALERTS_QUEUE]
    for _ in range(ALERT_THREADS):
        assert slots.acquire(blocking=False)
    yield
    for _ in range(ALERT_THREADS):
        slots.release()


@pytest.fixture(autouse=True)
def empty_queue():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("reads the embedded broker's folder")
    for path in Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"]).glob("*.msg"):
        path.unlink()
    ran.clear()


def test_a_task_holds_a_slot_of_its_lane_while_it_runs():
    assert run_as_worker(lane_probe, 7) == 7
    assert ran == [ALERT_THREADS - 1]
    assert free_alert_slots() == ALERT_THREADS


def test_a_failing_task_gives_its_slot_back():
    with pytest.raises(ValueError):
        run_as_worker(lane_probe, -1)
    assert free_alert_slots() == ALERT_THREADS


def test_a_task_of_a_full_lane_goes_back_on_its_queue(full_alert_lane):
    with pytest.raises(Ignore):
        run_as_worker(lane_probe, 7)
    assert ran == []  # not run, and no thread waited for a slot
    [message] = queued_messages()
    headers = message["headers"]
    assert headers["task"] == "alerts.tasks.lane_probe"
    assert headers["id"] == "0f6c1e9e-lane-test"
    assert headers["retries"] == 2  # the task's own retry count is kept
    assert headers["eta"] is not None  # comes back after REQUEUE_SECONDS
    assert message["properties"]["delivery_info"]["routing_key"] == ALERTS_QUEUE


def test_tasks_without_a_lane_and_direct_calls_never_wait(full_alert_lane):
    assert run_as_worker(default_queue_probe) == 0  # digestion's queue has no lane
    assert lane_probe(5) == 5  # called directly (tests, shells): not a worker's run
    assert queued_messages() == []


def test_slots_are_shared_between_threads():
    started, release = threading.Event(), threading.Event()

    @shared_task(name="alerts.tasks.lane_blocker")
    def blocker() -> None:
        started.set()
        release.wait(10)

    threads = [threading.Thread(target=run_as_worker, args=(blocker,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    started.wait(10)
    try:
        deadline = time.monotonic() + 10
        while free_alert_slots() > ALERT_THREADS - 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert free_alert_slots() == ALERT_THREADS - 2
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    assert free_alert_slots() == ALERT_THREADS
