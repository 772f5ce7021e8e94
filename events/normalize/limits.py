"""How much of an event normalization keeps: lengths, counts, depths and budgets."""

from __future__ import annotations

from datetime import timedelta

MAX_MESSAGE_LENGTH = 16 * 1024  # messages, exception values
MAX_IDENTIFIER_LENGTH = 1024  # release, logger, type, function, filename, ...
MAX_DATA_STRING_LENGTH = 4 * 1024  # strings inside free-form data (vars, extra, ...)
MAX_CONTEXT_LINE_LENGTH = 1024
MAX_CONTEXT_LINES = 20  # per side (pre_context / post_context)
MAX_FRAMES = 250
MAX_EXCEPTIONS = 50
MAX_THREADS = 100
MAX_BREADCRUMBS = 200
MAX_TAGS = 100
MAX_TAG_LENGTH = 200
MAX_HEADERS = 100
MAX_FINGERPRINT_PARTS = 32
MAX_DEPTH = 8
MAX_BREADTH = 200
MAX_ERRORS = 50
# Ceiling on the nodes / characters copied from one free-form value. Breadth and depth limits
# alone would still allow 200**8 nodes; these keep one field from dominating the stored event.
DATA_NODE_BUDGET = 10_000
DATA_CHAR_BUDGET = 512 * 1024
VARS_NODE_BUDGET = 1_000
VARS_CHAR_BUDGET = 64 * 1024

# An SDK clock slightly ahead of ours is normal; more than this and we trust our own clock.
MAX_CLOCK_SKEW = timedelta(minutes=1)

# What JSON numbers may hold in storage (orjson, PostgreSQL): larger ints are kept as text.
INT64_MIN = -(2**63)
UINT64_MAX = 2**64 - 1
