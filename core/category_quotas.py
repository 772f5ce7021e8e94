"""Reading INGEST_CATEGORY_QUOTAS ("attachment=1000/minute,feedback=50/hour").

Parsed once at startup by the settings (a bad value stops the server with a clear message
instead of failing requests) and again, cached, by ingest/quota.py.
"""

import functools

from django.core.exceptions import ImproperlyConfigured

CATEGORIES = ("error", "attachment", "feedback", "monitor")
GRANULARITIES = ("minute", "hour")


@functools.lru_cache(maxsize=8)
def parse_category_quotas(text: str) -> dict[str, dict[str, int]]:
    """ "attachment=1000/minute, feedback=50/hour" -> {"attachment": {"minute": 1000}, ...}."""
    quotas: dict[str, dict[str, int]] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        category, _, rest = entry.partition("=")
        number, _, granularity = rest.partition("/")
        category, granularity = category.strip(), granularity.strip()
        if category not in CATEGORIES or granularity not in GRANULARITIES:
            raise ImproperlyConfigured(
                f"INGEST_CATEGORY_QUOTAS: {entry!r} is not CATEGORY=N/minute or CATEGORY=N/hour "
                f"with CATEGORY one of {', '.join(CATEGORIES)}"
            )
        try:
            limit = int(number)
        except ValueError:
            raise ImproperlyConfigured(f"INGEST_CATEGORY_QUOTAS: {entry!r}: not a number") from None
        quotas.setdefault(category, {})[granularity] = max(limit, 0)
    return quotas
