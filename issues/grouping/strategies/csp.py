"""Strategy `csp`: a Content-Security-Policy violation groups by directive and blocked host.

Every page of a site that loads a script from a host the policy forbids reports the same
violation, with a different document and often a different path on the host: the problem is the
(directive, host) pair. Keywords stand for themselves (``'unsafe-inline'`` for an inline script,
``'unsafe-eval'``, ``data:``, ``'self'`` for the page's own origin).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from events.normalize import NormalizedEvent
from issues.grouping.hashing import Component

_KEYWORDS = {
    "": "'self'",
    "self": "'self'",
    "inline": "'unsafe-inline'",
    "eval": "'unsafe-eval'",
    "wasm-eval": "'unsafe-eval'",
    "trusted-types-policy": "'trusted-types-policy'",
    "trusted-types-sink": "'trusted-types-sink'",
}
_LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome-extension", "moz-extension"})


def csp_directive(csp: dict) -> str:
    directive = csp.get("effective_directive") or csp.get("violated_directive") or ""
    return directive.split(" ", 1)[0].strip().lower() or "<no directive>"


def blocked_host(csp: dict) -> str:
    """The host of the blocked URI, or the keyword standing for a non-URL source."""
    blocked = (csp.get("blocked_uri") or "").strip().strip("'")
    keyword = _KEYWORDS.get(blocked.lower())
    if keyword:
        return keyword
    try:
        parts = urlsplit(blocked)
        host = parts.hostname
    except ValueError:
        return "<invalid uri>"
    scheme = parts.scheme.lower()
    if scheme in _LOCAL_SCHEMES:
        return f"{scheme}:"
    if host:
        return host
    return blocked.split("/", 1)[0].lower()[:100] or "'self'"


def csp_components(event: NormalizedEvent) -> list[Component]:
    if not event.csp:
        return []
    return [("csp directive", csp_directive(event.csp)), ("csp blocked", blocked_host(event.csp))]
