"""The embedded broker never hands a consumer a half-written message.

The producer runs in another process, as gunicorn does beside the Celery worker, so the
consumer's directory scans really interleave with the producer's writes.
"""

import multiprocessing
from pathlib import Path
from queue import Empty

from kombu import Connection

from bugsink.fs_broker import Transport

SENT = 3000
PAYLOAD = {"body": "x" * 20_000}


def _folders(path: Path) -> dict:
    return {"data_folder_in": str(path), "data_folder_out": str(path), "store_processed": False}


def _produce(path: Path) -> None:
    with Connection(transport=Transport, transport_options=_folders(path)) as conn:
        for _ in range(SENT):
            conn.default_channel._put("q", PAYLOAD)


def test_consumer_racing_producer_only_sees_whole_messages(tmp_path: Path) -> None:
    producer = multiprocessing.get_context("spawn").Process(target=_produce, args=(tmp_path,))
    producer.start()
    received = 0
    with Connection(transport=Transport, transport_options=_folders(tmp_path)) as conn:
        channel = conn.default_channel
        while received < SENT and (producer.is_alive() or any(tmp_path.iterdir())):
            try:
                message = channel._get("q")  # raises on a half-written file
            except Empty:
                continue
            assert message == PAYLOAD
            received += 1
    producer.join(timeout=60)
    assert producer.exitcode == 0
    assert received == SENT
