"""Property tests for the fast paths of normalization and grouping: same answers as the plain ones.

`trim_data` recurses and skips checks for clean ASCII; `trim_data_iterative` is the explicit-stack
reference. Grouping memoizes its frame predicates; the public predicates are the reference.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.normalize import TRIMMED_KEY, trim_data, trim_data_iterative
from issues.grouping.frames import (
    cached_frame_key,
    cached_is_app_frame,
    cached_is_sdk_frame,
    frame_key,
    is_app_frame,
    is_sdk_frame,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

texts = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="ab\x00\x7f\u2026", max_size=6),
    st.sampled_from(["\ud800", "x\udfffy", TRIMMED_KEY, "k" * 300, "é" * 5]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.binary(max_size=6),
)
keys = st.one_of(texts, st.integers(), st.none(), st.booleans())
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=40,
)
budgets = st.fixed_dictionaries(
    {
        "max_depth": st.integers(min_value=0, max_value=10),
        "max_breadth": st.integers(min_value=0, max_value=5),
        "max_string": st.integers(min_value=1, max_value=10),
        "node_budget": st.integers(min_value=0, max_value=60),
        "char_budget": st.integers(min_value=0, max_value=60),
    }
)


def same(a: object, b: object) -> bool:
    """Equality that also tells NaN from NaN apart correctly and compares key order."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


@SETTINGS
@given(values, budgets)
def test_trim_data_matches_the_explicit_stack_reference(value, limits):
    assert same(trim_data(value, **limits), trim_data_iterative(value, **limits))


@SETTINGS
@given(values)
def test_trim_data_with_default_bounds_matches_the_reference(value):
    assert same(trim_data(value), trim_data_iterative(value))


def test_trim_data_with_a_huge_max_depth_does_not_recurse():
    deep: list = []
    current = deep
    for _ in range(5_000):
        current.append([])
        current = current[0]
    result, cut = trim_data(deep, max_depth=10_000, node_budget=10**9)
    assert not cut
    for _ in range(5_000):
        assert isinstance(result, list) and len(result) == 1
        result = result[0]
    assert result == []


frame_texts = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            "app.js",
            "<anonymous>",
            "node:internal/x",
            "internal/timers",
            "/usr/lib/python3.11/json/decoder.py",
            "/venv/lib/python3.11/site-packages/x.py",
            "sentry_sdk.api",
            "@sentry/browser",
            "https://cdn/sentry.min.js",
            "main.3f9a2c1b.js",
            "Object.foo [as bar]",
            "lambda$main$0",
            "json",
            "?",
        ]
    ),
    st.text(max_size=8),
)
frames = st.fixed_dictionaries(
    {},
    optional={
        "module": frame_texts,
        "abs_path": frame_texts,
        "filename": frame_texts,
        "function": frame_texts,
        "platform": st.sampled_from(["python", "javascript", "node", "", "java"]),
        "lineno": st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
        "in_app": st.one_of(st.none(), st.booleans()),
    },
)
platforms = st.sampled_from(["python", "javascript", "node", "other", ""])


@SETTINGS
@given(frames, platforms)
def test_memoized_frame_predicates_match_the_public_ones(frame, platform):
    assert cached_is_sdk_frame(frame, platform) == is_sdk_frame(frame)
    assert cached_is_app_frame(frame, platform) == is_app_frame(frame, platform)
    assert cached_frame_key(frame, platform) == frame_key(frame, platform)


def test_unhashable_frame_fields_fall_back_to_the_public_predicates():
    frame = {"module": "shop.cart", "function": "total", "in_app": True}
    frame["filename"] = ["not", "hashable"]  # only a hand-made event has this
    for predicate in (is_app_frame, cached_is_app_frame):
        with pytest.raises(TypeError):  # the public predicate's own error, not the cache's
            predicate(frame, "python")
    frame["filename"] = "cart.py"
    frame["function"] = ["not", "hashable"]
    assert cached_is_app_frame(frame, "python") == is_app_frame(frame, "python")


def test_a_fact_the_public_function_cannot_decide_raises_only_where_it_would():
    frame = {"module": "shop.cart", "filename": "cart.py", "function": 5, "in_app": True}
    assert cached_is_sdk_frame(frame, "python") is False  # is_sdk_frame never reads "function"
    assert cached_is_app_frame(frame, "python") is True
    for key_of in (frame_key, cached_frame_key):
        with pytest.raises(AttributeError):
            key_of(frame, "python")
