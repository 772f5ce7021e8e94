"""Only `/api/<id>/store|envelope|security/` reach the ingest app; the rest of /api/ (the Web
API under /api/0/, /api/embed/...) is the Django site. Both sides, through the real ASGI app."""

import asyncio

import httpx
import pytest

from bugsink.asgi import application, is_ingest_path
from ingest.group_commit import committer


@pytest.mark.parametrize(
    "path",
    ["/api/1/envelope/", "/api/1/store/", "/api/42/security/", "/api/1/envelope",
     "/api/123456789012345678/store/", "/api/1/cron/nightly/0123456789abcdef0123456789abcdef/"],
)  # fmt: skip
def test_ingest_paths(path):
    assert is_ingest_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "/api/0/", "/api/0/organizations/", "/api/0/projects/team/app/releases/",
        "/api/0/organizations/team/chunk-upload/", "/api/embed/error-page/", "/api/",
        "/api/1/", "/api/1/envelope/x", "/api/1/minidump/", "/api/x/store/",
        "/api/１/store/", "/api//store/", "/apis/1/store/", "/", "/projects/1/issues/",
        "/api/0/openapi.json", "/api/1/cron/",
    ],
)  # fmt: skip
def test_everything_else_goes_to_django(path):
    assert not is_ingest_path(path)


def _get(path: str) -> httpx.Response:
    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.get(path)
        finally:
            await committer.close()

    return asyncio.run(get())


def test_ingest_endpoint_is_answered_by_the_ingest_app():
    response = _get("/api/1/envelope/")
    # The ingest app's own answer: only POST, with Sentry's error header.
    assert response.status_code == 405 and "X-Sentry-Error" in response.headers


# The site's middleware reads the database (status page host names).
@pytest.mark.django_db(transaction=True)
def test_web_api_is_answered_by_django():
    response = _get("/api/0/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "X-Sentry-Error" not in response.headers


# The site's middleware reads the database (status page host names).
@pytest.mark.django_db(transaction=True)
def test_embed_paths_are_django_pages():
    # The crash-report dialog's endpoint (events/embed_views.py) refuses a request without a DSN.
    response = _get("/api/embed/error-page/")
    assert response.status_code == 400 and "X-Sentry-Error" not in response.headers
    assert "Content-Security-Policy" in response.headers  # Django's middleware answered
