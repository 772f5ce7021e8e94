"""The OpenAPI schema validates (openapi-spec-validator) and names every path sentry-cli calls;
the docs page serves Swagger UI from our own static files (the CSP allows no CDN)."""

import re

import pytest
from openapi_spec_validator import validate

# The Web API paths sentry-cli 2.58.6 and 3.8.2 call for what we serve (auth check,
# organizations, projects, releases, deploys, chunk upload, assemble, release files, issues),
# as its src/api/mod.rs spells them.
SENTRY_CLI_PATHS = [
    "/api/0/",
    "/api/0/organizations/",
    "/api/0/organizations/{org}/projects/",
    "/api/0/organizations/{org}/releases/",
    "/api/0/organizations/{org}/releases/{version}/",
    "/api/0/organizations/{org}/releases/{version}/deploys/",
    "/api/0/organizations/{org}/releases/{version}/assemble/",
    "/api/0/organizations/{org}/releases/{version}/files/",
    "/api/0/organizations/{org}/releases/{version}/files/{file_id}/",
    "/api/0/organizations/{org}/chunk-upload/",
    "/api/0/organizations/{org}/artifactbundle/assemble/",
    "/api/0/projects/{org}/{project}/releases/",
    "/api/0/projects/{org}/{project}/releases/{version}/",
    "/api/0/projects/{org}/{project}/releases/{version}/files/",
    "/api/0/projects/{org}/{project}/releases/{version}/files/{file_id}/",
    "/api/0/projects/{org}/{project}/issues/",
]


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get("/api/0/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_validates(schema):
    validate(schema)
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_sentry_cli_path_is_in_the_schema(schema):
    served = {_shape(p) for p in schema["paths"]}
    missing = [p for p in SENTRY_CLI_PATHS if _shape(p) not in served]
    assert not missing


def test_docs_page_uses_local_assets(client, db):
    response = client.get("/api/0/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
