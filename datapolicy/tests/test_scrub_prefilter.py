"""The scrubber's shortcuts (digit-count prefilter, per-key decisions) change no result."""

import re

import pytest

from datapolicy.scrub import DEFAULT_RULES, FILTERED, Rules, Scrubber, luhn_valid, scrub_value

CARD = "4111 1111 1111 1111"  # passes Luhn
# The card pattern without any shortcut: the reference every prefiltered answer must equal.
REFERENCE = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def reference_text(text: str) -> tuple[str, int]:
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        digits = match.group().replace(" ", "").replace("-", "")
        if not luhn_valid(digits):
            return match.group()
        count += 1
        return FILTERED

    return REFERENCE.sub(replace, text), count


LONG_TEXTS = [
    "x" * 700,  # a long repr without digits: skipped by the digit count
    "'" + "x" * 300 + CARD + "x" * 300 + "'",  # a card inside a long string is still found
    "x" * 100 + "4111111111111111",  # at the end, no separators
    "id " + "1234567890" * 10,  # many digits, one long run: no card (more than 19 digits)
    "x" * 80 + "4111111111111112",  # 16 digits failing Luhn: stays
    "y" * 80 + " 12-34 5678 9012 ",  # exactly 12 digits: too few for a card
    "z" * 80 + "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0",  # digits spread out
    "<object at 0x7f4523c45440> " * 5,  # hex addresses: digits, not a card
    "\u0664\u0661\u0661\u0661" * 4 + "x" * 80,  # Arabic-Indic digits: `\d` matches them too
    "x" * 60 + "\u0664" + CARD,  # not ASCII: the digit count is not used
]


@pytest.mark.parametrize("text", LONG_TEXTS)
def test_prefiltered_text_equals_the_plain_pattern(text):
    scrubber = Scrubber(DEFAULT_RULES)
    expected, expected_count = reference_text(text)
    assert scrubber.text(text) == expected
    assert scrubber.count == expected_count


def test_a_card_number_in_a_long_frame_variable_is_filtered():
    variables = {"payload": "x" * 500 + f" card={CARD} " + "x" * 500, "note": "x" * 700}
    scrubbed = scrub_value({"vars": variables}, DEFAULT_RULES)
    assert CARD not in scrubbed["vars"]["payload"]
    assert FILTERED in scrubbed["vars"]["payload"]
    assert scrubbed["vars"]["note"] == "x" * 700


def test_text_without_a_card_is_returned_unchanged_and_uncounted():
    scrubber = Scrubber(DEFAULT_RULES)
    text = "x" * 700
    assert scrubber.text(text) is text
    assert scrubber.count == 0


def test_url_keys_still_read_as_urls_in_free_form_data():
    data = {"url": "https://example.com/?token=abc", "href": "/a?password=b&q=1", "to": "short"}
    scrub_value(data, DEFAULT_RULES)
    assert data["url"] == f"https://example.com/?token={FILTERED}"
    assert data["href"] == f"/a?password={FILTERED}&q=1"
    assert data["to"] == "short"


def test_a_key_decision_is_cached_per_rule_set_and_new_rules_decide_afresh():
    before = Rules.build(extra=["tier"])
    assert before.key_matches("tier") is True
    assert before.key_matches("tier") is True  # from the cache
    after = Rules.build(keep=["tier"])  # the project changed its rules: a new rule set
    assert after.key_matches("tier") is False
    assert scrub_value({"tier": "gold"}, after) == {"tier": "gold"}
    assert scrub_value({"tier": "gold"}, before) == {"tier": FILTERED}
    assert DEFAULT_RULES.key_matches("tier") is False
