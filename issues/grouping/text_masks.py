"""Messages and values made comparable: the variable parts (ids, numbers, dates, ...) masked."""

from __future__ import annotations

import re
from functools import lru_cache

# Normalising is regex work; only the start of a long value says what kind of error it is.
MAX_NORMALIZE_LENGTH = 1024

_MASKS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
            re.I,
        ),
        "<datetime>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b"), "<email>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
]
# Tokens need a look at their content, so they are replaced through a function.
_HEX_TOKEN_RE = re.compile(r"\b[0-9a-f]{8,}\b", re.I)
_B64_TOKEN_RE = re.compile(r"(?<![\w+/-])[A-Za-z0-9+/_-]{24,}={0,2}(?![\w+/-])")
_IPV6_RE = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)
# Digits glued to a letter are part of a name ("utf8", "int64", "v2") and stay.
_FLOAT_RE = re.compile(r"(?<![A-Za-z_\d.])\d+\.\d+(?![\d.])")
_INT_RE = re.compile(r"(?<![A-Za-z_\d])\d+")


def _mask_hex_token(match: re.Match[str]) -> str:
    # "deadbeefcafe" could be a word; a digit makes it an id or a hash.
    token = match.group(0)
    return "<hex>" if any(ch.isdigit() for ch in token) else token


def _mask_ipv6(match: re.Match[str]) -> str:
    # Only colon-separated hex with a digit and "::" or 7 groups; "a:b:c" is just text.
    token = match.group(0)
    is_ip = any(ch.isdigit() for ch in token) and ("::" in token or token.count(":") == 7)
    return "<ip>" if is_ip else token


def _mask_b64_token(match: re.Match[str]) -> str:
    token = match.group(0)
    has_digit = any(ch.isdigit() for ch in token)
    has_alpha = any(ch.isalpha() for ch in token)
    return "<token>" if has_digit and has_alpha else token


def normalize_text(text: str) -> str:
    """First line of `text` with variable parts (ids, numbers, dates, ...) replaced."""
    return _normalize_line(text.strip().split("\n", 1)[0].strip()[:MAX_NORMALIZE_LENGTH])


# Events of one problem repeat their messages, and the masks are a dozen regex passes; the
# cache is bounded (entries of at most MAX_NORMALIZE_LENGTH characters).
@lru_cache(maxsize=4096)
def _normalize_line(line: str) -> str:
    return normalize_line(line)


def normalize_line(line: str) -> str:
    """One line with its variable parts masked (not memoized: callers cache what they repeat)."""
    for pattern, placeholder in _MASKS:
        line = pattern.sub(placeholder, line)
    line = _IPV6_RE.sub(_mask_ipv6, line)
    line = _HEX_TOKEN_RE.sub(_mask_hex_token, line)
    line = _B64_TOKEN_RE.sub(_mask_b64_token, line)
    line = _FLOAT_RE.sub("<float>", line)
    return _INT_RE.sub("<int>", line)
