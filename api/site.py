"""The Web API under /api/0/ (django-ninja): Sentry-compatible where Sentry has the endpoint.

Everything needs a token (api/auth.py). Errors answer `{"detail": "..."}` as Sentry's do, with
400 for a body or parameter that does not validate (Sentry's status, not ninja's 422).
"""

import logging

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from api.auth import BearerToken
from api.endpoints import events, general, issues, release_files, releases, uploads
from api.tokens import TokenRefused

logger = logging.getLogger("bugsink.api")

api = NinjaAPI(
    title="Bugsink Web API",
    version="0",
    description=(
        "Sentry-compatible Web API: what sentry-cli uses (releases, deploys, source map "
        "uploads) and Issues and events for scripts. Authenticate with "
        "`Authorization: Bearer <token>`; see docs/api.md."
    ),
    auth=BearerToken(),
    urls_namespace="api0",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    # The reason only, never the token: tokens stay out of every log line and answer.
    logger.info("API request refused (401): %s %s: %s", request.method, request.path, exc)
    response = api.create_response(request, {"detail": str(exc)}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
        for e in exc.errors[:10]
    )
    return api.create_response(request, {"detail": f"invalid request: {problems}"}, status=400)


for module in (general, releases, uploads, release_files, issues, events):
    api.add_router("", module.router)
