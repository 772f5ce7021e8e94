"""Running one HTTP(S) or TCP check and judging it: severity, status, timings, cause.

Connections go only to addresses the SSRF guard of the webhooks checked (alerts.outbound): the
name is resolved once, every address must be public unless private targets are allowed, and the
socket connects to a checked address. TLS certificates are verified (system CAs plus
MONITOR_CA_BUNDLE); an untrusted or expired certificate is critical, one expiring within the
monitor's warning days is a warning.
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from alerts.outbound import WebhookFailed, WebhookRefused, resolve_target

from .spec import CheckSpec, parse_status_ranges

MAX_BODY_BYTES = 1024 * 1024  # read for keyword checks; the rest is not downloaded
USER_AGENT = "bugsink-monitor/1"
SEVERITY_ORDER = {"ok": 0, "warning": 1, "critical": 2}


@dataclass
class Outcome:
    severity: str = "ok"
    status_code: int | None = None
    response_ms: int | None = None
    causes: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def flag(self, severity: str, cause: str) -> None:
        if SEVERITY_ORDER[severity] > SEVERITY_ORDER[self.severity]:
            self.severity = severity
        self.causes.append(cause)

    @property
    def error(self) -> str:
        return "; ".join(self.causes)[:500]

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "status_code": self.status_code,
            "response_ms": self.response_ms,
            "error": self.error,
            "context": self.context,
        }


class ProbeRefused(Exception):
    """The target is not allowed (private address with MONITOR_ALLOW_PRIVATE off)."""


def run_probe(spec: CheckSpec, *, allow_private: bool, ca_bundle: str = "") -> Outcome:
    try:
        if spec.kind == "tcp":
            return _tcp(spec, allow_private)
        return _http(spec, allow_private, ca_bundle)
    except ProbeRefused as exc:
        outcome = Outcome()
        outcome.flag("critical", str(exc))
        return outcome


def _addresses(host: str, port: int, ip_version: str, allow_private: bool) -> tuple[str, ...]:
    # The webhooks' guard, given a URL of the same host and port.
    try:
        target = resolve_target(f"http://{_bracket(host)}:{port}/", allow_private=allow_private)
    except WebhookRefused as exc:
        # The guard's own hint names the webhooks' setting: say which one monitors use.
        reason = str(exc).split("; set ALERT_WEBHOOK_ALLOW_PRIVATE")[0]
        raise ProbeRefused(f"{reason}; private targets need MONITOR_ALLOW_PRIVATE=true") from exc
    except WebhookFailed as exc:
        raise ProbeRefused(str(exc)) from exc
    addresses = target.addresses
    if ip_version == "4":
        addresses = tuple(a for a in addresses if ":" not in a)
    elif ip_version == "6":
        addresses = tuple(a for a in addresses if ":" in a)
    if not addresses:
        raise ProbeRefused(f"{host} has no IPv{ip_version} address")
    return addresses


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _connect(addresses: tuple[str, ...], port: int, timeout: float) -> socket.socket:
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


def _tcp(spec: CheckSpec, allow_private: bool) -> Outcome:
    outcome = Outcome()
    raw = spec.url.strip()
    if "//" not in raw:
        raw = "tcp://" + raw
    parts = urlsplit(raw)
    if not parts.hostname or not parts.port:
        outcome.flag("critical", "the target must be host:port")
        return outcome
    addresses = _addresses(parts.hostname, parts.port, spec.ip_version, allow_private)
    started = time.perf_counter()
    try:
        _connect(addresses, parts.port, spec.timeout_seconds).close()
    except TimeoutError:
        outcome.flag("critical", f"timeout after {spec.timeout_seconds:g}s")
        return outcome
    except OSError as exc:
        outcome.flag("critical", f"connection failed: {exc}")
        return outcome
    outcome.response_ms = round((time.perf_counter() - started) * 1000)
    _judge_response_time(spec, outcome)
    return outcome


def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


class _Connection(http.client.HTTPConnection):
    """Connects to a checked address; for https, wraps the socket and records the timings."""

    def __init__(self, spec_host, port, addresses, timeout, tls: ssl.SSLContext | None):
        super().__init__(spec_host, port, timeout=timeout)
        self._addresses = addresses
        self._tls = tls
        self.timings: dict[str, int] = {}
        self.peer_cert: dict | None = None

    def connect(self) -> None:
        started = time.perf_counter()
        sock = _connect(self._addresses, self.port, self.timeout)
        self.timings["connect_ms"] = round((time.perf_counter() - started) * 1000)
        if self._tls is not None:
            started = time.perf_counter()
            sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            self.timings["tls_ms"] = round((time.perf_counter() - started) * 1000)
            self.peer_cert = sock.getpeercert()
        self.sock = sock


def _http(spec: CheckSpec, allow_private: bool, ca_bundle: str) -> Outcome:
    outcome = Outcome()
    parts = urlsplit(spec.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        outcome.flag("critical", "only http and https URLs can be checked")
        return outcome
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _addresses(parts.hostname, port, spec.ip_version, allow_private)
    tls = _tls_context(ca_bundle) if parts.scheme == "https" else None
    connection = _Connection(parts.hostname, port, addresses, spec.timeout_seconds, tls)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, **spec.headers}
    started = time.perf_counter()
    try:
        connection.request(spec.method, path, body=spec.body.encode() or None, headers=headers)
        response = connection.getresponse()
        outcome.context["ttfb_ms"] = round((time.perf_counter() - started) * 1000)
        body = response.read(MAX_BODY_BYTES)
    except ssl.SSLCertVerificationError as exc:
        outcome.flag("critical", f"certificate not trusted: {exc.verify_message or exc}")
        return outcome
    except TimeoutError:
        outcome.flag("critical", f"timeout after {spec.timeout_seconds:g}s")
        return outcome
    except (OSError, http.client.HTTPException) as exc:
        outcome.flag("critical", f"{type(exc).__name__}: {exc}"[:300])
        return outcome
    finally:
        connection.close()
    outcome.response_ms = round((time.perf_counter() - started) * 1000)
    outcome.status_code = response.status
    outcome.context.update(connection.timings)
    _judge_status(spec, outcome)
    _judge_body(spec, outcome, body.decode("utf-8", "replace"))
    _judge_response_time(spec, outcome)
    if connection.peer_cert:
        _judge_certificate(spec, outcome, connection.peer_cert)
    return outcome


def _judge_status(spec: CheckSpec, outcome: Outcome) -> None:
    try:
        ranges = parse_status_ranges(spec.expected_status)
    except ValueError:
        ranges = [(200, 299)]
    code = outcome.status_code or 0
    if not any(low <= code <= high for low, high in ranges):
        outcome.flag("critical", f"HTTP {code} (expected {spec.expected_status})")


def _judge_body(spec: CheckSpec, outcome: Outcome, text: str) -> None:
    if spec.body_contains and spec.body_contains not in text:
        outcome.flag("critical", f"body does not contain {spec.body_contains!r}")
    if spec.body_not_contains and spec.body_not_contains in text:
        outcome.flag("critical", f"body contains {spec.body_not_contains!r}")


def _judge_response_time(spec: CheckSpec, outcome: Outcome) -> None:
    ms = outcome.response_ms or 0
    if spec.response_critical_ms and ms >= spec.response_critical_ms:
        outcome.flag("critical", f"response took {ms} ms (critical at {spec.response_critical_ms})")
    elif spec.response_warning_ms and ms >= spec.response_warning_ms:
        outcome.flag("warning", f"response took {ms} ms (warning at {spec.response_warning_ms})")


def _judge_certificate(spec: CheckSpec, outcome: Outcome, cert: dict) -> None:
    not_after = cert.get("notAfter")
    if not not_after:
        return
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
    days_left = (expires - datetime.now(UTC)).total_seconds() / 86400
    outcome.context["cert_expires_at"] = expires.isoformat()
    outcome.context["cert_days_left"] = round(days_left, 2)
    if days_left <= 0:
        outcome.flag("critical", "certificate expired")
    elif days_left <= spec.cert_warning_days:
        outcome.context["cert_expiring"] = True
        outcome.flag("warning", f"certificate expires in {days_left:.1f} days")
