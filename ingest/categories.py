"""Data categories: what each envelope item counts as, which are stored, and which are refused.

The names are the rate-limit categories of Sentry's protocol, which SDKs read in the
`X-Sentry-Rate-Limits` header (`retry_after:categories:scope:reason_code`) to hold back
items of those categories.

- Stored: error, default and security (events), attachment, feedback (the `feedback` item and
  the legacy `user_report`), monitor (check-ins) and internal (client reports, kept as counts).
- Refused: everything else this server does not keep (transactions and their spans, sessions,
  profiles, replays, logs, metrics). Such items are still answered 200 (a refusal would make
  the SDK retry the whole envelope), and the answer carries a rate limit naming their
  categories for NOT_STORED_RETRY_AFTER seconds, so SDKs stop sending them.
"""

# Item type -> category. An `event` item is an error (the `default` and `security` categories
# share its quota, as on Sentry; the security endpoint produces `security` events).
ITEM_CATEGORIES: dict[str, str] = {
    "event": "error",
    "attachment": "attachment",
    "user_report": "feedback",
    "feedback": "feedback",
    "check_in": "monitor",
    "client_report": "internal",
    "transaction": "transaction",
    "span": "span",
    "otel_span": "span",
    "session": "session",
    "sessions": "session",
    "profile": "profile",
    "profile_chunk": "profile_chunk",
    "replay_event": "replay",
    "replay_recording": "replay",
    "replay_video": "replay",
    "log": "log_item",
    "otel_log": "log_item",
    "trace_metric": "trace_metric",
    "statsd": "metric_bucket",
    "metric_buckets": "metric_bucket",
}

STORED = frozenset(
    {"error", "default", "security", "attachment", "feedback", "monitor", "internal"}
)

# Categories with a quota, and the quota they count against.
QUOTA_OF: dict[str, str] = {
    "error": "error",
    "default": "error",
    "security": "error",
    "attachment": "attachment",
    "feedback": "feedback",
    "monitor": "monitor",
}
# What a rate limit on a quota names in the header: every category that shares it.
QUOTA_CATEGORIES: dict[str, tuple[str, ...]] = {
    "error": ("error", "default", "security"),
    "attachment": ("attachment",),
    "feedback": ("feedback",),
    "monitor": ("monitor",),
}
# Extra categories to name when refusing one the SDK also counts apart (a transaction's spans).
_ALSO_NAMED = {"transaction": ("transaction", "span")}

NOT_STORED_RETRY_AFTER = 3600
UNKNOWN = "unknown"


def category_of(item_type: str) -> str:
    """The category of an item type; UNKNOWN for types this server has never heard of."""
    return ITEM_CATEGORIES.get(item_type, UNKNOWN)


def is_stored(category: str) -> bool:
    return category in STORED


def rate_limit_header(limits: dict[str, int], reason: str) -> list[str]:
    """`X-Sentry-Rate-Limits` groups: {category: seconds} -> ["60:error;default:project:r"]."""
    by_seconds: dict[int, list[str]] = {}
    for category, seconds in limits.items():
        named = QUOTA_CATEGORIES.get(category) or _ALSO_NAMED.get(category) or (category,)
        by_seconds.setdefault(seconds, []).extend(c for c in named if c != UNKNOWN)
    return [
        f"{seconds}:{';'.join(dict.fromkeys(categories))}:project:{reason}"
        for seconds, categories in sorted(by_seconds.items())
        if categories
    ]
