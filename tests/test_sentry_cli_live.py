"""The real sentry-cli (2.58.6 and 3.8.2) against a live server: auth check, releases,
deploys, and what it made shows on the project's releases page."""

import uuid

import pytest

from tests.sentry_cli import binary, run_cli, ui_session

pytestmark = pytest.mark.live

TEAM = "CLI Team"
ORG = "cli-team"


@pytest.fixture(scope="module")
def cli_account(live_stack):
    username, password = f"cli-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    live_stack.manage(
        "createuser", username, password, "--team", TEAM, "--email", f"{username}@example.com"
    )
    token = live_stack.manage(
        "createtoken", username, "--scope", "project:releases", "--scope", "org:read",
        "--scope", "project:read", "--comment", "sentry-cli acceptance",
    ).strip()  # fmt: skip
    return username, password, token


@pytest.fixture(params=["2", "3"], ids=["sentry-cli-2", "sentry-cli-3"])
def cli(request):
    return request.param, binary(request.param)


def _project(live_stack, major: str) -> tuple[int, str]:
    slug = f"webshop-v{major}-{uuid.uuid4().hex[:4]}"
    project_id, _ = live_stack.create_project(slug, team=TEAM)
    return project_id, slug


def _ok(result) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_info_checks_the_token(live_stack, cli_account, cli, tmp_path):
    major, path = cli
    username, _, token = cli_account
    out = _ok(run_cli(path, live_stack.base_url, token, "info", "--no-defaults", cwd=tmp_path))
    assert f"{username}@example.com" in out
    project_id, slug = _project(live_stack, major)
    out = _ok(
        run_cli(
            path, live_stack.base_url, token, "info", cwd=tmp_path,
            SENTRY_ORG=ORG, SENTRY_PROJECT=slug,
        )
    )  # fmt: skip
    assert ORG in out and slug in out

    bad = run_cli(path, live_stack.base_url, "sntryu_" + "0" * 64, "info", "--no-defaults")
    assert bad.returncode != 0
    assert live_stack.log("web.log").count(token) == 0


def test_release_new_finalize_and_deploy(live_stack, cli_account, cli, tmp_path):
    major, path = cli
    username, password, token = cli_account
    project_id, slug = _project(live_stack, major)
    version = f"webshop@1.{major}.0"
    scope = ["--org", ORG, "--project", slug]

    _ok(run_cli(path, live_stack.base_url, token, "releases", *scope, "new", version, cwd=tmp_path))
    _ok(run_cli(path, live_stack.base_url, token, "releases", *scope, "finalize", version))
    if major == "2":
        deploy = ["releases", "--org", ORG, "deploys", version, "new", "-e", "production"]
    else:
        deploy = ["deploys", "--org", ORG, "--release", version, "new", "-e", "production"]
    _ok(run_cli(path, live_stack.base_url, token, *deploy, "-n", "blue", cwd=tmp_path))
    listed = _ok(run_cli(path, live_stack.base_url, token, "releases", *scope, "list"))
    assert version in listed

    rows = live_stack.sql(
        "SELECT version, date_released FROM issues_release WHERE project_id = %s", (project_id,)
    )
    assert [r[0] for r in rows] == [version] and rows[0][1] is not None
    page = ui_session(live_stack.base_url, username, password).get(
        f"{live_stack.base_url}/projects/{project_id}/releases/", timeout=30
    )
    assert page.status_code == 200
    assert version in page.text and "production" in page.text and "blue" in page.text
