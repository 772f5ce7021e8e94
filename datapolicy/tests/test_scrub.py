"""Scrubbing rules on normalized events: every place a secret can hide, and what stays."""

from datetime import UTC, datetime

import orjson
import pytest

from datapolicy.scrub import (
    DEFAULT_RULES,
    FILTERED,
    IpMode,
    Rules,
    anonymize_ip,
    default_key_matches,
    key_words,
    luhn_valid,
    scrub_event,
)
from events.normalize import normalize_event

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
CARD = "4111 1111 1111 1111"  # the classic Visa test number: passes Luhn


def event(payload: dict, rules: Rules = DEFAULT_RULES):
    normalized = normalize_event(payload, received_at=NOW)
    count = scrub_event(normalized, rules)
    return normalized, count, orjson.dumps(normalized.to_dict()).decode()


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "PASSWORD",
        "userPassword",
        "passwd",
        "client_secret",
        "access_token",
        "X-Auth-Token",
        "api_key",
        "apiKey",
        "x-api-key",
        "Authorization",
        "HTTP_AUTHORIZATION",
        "Cookie",
        "Set-Cookie",
        "aws.credentials",
        "csrf_middleware",
        "private_key",
        "auth",
        "session",
        "sessionid",
    ],
)
def test_secret_keys_match(key):
    assert default_key_matches(key)


@pytest.mark.parametrize(
    "key", ["author", "authority", "session_count", "user_session_start", "keyboard", "monkey"]
)
def test_short_words_match_only_the_whole_key(key):
    assert not default_key_matches(key)


def test_key_words_split_on_separators_and_camel_case():
    assert key_words("X-Api-Key") == ["x", "api", "key"]
    assert key_words("accessToken") == ["access", "token"]
    assert key_words("HTTPAuthorization") == ["http", "authorization"]


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_nested_keys_in_extra_and_contexts_are_filtered():
    _, count, doc = event(
        {
            "message": "hi",
            "extra": {"config": {"database": {"password": "hunter2", "host": "db"}}},
            "contexts": {"app": {"api_key": "AKIA-SECRET-1", "name": "shop"}},
        }
    )
    assert "hunter2" not in doc and "AKIA-SECRET-1" not in doc
    assert '"host":"db"' in doc and '"name":"shop"' in doc
    assert count == 2


def test_headers_cookies_query_string_and_body():
    normalized, _, doc = event(
        {
            "message": "hi",
            "request": {
                "url": "https://shop.example/cb?code=1&access_token=SEKRET-URL&page=2",
                "query_string": "token=SEKRET-QS&page=2",
                "headers": {
                    "Authorization": "Bearer SEKRET-AUTH",
                    "Cookie": "sessionid=SEKRET-COOKIE",
                    "Accept": "text/html",
                },
                "cookies": {"sessionid": "SEKRET-C2", "theme": "dark"},
                "data": {"username": "ann", "password": "SEKRET-BODY"},
                "env": {"HTTP_COOKIE": "SEKRET-ENV", "SERVER_NAME": "web1"},
            },
        }
    )
    for secret in ("SEKRET-URL", "SEKRET-QS", "SEKRET-AUTH", "SEKRET-COOKIE", "SEKRET-C2"):
        assert secret not in doc
    assert "SEKRET-BODY" not in doc and "SEKRET-ENV" not in doc
    request = normalized.request
    assert "page=2" in request["url"] and "page=2" in request["query_string"]
    assert ["Accept", "text/html"] in request["headers"]
    assert ["theme", "dark"] in request["cookies"]
    assert request["data"]["username"] == "ann"


def test_form_encoded_body_string():
    normalized, _, _ = event(
        {"message": "x", "request": {"data": "user=ann&password=SEKRET&remember=1"}}
    )
    assert "SEKRET" not in normalized.request["data"]
    assert "user=ann" in normalized.request["data"]


def test_local_variables_breadcrumbs_and_tags():
    normalized, _, doc = event(
        {
            "exception": {
                "values": [
                    {
                        "type": "ValueError",
                        "value": f"card {CARD} declined",
                        "stacktrace": {
                            "frames": [
                                {
                                    "function": "pay",
                                    "filename": "shop.py",
                                    "vars": {"secret": "'SEKRET-VAR'", "amount": "10"},
                                }
                            ]
                        },
                    }
                ]
            },
            "breadcrumbs": [
                {"message": f"charging {CARD}", "data": {"token": "SEKRET-CRUMB", "n": 1}},
                {"category": "http", "data": {"url": "https://api.example/x?apikey=SEKRET-Q"}},
            ],
            "tags": {"auth": "SEKRET-TAG", "browser": "Firefox"},
        }
    )
    assert "SEKRET" not in doc
    assert CARD not in doc and "4111" not in doc
    frame = normalized.exceptions[0]["stacktrace"]["frames"][0]
    assert frame["vars"] == {"secret": FILTERED, "amount": "10"}
    assert ("browser", "Firefox") in normalized.tags


def test_numbers_that_fail_luhn_and_short_numbers_stay():
    normalized, count, _ = event({"message": "order 4111111111111112 of 1234567890"})
    assert normalized.message == "order 4111111111111112 of 1234567890"
    assert count == 0


def test_count_is_recorded_in_the_processing_notes():
    normalized, count, _ = event({"message": "x", "extra": {"password": "a", "token": "b"}})
    assert count == 2
    assert normalized.errors[-1]["type"] == "scrubbed"
    assert "2 value(s)" in normalized.errors[-1]["value"]


def test_project_rules_add_words_and_regexes_and_keep_list_wins():
    rules = Rules.build(extra=["ssn", "/^x-internal-/"], keep=["session", "sessionid"])
    normalized, _, doc = event(
        {
            "message": "x",
            "extra": {"user_ssn": "123-45-6789", "session": "visible-session"},
            "request": {"headers": {"X-Internal-Trace": "SEKRET-H", "sessionid": "abc"}},
        },
        rules,
    )
    assert "123-45-6789" not in doc and "SEKRET-H" not in doc
    assert normalized.extra["session"] == "visible-session"
    assert ["sessionid", "abc"] in normalized.request["headers"]


def test_invalid_regex_is_refused_when_strict_and_skipped_otherwise():
    import re

    with pytest.raises(re.error):
        Rules.build(extra=["/([a-/"], strict=True)
    assert Rules.build(extra=["/([a-/", "ssn"]).key_matches("ssn")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(IpMode.KEEP, "203.0.113.77"), (IpMode.ANONYMIZE, "203.0.113.0"), (IpMode.DROP, None)],
)
def test_ip_modes(mode, expected):
    normalized, _, _ = event(
        {
            "message": "x",
            "user": {"id": "7", "ip_address": "203.0.113.77"},
            "request": {
                "headers": {"X-Forwarded-For": "203.0.113.77"},
                "env": {"REMOTE_ADDR": "203.0.113.77"},
            },
        },
        Rules.build(ip_mode=mode),
    )
    assert normalized.user.get("ip_address") == expected
    assert normalized.request["env"].get("REMOTE_ADDR") == expected
    forwarded = dict(normalized.request["headers"]).get("X-Forwarded-For")
    assert forwarded == expected


def test_anonymize_ipv6():
    assert anonymize_ip("2001:db8:85a3::8a2e:370:7334") == "2001:db8:85a3::"


def test_processing_errors_quoting_a_secret_are_scrubbed():
    normalized, _, doc = event({"message": "x", "user": {"password": {"deep": "SEKRET-ERR"}}})
    assert "SEKRET-ERR" not in doc
