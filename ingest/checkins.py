"""Cron check-ins at the door: an envelope's `check_in` item, or the HTTP check-in API

    GET|POST /api/<project_id>/cron/<monitor_slug>/<public_key>/?status=ok&check_in_id=...

(the form the Sentry docs give for plain `curl`; a POST may carry the check-in, e.g. its
`monitor_config`, as a JSON body). A check-in is validated and bounded here, stored as an
unprocessed row (off the event loop, like attachments) and handed to the monitors worker by task
name; nothing about monitors is decided on the request path. Envelopes without check-ins never
reach this module.
"""

import logging
import math
from datetime import datetime

from celery import current_app

from monitors.models import CheckIn

from .errors import BadRequest, PayloadTooLarge
from .json_object import decode_json_object

logger = logging.getLogger("bugsink.ingest")

MAX_CHECKIN_BYTES = 64 * 1024
STATUSES = ("in_progress", "ok", "error")
PROCESS_TASK = "monitors.tasks.process_checkins"  # by name: ingest never imports the worker


def check_in_from_item(project_id: int, payload: bytes, received_at: datetime) -> CheckIn:
    _check_size(payload)
    data = decode_json_object(payload, "check_in item")
    return _row(project_id, validated(data), received_at)


def check_in_from_http(
    project_id: int, slug: str, query: dict[str, str], body: bytes, received_at: datetime
) -> CheckIn:
    data: dict = {}
    if body.strip():
        _check_size(body)
        data = decode_json_object(body, "check-in body")
    for key in ("status", "check_in_id", "environment", "release"):
        if key in query:
            data[key] = query[key]
    if "duration" in query:
        try:
            data["duration"] = float(query["duration"])
        except ValueError:
            raise BadRequest("duration must be a number of seconds") from None
    data["monitor_slug"] = slug
    return _row(project_id, validated(data), received_at)


def _row(project_id: int, payload: dict, received_at: datetime) -> CheckIn:
    return CheckIn(
        project_id=project_id,
        received_at=received_at,
        payload=payload,
        check_in_id=payload.get("check_in_id", ""),
        status=payload["status"],
    )


def validated(data: dict) -> dict:
    """The fields the monitors use, type-checked and bounded; everything else is dropped."""
    slug = data.get("monitor_slug")
    if not isinstance(slug, str) or not slug.strip() or len(slug) > 128:
        raise BadRequest("a check-in needs a monitor_slug (at most 128 characters)")
    status = data.get("status")
    if status not in STATUSES:
        raise BadRequest(f"check-in status must be one of {', '.join(STATUSES)}")
    clean: dict = {"monitor_slug": slug.strip(), "status": status}
    check_in_id = data.get("check_in_id")
    if isinstance(check_in_id, str) and check_in_id:
        clean["check_in_id"] = check_in_id.replace("-", "").lower()[:32]
    duration = data.get("duration")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        if math.isfinite(duration) and duration >= 0:
            clean["duration"] = float(duration)
    for key in ("environment", "release"):
        if isinstance(data.get(key), str):
            clean[key] = data[key][:200]
    config = data.get("monitor_config")
    if isinstance(config, dict):
        clean["monitor_config"] = _config(config)
    return clean


def _config(config: dict) -> dict:
    clean: dict = {}
    schedule = config.get("schedule")
    if isinstance(schedule, dict):
        clean["schedule"] = {
            k: str(schedule[k])[:100] for k in ("type", "value", "unit") if k in schedule
        }
    if isinstance(config.get("timezone"), str):
        clean["timezone"] = config["timezone"][:64]
    for key in ("checkin_margin", "max_runtime", "failure_issue_threshold", "recovery_threshold"):
        value = config.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            clean[key] = int(value)
    return clean


def _check_size(payload: bytes) -> None:
    if len(payload) > MAX_CHECKIN_BYTES:
        raise PayloadTooLarge(
            f"check-in of {len(payload)} bytes exceeds the limit of {MAX_CHECKIN_BYTES} bytes",
            reason="checkin_too_large",
        )


def request_processing() -> None:
    """Ask the monitors worker to process stored check-ins; the next tick does it otherwise."""
    try:
        current_app.send_task(PROCESS_TASK, retry=False)
    except Exception:  # broker down: the rows are stored, the periodic tick picks them up
        logger.warning("could not enqueue check-in processing", exc_info=True)
