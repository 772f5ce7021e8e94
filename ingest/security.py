"""Browser security reports (`/api/<project>/security/`) turned into events.

Browsers send these on their own once a site's policy names this endpoint:
- CSP level 2 `report-uri`: `application/csp-report`, `{"csp-report": {...}}`, one per request;
- the Reporting API (`report-to` / `Reporting-Endpoints`): `application/reports+json`, a list
  of `{"type": "csp-violation", "url", "user_agent", "body": {...}}`, batched;
- the older Expect-CT, Expect-Staple and HPKP reports (`{"expect-ct-report": {...}}`, ...).

Each report becomes one event of type `csp` (or `expectct`, `expectstaple`, `hpkp`) with the
report under the interface of that name, a title that says what was blocked ("Blocked 'script'
from 'evil.example'"), and an explicit fingerprint (kind, directive, blocked host), so every
grouping version groups reports of one directive and host together whatever else differs.
Reports of other Reporting API types (deprecation, intervention, ...) are not kept.
"""

import uuid
from typing import Any
from urllib.parse import urlsplit

import orjson

from .errors import BadRequest

MAX_REPORTS = 50  # per request: a browser's batch is a handful
MAX_FIELD = 2000

# Fields of a CSP report: level 2 (report-uri) name -> Reporting API name -> interface name.
_CSP_FIELDS = (
    ("document-uri", "documentURL", "document_uri"),
    ("blocked-uri", "blockedURL", "blocked_uri"),
    ("effective-directive", "effectiveDirective", "effective_directive"),
    ("violated-directive", None, "violated_directive"),
    ("original-policy", "originalPolicy", "original_policy"),
    ("disposition", "disposition", "disposition"),
    ("referrer", "referrer", "referrer"),
    ("source-file", "sourceFile", "source_file"),
    ("line-number", "lineNumber", "line_number"),
    ("column-number", "columnNumber", "column_number"),
    ("status-code", "statusCode", "status_code"),
    ("script-sample", "sample", "script_sample"),
)
# What a directive protects, in words for the title.
_DIRECTIVE_WORDS = {
    "child-src": "child", "connect-src": "connect", "default-src": "resource",
    "font-src": "font", "form-action": "form action", "frame-src": "frame", "img-src": "image",
    "manifest-src": "manifest", "media-src": "media", "object-src": "object",
    "prefetch-src": "prefetch", "script-src": "script", "style-src": "style",
    "worker-src": "worker", "frame-ancestors": "frame ancestor", "base-uri": "base URI",
    "trusted-types": "trusted type", "require-trusted-types-for": "trusted type",
}  # fmt: skip
_LEGACY_KINDS = {
    "expect-ct-report": ("expectct", "Expect-CT failed for"),
    "expect-staple-report": ("expectstaple", "Expect-Staple failed for"),
}


def security_events(data: bytes, user_agent: str) -> list[dict[str, Any]]:
    """The events of a security report body; BadRequest when it is not one."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise BadRequest(f"security report is not valid JSON: {e}", reason="bad_json") from e
    if isinstance(document, list):  # the Reporting API
        if len(document) > MAX_REPORTS:
            raise BadRequest(f"more than {MAX_REPORTS} reports in one request")
        return [
            _csp_event(
                report["body"], "reporting_api", _text(report.get("user_agent")) or user_agent
            )
            for report in document
            if isinstance(report, dict)
            and report.get("type") == "csp-violation"
            and isinstance(report.get("body"), dict)
        ]
    if not isinstance(document, dict):
        raise BadRequest("a security report must be a JSON object or a list of reports")
    if isinstance(document.get("csp-report"), dict):
        return [_csp_event(document["csp-report"], "level2", user_agent)]
    for key, (kind, words) in _LEGACY_KINDS.items():
        if isinstance(document.get(key), dict):
            return [_legacy_event(kind, words, document[key], user_agent)]
    if "known-pins" in document and "hostname" in document:
        return [_legacy_event("hpkp", "Public key pinning failed for", document, user_agent)]
    raise BadRequest(
        "not a security report: expected csp-report, a Reporting API list, expect-ct-report, "
        "expect-staple-report or an HPKP report",
    )


def _csp_event(report: dict, form: str, user_agent: str) -> dict[str, Any]:
    csp: dict[str, Any] = {}
    for level2, reporting, name in _CSP_FIELDS:
        key = level2 if form == "level2" else reporting
        value = report.get(key) if key else None
        if isinstance(value, str):
            csp[name] = value[:MAX_FIELD]
        elif isinstance(value, int) and not isinstance(value, bool):
            csp[name] = value
    directive = _directive(csp)
    csp["effective_directive"] = directive
    blocked = _blocked(csp.get("blocked_uri", ""))
    what = _DIRECTIVE_WORDS.get(directive.removesuffix("-elem").removesuffix("-attr"), directive)
    if blocked in ("inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink"):
        title = f"Blocked {blocked} '{what}'"
    else:
        title = f"Blocked '{what}' from '{blocked}'"
    document_uri = csp.get("document_uri", "")
    return _event(
        "csp",
        title,
        csp,
        fingerprint=["csp", directive, blocked],
        culprit=directive,
        url=document_uri,
        user_agent=user_agent,
        tags={"effective-directive": directive, "blocked-uri": blocked, "report-form": form},
    )


def _directive(csp: dict) -> str:
    directive = csp.get("effective_directive") or csp.get("violated_directive") or ""
    # Level 2 browsers may send the whole violated directive ("script-src 'self'").
    return directive.split(" ", 1)[0].strip().lower()[:100] or "unknown-directive"


def _blocked(uri: str) -> str:
    """The host a blocked URI names, or what a keyword URI stands for (inline, eval, data)."""
    uri = uri.strip()
    if not uri:
        return "self"
    if "://" not in uri:
        return uri.rstrip(":").lower()[:100]  # inline, eval, data, blob, self
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        host = None
    return (host or uri)[:100]


def _legacy_event(kind: str, words: str, report: dict, user_agent: str) -> dict[str, Any]:
    hostname = _text(report.get("hostname"))[:255] or "unknown host"
    interface = {k.replace("-", "_"): v for k, v in report.items() if isinstance(v, str | int)}
    return _event(
        kind,
        f"{words} '{hostname}'",
        {k: v[:MAX_FIELD] if isinstance(v, str) else v for k, v in interface.items()},
        fingerprint=[kind, hostname],
        culprit=hostname,
        url="",
        user_agent=user_agent,
        tags={"hostname": hostname},
    )


def _event(
    kind: str,
    title: str,
    interface: dict,
    *,
    fingerprint: list[str],
    culprit: str,
    url: str,
    user_agent: str,
    tags: dict[str, str],
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "type": kind,
        "platform": "javascript",
        "level": "error",
        "logger": "csp" if kind == "csp" else "security",
        "message": title,
        "transaction": culprit,
        kind: interface,
        "fingerprint": fingerprint,
        "tags": tags,
    }
    headers = {"User-Agent": user_agent[:MAX_FIELD]} if user_agent else {}
    if url or headers:
        event["request"] = {"url": url, "headers": headers}
    return event


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
