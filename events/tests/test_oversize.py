"""Trimming events that were sent over INGEST_MAX_EVENT_BYTES (events/oversize.py), and the
frame cut it shares with normalization."""

from datetime import UTC, datetime

import orjson
import pytest

from events.normalize import MAX_FRAMES, normalize_event, omit_middle_frames
from events.oversize import (
    DETAIL_FRAMES,
    LAST_RESORT_FRAMES,
    document_size,
    fit_event,
)

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
MIB = 1024 * 1024


def normalized(raw: dict):
    return normalize_event(raw, received_at=NOW)


def frame(i: int, local: str = "x" * 12_000) -> dict:
    return {
        "filename": "app.py", "abs_path": "/srv/app.py", "module": "app",
        "function": "main" if i == 0 else "recurse", "lineno": 10 + (i > 0), "in_app": True,
        "context_line": "    return recurse(depth + 1, payload)",
        "pre_context": ["def recurse(depth, payload):"] * 5, "post_context": [""] * 5,
        "vars": {"depth": str(i), "payload": repr(local)},
    }  # fmt: skip


def recursion_event(depth: int = 1000, **extra) -> dict:
    """Shaped like sentry-sdk 2.x's RecursionError: every frame with its source and locals."""
    return {
        "event_id": "ab" * 16,
        "platform": "python",
        "exception": {
            "values": [
                {
                    "type": "RecursionError",
                    "value": "maximum recursion depth exceeded",
                    "mechanism": {"type": "generic", "handled": True},
                    "stacktrace": {"frames": [frame(i) for i in range(depth)]},
                }
            ]
        },
        **extra,
    }


# --- the frame cut ------------------------------------------------------------------------


def test_cut_keeps_both_ends_and_records_the_gap():
    frames, omitted = omit_middle_frames(list(range(100)), None, 10)
    assert frames == list(range(10)) + list(range(90, 100))
    assert omitted == [10, 90]


def test_short_stacks_are_not_cut():
    frames = list(range(20))
    assert omit_middle_frames(frames, None, 10) == (frames, None)
    assert omit_middle_frames(frames, [5, 7], 10) == (frames, [5, 7])


@pytest.mark.parametrize(
    "earlier, expected_frames, expected_gap",
    [
        # The first cut (1000 -> 125 + 125) cut again to 25 + 25: one gap covering both.
        ([125, 875], list(range(25)) + list(range(975, 1000)), [25, 975]),
        # An earlier gap inside the new head ends the head there.
        ([3, 800], list(range(3)) + list(range(975, 1000)), [3, 975]),
        # ... and one inside the new tail starts the tail there.
        ([990, 995], list(range(25)) + list(range(995, 1000)), [25, 995]),
    ],
)
def test_a_second_cut_takes_in_the_earlier_gap(earlier, expected_frames, expected_gap):
    kept = [i for i in range(1000) if not earlier[0] <= i < earlier[1]]  # frame i is "i"
    frames, omitted = omit_middle_frames(kept, earlier, 25)
    assert frames == expected_frames
    assert omitted == expected_gap


def test_normalize_keeps_the_sdks_frames_omitted():
    raw = recursion_event(depth=30)
    raw["exception"]["values"][0]["stacktrace"]["frames_omitted"] = [15, 115]
    stacktrace = normalized(raw).exceptions[0]["stacktrace"]
    assert stacktrace["frames_omitted"] == [15, 115]
    assert len(stacktrace["frames"]) == 30


def test_normalize_reports_a_meaningless_frames_omitted():
    raw = recursion_event(depth=30)
    raw["exception"]["values"][0]["stacktrace"]["frames_omitted"] = [40, 10]
    event = normalized(raw)
    assert "frames_omitted" not in event.exceptions[0]["stacktrace"]
    assert {"type": "invalid_data", "name": "exception.values.0.stacktrace.frames_omitted",
            "value": "<array with 2 items>"} in event.errors  # fmt: skip


def test_normalize_cut_of_a_deep_stack_is_unchanged():
    stacktrace = normalized(recursion_event(depth=1000)).exceptions[0]["stacktrace"]
    half = MAX_FRAMES // 2
    assert stacktrace["frames_omitted"] == [half, 1000 - half]
    assert [f["vars"]["depth"] for f in stacktrace["frames"]][:2] == ["0", "1"]
    assert stacktrace["frames"][-1]["vars"]["depth"] == "999"


# --- fitting an oversized event ---------------------------------------------------------------


def test_a_recursion_error_is_fitted_keeping_both_ends_and_their_locals():
    raw = recursion_event()
    sent = len(orjson.dumps(raw))
    assert sent > 12 * 1000 * 1000  # what sentry-sdk 2.x sends for a RecursionError
    event = normalized(raw)
    assert document_size(event) > MIB  # normalization alone does not bound it

    fit_event(event, MIB, sent)

    assert document_size(event) <= MIB
    stacktrace = event.exceptions[0]["stacktrace"]
    frames = stacktrace["frames"]
    assert stacktrace["frames_omitted"] == [MAX_FRAMES // 2, 1000 - MAX_FRAMES // 2]
    assert frames[0]["function"] == "main" and frames[-1]["vars"]["depth"] == "999"
    with_locals = [i for i, f in enumerate(frames) if f["vars"]]
    assert with_locals == list(range(DETAIL_FRAMES)) + list(
        range(len(frames) - DETAIL_FRAMES, len(frames))
    )
    # Frames in between keep what identifies them: file, function, line.
    middle = frames[len(frames) // 2]
    assert (middle["filename"], middle["function"], middle["lineno"]) == ("app.py", "recurse", 11)
    assert middle["context_line"] and middle["pre_context"] is None
    # Locals that are kept are cut like all free-form strings (normalization's limit).
    assert len(frames[-1]["vars"]["payload"]) <= 4096
    # Said in the event itself.
    assert {
        "type": "trimmed",
        "name": "frames.vars",
        "reason": f"event of {sent} bytes over the limit of {MIB} bytes",
        "sent_bytes": sent,
        "limit": MIB,
    } in event.errors


def test_an_event_that_fits_after_normalization_is_left_alone():
    raw = recursion_event(depth=50)
    event = normalized(raw)
    before = event.to_dict()
    fit_event(event, MIB, 2 * MIB)
    assert event.to_dict() == before


def test_free_form_data_goes_before_the_locals_of_a_short_stack():
    raw = recursion_event(depth=15, extra={f"k{i}": "y" * 4000 for i in range(120)})
    raw["contexts"] = {f"c{i}": {"v": "z" * 4000} for i in range(150)}
    event = normalized(raw)
    fit_event(event, 256 * 1024, 3 * MIB)
    assert document_size(event) <= 256 * 1024
    assert all(f["vars"] for f in event.exceptions[0]["stacktrace"]["frames"])
    assert len(orjson.dumps(event.extra)) < 32 * 1024  # was 480 KB


def test_a_hostile_event_ends_bounded_by_constants():
    """Parts at their normalization limits: 50 exceptions and threads, all with deep stacks."""
    deep = {"frames": [frame(i, "q" * 70_000) for i in range(400)]}
    raw = {
        "exception": {"values": [{"type": f"E{i}", "value": "v" * 20_000, "stacktrace": deep}
                                 for i in range(50)]},
        "threads": {"values": [{"id": i, "stacktrace": deep} for i in range(20)]},
        "breadcrumbs": [{"message": "m" * 5000, "data": {"d": "d" * 5000}}] * 300,
        "extra": {f"k{i}": "e" * 5000 for i in range(300)},
    }  # fmt: skip
    event = normalized(raw)
    fit_event(event, MIB, 500 * MIB)
    assert document_size(event) <= MIB
    (main,) = event.exceptions
    assert main["type"] == "E49"  # the main exception is the one kept
    frames = main["stacktrace"]["frames"]
    assert len(frames) == 2 * LAST_RESORT_FRAMES
    assert main["stacktrace"]["frames_omitted"] == [LAST_RESORT_FRAMES, 400 - LAST_RESORT_FRAMES]
    assert frames[-1]["vars"] and not frames[0]["vars"]
    assert event.threads == [] and event.breadcrumbs == []
