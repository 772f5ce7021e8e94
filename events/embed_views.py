"""The crash-report dialog endpoint that the SDKs' `showReportDialog` calls.

    GET  /api/embed/error-page/?dsn=<DSN>&eventId=<id>[&name=..&email=..&title=..]
         -> JavaScript that shows the dialog in the calling page
    POST /api/embed/error-page/?dsn=<DSN>&eventId=<id>   (form: name, email, comments)
         -> {} once stored as UserFeedback; {"errors": {...}} with 400 otherwise

The SDK loads the script cross-origin (`crossorigin="anonymous"`) from the customer's site, and
the dialog posts back from there without credentials, so both answers allow any origin: the DSN
public key in the query is the credential, as it is for ingest. Nothing here uses the session,
so the POST needs no CSRF token. Everything a caller sends is bounded and reaches the page only
as JSON data that the script puts into the DOM as text.
"""

import logging
import uuid
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import orjson
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from events.models import UserFeedback
from projects.models import ProjectKey

logger = logging.getLogger("bugsink.embed")

# The dialog's texts: the options the SDK passes through, with our defaults.
DEFAULT_TEXTS = {
    "title": "It looks like we're having issues.",
    "subtitle": "Our team has been notified.",
    "subtitle2": "If you'd like to help, tell us what happened below.",
    "labelName": "Name",
    "labelEmail": "Email",
    "labelComments": "What happened?",
    "labelClose": "Close",
    "labelSubmit": "Submit crash report",
    "errorGeneric": "An unknown error occurred while submitting your report. Please try again.",
    "errorFormEntry": "Some fields were invalid. Please correct the errors and try again.",
    "successMessage": "Your feedback has been sent. Thank you!",
}
MAX_TEXT = 500  # per option shown in the dialog
MAX_NAME = 255
MAX_EMAIL = 255
MAX_COMMENTS = 10_000
MAX_POST_BYTES = 64 * 1024  # three form fields: far more than they can legitimately need
# Anyone with the page can post: reports per event are bounded, so a script cannot flood one.
MAX_REPORTS_PER_EVENT = 20


@cache
def _dialog_script() -> str:
    return (Path(__file__).parent / "embed" / "report_dialog.js").read_text()


class EmbedError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _event_id(request: HttpRequest) -> str:
    value = request.GET.get("eventId", "").replace("-", "").lower()
    if len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
        raise EmbedError(400, "eventId must be an event id (32 hexadecimal digits)")
    return value


def _project_id(request: HttpRequest) -> int:
    """The project the `dsn` parameter names, if its public key is an active key of it."""
    dsn = request.GET.get("dsn", "")
    if not dsn or len(dsn) > 1000:
        raise EmbedError(400, "a dsn parameter is required")
    try:
        parts = urlsplit(dsn)
        public_key = parts.username or ""
    except ValueError:
        raise EmbedError(400, "the dsn is not a valid DSN") from None
    project_part = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if not public_key or not project_part.isdigit() or len(project_part) > 18:
        raise EmbedError(400, "the dsn is not a valid DSN")
    key = (
        ProjectKey.objects.filter(public_key=public_key, project_id=int(project_part))
        .values_list("is_active", flat=True)
        .first()
    )
    if not key:  # unknown or revoked: the same answer, so keys cannot be probed
        raise EmbedError(403, "the DSN's key is not valid for this server")
    return int(project_part)


def _options(request: HttpRequest) -> dict[str, str]:
    options = {
        name: request.GET.get(name, default)[:MAX_TEXT] for name, default in DEFAULT_TEXTS.items()
    }
    options["name"] = request.GET.get("name", "")[:MAX_NAME]
    options["email"] = request.GET.get("email", "")[:MAX_EMAIL]
    # The dialog posts back to this endpoint, with the same dsn and eventId.
    query = urlencode({"dsn": request.GET["dsn"], "eventId": request.GET["eventId"]})
    options["endpoint"] = f"{request.build_absolute_uri(request.path)}?{query}"
    return options


def _script(options: dict[str, str]) -> str:
    # JSON is a JavaScript expression; `<`, `>` and `&` are escaped as well, so the script stays
    # inert text even if some page inlines it.
    data = orjson.dumps(options).decode()
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"{_dialog_script()}({data});\n"


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def error_page(request: HttpRequest) -> HttpResponse:
    try:
        if request.method == "GET":
            _event_id(request)  # checked, though the dialog only posts it back
            _project_id(request)
            script = _script(_options(request))
            return _cors(HttpResponse(script, content_type="text/javascript; charset=utf-8"))
        if request.method == "POST":
            return _cors(_store(request))
        if request.method == "OPTIONS":
            response = _cors(HttpResponse(status=200))
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "content-type"
            return response
        response = _cors(JsonResponse({"error": "only GET and POST"}, status=405))
        response["Allow"] = "GET, POST, OPTIONS"
        return response
    except EmbedError as exc:
        logger.info("error-page refused (%s): %s", exc.status, exc.message)
        if request.method == "GET":
            # The SDK loads this as a script: a comment keeps the page's console readable.
            body = f"/* {exc.message} */\n"
            return _cors(HttpResponse(body, status=exc.status, content_type="text/javascript"))
        return _cors(JsonResponse({"error": exc.message}, status=exc.status))


def _store(request: HttpRequest) -> HttpResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_POST_BYTES:
        raise EmbedError(413, f"the report is larger than {MAX_POST_BYTES} bytes")
    event_id = _event_id(request)
    project_id = _project_id(request)
    name = request.POST.get("name", "").strip()
    email = request.POST.get("email", "").strip()
    comments = request.POST.get("comments", "").strip()
    errors = {}
    if not comments:
        errors["comments"] = "Tell us what happened."
    elif len(comments) > MAX_COMMENTS:
        errors["comments"] = f"At most {MAX_COMMENTS} characters."
    if len(name) > MAX_NAME:
        errors["name"] = f"At most {MAX_NAME} characters."
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter a valid email address."
        if len(email) > MAX_EMAIL:
            errors["email"] = f"At most {MAX_EMAIL} characters."
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    stored = UserFeedback.objects.filter(project_id=project_id, event_id=event_id)
    if stored[:MAX_REPORTS_PER_EVENT].count() >= MAX_REPORTS_PER_EVENT:
        raise EmbedError(429, f"this event has {MAX_REPORTS_PER_EVENT} reports already")
    UserFeedback.objects.create(
        project_id=project_id,
        event_id=event_id,
        feedback_id=uuid.uuid4().hex,
        name=name,
        email=email,
        comments=comments,
        url=request.META.get("HTTP_REFERER", "")[:1000],
        received_at=timezone.now(),
    )
    return JsonResponse({})
