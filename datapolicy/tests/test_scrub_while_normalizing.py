"""Free-form data scrubbed while normalization copies it ends up as scrubbing it afterwards did.

Digestion hands `normalize_event` the event's Scrubber, so frame variables, extra, contexts,
user, request body and env, breadcrumb and mechanism data are scrubbed in the same walk that
bounds them, and the card-number search of all their strings runs at once (`Scrubber.flush`).
The reference is the two-walk path: normalize, then `scrub_event` alone.
"""

import copy
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datapolicy.scrub import DEFAULT_RULES, FILTERED, Rules, Scrubber, scrub_event
from datapolicy.tests.test_scrub_prefilter import reference_text
from events.normalize import normalize_event
from projects.tests.factories import python_event
from tests.shared import SDK_CAPTURES_DIR

NOW = datetime(2026, 12, 3, tzinfo=UTC)
CARD = "4111 1111 1111 1111"  # passes Luhn
CAPTURED_EVENTS = sorted(SDK_CAPTURES_DIR.glob("*/*.event.json"))
RULES = [
    DEFAULT_RULES,
    Rules.build(extra=["tier", "/^x-.*-id$/"], keep=["token"], ip_mode="anonymize"),
]


def secrets_everywhere() -> dict:
    """An event with something to scrub in every free-form place, in lists, deep and cut."""
    frame_vars = {
        "password": "hunter2",
        "api_key": {"nested": "dict replaced whole"},
        "rows": [f"paid with {CARD}", "x" * 40, ["deep", {"secret": "s"}], 4111111111111111],
        "url": "https://example.com/cb?token=abc&q=1",
        "to": "short",
        "note": "٤١١١ " * 5,  # Arabic-Indic digits: `\d` matches them
        "many": {f"k{i}": f"value number {i:020d}" for i in range(40)},  # cut at the breadth
        "tier": "gold",
        "x-client-id": "c-1",
        # Two keys that are one once cleaned: the first value is gone before the search.
        "dup\x00": f"card {CARD}",
        "dup\ufffd": "the last value wins",
    }
    return python_event(
        exception={
            "values": [
                {
                    "type": "PaymentError",
                    "value": f"card {CARD} declined",
                    "mechanism": {"type": "generic", "data": {"session": "abc", "n": CARD}},
                    "stacktrace": {
                        "frames": [
                            {"function": "pay", "module": "shop", "lineno": 3, "vars": frame_vars}
                        ]
                    },
                }
            ]
        },
        breadcrumbs={
            "values": [
                {"message": f"charged {CARD}", "data": {"authorization": "Bearer x", "c": CARD}},
                {"message": "short"},
            ]
        },
        request={
            "url": "https://shop.example/pay?password=p",
            "data": {"card": CARD, "cookie": "c=1", "list": [CARD]},
            "env": {"REMOTE_ADDR": "198.51.100.7", "SECRET_KEY": "k"},
            "headers": {"Authorization": "Bearer y", "X-Request-Id": "7"},
        },
        user={"id": "42", "email": "a@example.com", "ip_address": "198.51.100.7", "pwd": "p"},
        contexts={"payment": {"token": "t", "last": f"{CARD}"}, "os": {"name": "Linux"}},
        extra={"credentials": ["a", "b"], "numbers": [CARD, "4111-1111-1111-1112"]},
        tags={"api_key": "tag secret", "tier": "gold"},
        modules={"secret-sauce": "1.0.0", "django": "5.2"},
    )


def scrubbed_after(raw: dict, rules: Rules) -> tuple[dict, int]:
    event = normalize_event(copy.deepcopy(raw), received_at=NOW, remote_addr="203.0.113.9")
    count = scrub_event(event, rules)
    return event.to_dict(), count


def scrubbed_while_normalizing(raw: dict, rules: Rules) -> tuple[dict, int]:
    scrubber = Scrubber(rules)
    event = normalize_event(
        copy.deepcopy(raw), received_at=NOW, remote_addr="203.0.113.9", scrubber=scrubber
    )
    count = scrub_event(event, rules, scrubber)
    return event.to_dict(), count


@pytest.mark.parametrize("rules", RULES, ids=["default", "project"])
def test_an_event_with_secrets_everywhere_is_scrubbed_the_same(rules):
    raw = secrets_everywhere()
    after, after_count = scrubbed_after(raw, rules)
    during, during_count = scrubbed_while_normalizing(raw, rules)
    assert during == after
    assert during_count == after_count > 10
    text = json.dumps(during)
    assert CARD not in text and "hunter2" not in text and "Bearer x" not in text
    frame_vars = during["exceptions"][0]["stacktrace"]["frames"][0]["vars"]
    assert frame_vars["dup\ufffd"] == "the last value wins"
    kept = "token" in rules.keep  # the project's keep-list wins over the built-in words
    assert frame_vars["url"] == f"https://example.com/cb?token={'abc' if kept else FILTERED}&q=1"


def test_package_names_are_not_read_as_secrets():
    during, _ = scrubbed_while_normalizing(secrets_everywhere(), DEFAULT_RULES)
    assert during["modules"] == {"secret-sauce": "1.0.0", "django": "5.2"}


@pytest.mark.parametrize(
    "path", CAPTURED_EVENTS, ids=lambda path: f"{path.parent.name}/{path.name}"
)
def test_every_captured_sdk_event_is_scrubbed_the_same(path):
    raw = json.loads(path.read_text())
    for rules in RULES:
        assert scrubbed_while_normalizing(raw, rules) == scrubbed_after(raw, rules)


def test_the_captures_are_there():
    assert len(CAPTURED_EVENTS) > 20


# Strings made of what card numbers are made of, and of what is not.
PIECES = st.sampled_from(["4111", "1111", "41111111", "1", "0", " ", "-", "--", "x", "ab", "\n"])
TEXTS = st.lists(PIECES, max_size=30).map("".join)
UNICODE_TEXTS = st.text(alphabet="0123456789 -x\u0664\u0661", max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXTS, UNICODE_TEXTS, st.just(f"x{CARD}x")), max_size=25))
def test_the_joined_search_replaces_exactly_what_each_string_alone_would(texts):
    scrubber = Scrubber(DEFAULT_RULES)
    holder = list(texts)
    scrubber.value(holder)  # a list at the top: its strings are searched together, then put back
    expected = [reference_text(text) if len(text) >= 13 else (text, 0) for text in texts]
    assert holder == [text for text, _ in expected]
    assert scrubber.count == sum(count for _, count in expected)


def test_free_form_data_comes_out_of_normalization_already_scrubbed():
    """Searched before `normalize_event` returns: what runs next (an oversized event's trimming)
    may replace the containers the search would otherwise still have to write into."""
    scrubber = Scrubber(DEFAULT_RULES)
    event = normalize_event(secrets_everywhere(), received_at=NOW, scrubber=scrubber)
    frame_vars = event.exceptions[0]["stacktrace"]["frames"][0]["vars"]
    assert frame_vars["rows"][0] == f"paid with {FILTERED}"
    assert event.extra["numbers"][0] == FILTERED
    assert scrubber.pending == []
