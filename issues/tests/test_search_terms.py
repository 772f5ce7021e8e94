"""The search language's negation, phrases, has: and wildcards, parsed without a database."""

from issues.search import parse_search


def test_phrases_negation_has_and_wildcards():
    search = parse_search(
        'db "connection refused" -flaky !"read only" !environment:staging -level:info '
        "has:user release:1.2.* is:open"
    )
    assert search.words == ["db"]
    assert search.phrases == ["connection refused"]
    assert search.excluded_text == [("flaky", False), ("read only", True)]
    assert search.excluded == [("environment", "staging"), ("level", "info")]
    assert search.has == ["user"]
    assert search.tags == [("release", "1.2.*")]
    assert search.state == "open"
    assert not search.is_empty


def test_a_lone_dash_or_bang_is_a_word_not_a_negation():
    assert parse_search("- !").words == ["-", "!"]
    assert parse_search("-x").excluded_text == [("x", False)]


def test_keys_are_case_insensitive_and_values_kept():
    search = parse_search('Browser:"Firefox 120" HAS:Device')
    assert search.tags == [("browser", "Firefox 120")] and search.has == ["Device"]


def test_queries_are_bounded():
    search = parse_search(" ".join(f"w{i}" for i in range(100)))
    assert search.words == [f"w{i}" for i in range(20)]
