"""The search box language (issues/search.py), parsed without a database."""

from issues.search import parse_search


def test_words_and_terms():
    search = parse_search('timeout level:Error release:1.2.0 browser:"Firefox 120" is:muted db')
    assert search.words == ["timeout", "db"]
    assert search.levels == ["error"]
    assert search.state == "muted"
    assert search.tags == [("release", "1.2.0"), ("browser", "Firefox 120")]


def test_unknown_state_is_a_tag_and_empty_query_is_empty():
    assert parse_search("is:weird").tags == [("is", "weird")]
    assert parse_search("").is_empty and parse_search("   ").is_empty


def test_unbalanced_quote_does_not_fail():
    search = parse_search('browser:"Firefox oops')
    assert search.tags == [("browser", '"Firefox')] and search.words == ["oops"]


def test_colon_inside_a_word_value():
    assert parse_search("url:https://x.example/a").tags == [("url", "https://x.example/a")]
    assert parse_search(":nokey").words == [":nokey"]
