"""Send one real event with sentry-sdk and say what the server answered.

The SDK sends from a background thread and only logs failures, so "the event was captured"
says nothing about the server. The command uses the SDK's own HTTP transport, noting the answer
to each request it makes, and reports success only for a 2xx from the server.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
import sentry_sdk
from django.core.management.base import BaseCommand, CommandError, CommandParser
from sentry_sdk.consts import EndpointType
from sentry_sdk.transport import HttpTransport
from sentry_sdk.utils import BadDsn, Dsn
from urllib3 import BaseHTTPResponse

from projects.lookup import find_project


@dataclass
class Outcome:
    status: int | None  # None: no HTTP answer at all
    detail: str


class RecordingTransport(HttpTransport):
    """sentry-sdk's HTTP transport, keeping what became of each request it sent."""

    def __init__(self, options: dict) -> None:
        super().__init__(options)
        self.outcomes: list[Outcome] = []

    def _request(
        self, method: str, endpoint_type: EndpointType, body: bytes, headers: Mapping[str, str]
    ) -> BaseHTTPResponse:
        # The one place every request of the transport goes through (sentry-sdk 2.x, pinned).
        try:
            response = super()._request(method, endpoint_type, body, headers)
        except Exception as e:
            self.outcomes.append(Outcome(None, connection_problem(e)))
            raise  # the SDK records the loss as usual
        self.outcomes.append(Outcome(response.status, response_detail(response.data)))
        return response


def connection_problem(error: BaseException) -> str:
    """The root cause of a failed request in a few words ("Connection refused")."""
    while True:
        inner = getattr(error, "reason", None) or error.__cause__ or error.__context__
        if not isinstance(inner, BaseException):
            break
        error = inner
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def response_detail(body: bytes | None) -> str:
    """Our servers answer {"detail": ...}; anything else is shown as a short text."""
    if not body:
        return ""
    try:
        detail = orjson.loads(body).get("detail")
    except (orjson.JSONDecodeError, AttributeError):
        detail = None
    text = detail if isinstance(detail, str) else body[:200].decode("utf-8", "replace")
    return " ".join(text.split())


class Command(BaseCommand):
    help = "Send a real event with sentry-sdk to this server, to check the whole pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project id or slug")
        parser.add_argument("--dsn", help="send to this DSN instead of the project's first key")
        parser.add_argument(
            "--timeout", type=float, default=10, help="seconds to wait for the server's answer"
        )

    def handle(self, *args, project: str, dsn: str | None, timeout: float, **options) -> None:
        if dsn is None:
            key = find_project(project).keys.filter(is_active=True).first()
            if key is None:
                raise CommandError("the project has no active key")
            dsn = key.dsn()
        try:
            url = Dsn(dsn).to_auth().get_api_url()
        except BadDsn as e:
            raise CommandError(f"invalid DSN {dsn!r}: {e}") from None
        # The command reports the outcome in one line; urllib3's retry warnings would bury it.
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        # This process is a short-lived command, so the SDK's global init is what an app does.
        sentry_sdk.init(
            dsn=dsn, default_integrations=False, release="sendtestevent",
            transport=RecordingTransport,
        )  # fmt: skip
        try:
            raise RuntimeError("Test event sent by manage.py sendtestevent")
        except RuntimeError as e:
            event_id = sentry_sdk.capture_exception(e)
        sentry_sdk.flush(timeout=timeout)
        transport = sentry_sdk.get_client().transport
        outcomes = transport.outcomes if isinstance(transport, RecordingTransport) else []
        if event_id is None or not outcomes:
            raise CommandError(f"no answer from {url} within {timeout:g} s")
        outcome = outcomes[0]
        if outcome.status is None:
            raise CommandError(f"could not reach {url}: {outcome.detail}")
        if not 200 <= outcome.status < 300:
            detail = f": {outcome.detail}" if outcome.detail else ""
            raise CommandError(f"{url} answered {outcome.status}{detail}")
        self.stdout.write(f"sent event {event_id} to {dsn} (the server answered {outcome.status})")
