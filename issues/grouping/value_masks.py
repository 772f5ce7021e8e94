"""Exception values and messages made comparable for grouping v2: the whole text (not only its
first line), with URLs and SQL identifiers masked besides the masks of v1 (text_masks.py).

v1's `normalize_text` stays as it is (v1 never changes); v2 asks `mask_value`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from issues.grouping.text_masks import MAX_NORMALIZE_LENGTH, normalize_line

# A URL says where, not what: "GET https://api.example.com/orders/17 failed" is one problem
# whatever the host or path.
_URL_RE = re.compile(r"\b(?:[a-z][a-z0-9+.-]{1,15})://[^\s\"'<>]+", re.I)
# Database errors name the table, column or constraint in quotes ('relation "orders_17" does
# not exist', "Unknown column 'x_3' in 'field list'"); the quoted names vary with the query.
_SQL_IDENTIFIER_RE = re.compile(
    r"\b(relation|column|table|constraint|index|schema|database|sequence|key|field)"
    r"(\s+)([\"'`])[^\"'`\n]{1,128}\3",
    re.I,
)
_SQL_HINT_RE = re.compile(
    r"\b(?:relation|column|table|constraint|index|schema|sequence|sql|syntax error|"
    r"duplicate key|violates)\b",
    re.I,
)
_BLANKS_RE = re.compile(r"[ \t]+")


def mask_value(text: str) -> str:
    """`text`, stripped, up to MAX_NORMALIZE_LENGTH, every line with its variable parts masked."""
    return _mask(text.strip()[:MAX_NORMALIZE_LENGTH])


@lru_cache(maxsize=4096)
def _mask(text: str) -> str:
    text = _URL_RE.sub("<url>", text)
    if _SQL_HINT_RE.search(text):
        text = _SQL_IDENTIFIER_RE.sub(r"\1\2<identifier>", text)
    lines = [normalize_line(_BLANKS_RE.sub(" ", line).strip()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)
