"""The real sentry-cli (2.58.6 and 3.8.2) against a live server: auth check, releases,
deploys, source maps (debug-ID artifact bundles through chunk upload + assemble on both
versions; 2.x's legacy `releases files` commands), and what it made shows on the project's
releases page. Every Web API path the binaries requested is one the OpenAPI schema names.
"""

import re
import shutil
import uuid

import pytest
import requests

from tests.live import LiveStack
from tests.sentry_cli import binary, run_cli, ui_session
from tests.shared import SDK_CAPTURES_DIR

pytestmark = pytest.mark.live

TEAM = "CLI Team"
ORG = "cli-team"
ARTIFACTS = SDK_CAPTURES_DIR / "browser_minified" / "artifacts"


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    """A stack of this module's own, with gunicorn's access log on: the paths sentry-cli
    requested are read from it (request lines only: no header, so no token, is logged)."""
    workdir = tmp_path_factory.mktemp("cli-live")
    stack = LiveStack(
        "embedded", workdir, extra_env={"GUNICORN_ACCESS_LOG": str(workdir / "access.log")}
    )
    stack.start()
    yield stack
    stack.stop()


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


def _bundle_files(live_stack, project_id: int) -> list[tuple]:
    return live_stack.sql(
        "SELECT f.name, f.debug_id, f.release, b.id FROM sourcemaps_sourcefile f "
        "JOIN sourcemaps_artifactbundle b ON b.id = f.bundle_id WHERE f.project_id = %s",
        (project_id,),
    )


def _artifacts(tmp_path):
    folder = tmp_path / "dist"
    folder.mkdir()
    for name in ("app.min.js", "app.min.js.map"):
        shutil.copy(ARTIFACTS / name, folder / name)
    return folder


def test_sourcemaps_inject_and_upload_debug_id_bundles(live_stack, cli_account, cli, tmp_path):
    major, path = cli
    username, password, token = cli_account
    project_id, slug = _project(live_stack, major)
    folder = _artifacts(tmp_path)
    version = f"webshop@2.{major}.0"

    _ok(run_cli(path, live_stack.base_url, token, "sourcemaps", "inject", str(folder)))
    injected = (folder / "app.min.js").read_text()
    debug_id = re.search(r"debugId=([0-9a-f-]{36})", injected).group(1)
    out = _ok(
        run_cli(
            path, live_stack.base_url, token, "sourcemaps", "upload", "--org", ORG,
            "--project", slug, "--release", version, str(folder),
        )
    )  # fmt: skip
    assert "artifact bundle" in out.lower() or "processing complete" in out.lower(), out
    files = _bundle_files(live_stack, project_id)
    names = {row[0] for row in files}
    assert {"~/app.min.js", "~/app.min.js.map"} <= names
    assert {row[1] for row in files} == {debug_id}
    assert {row[2] for row in files} == {version}

    # Uploading the same bundle again: the chunks are known, nothing is stored twice.
    _ok(
        run_cli(
            path, live_stack.base_url, token, "sourcemaps", "upload", "--org", ORG,
            "--project", slug, "--release", version, str(folder),
        )
    )  # fmt: skip
    assert len({row[3] for row in _bundle_files(live_stack, project_id)}) == 1

    page = ui_session(live_stack.base_url, username, password).get(
        f"{live_stack.base_url}/projects/{project_id}/releases/", timeout=30
    )
    assert version in page.text and "app.min.js.map" in page.text


def test_legacy_release_files_of_sentry_cli_2(live_stack, cli_account, tmp_path):
    path = binary("2")
    username, password, token = cli_account
    project_id, slug = _project(live_stack, "2")
    folder = _artifacts(tmp_path)
    version = "webshop@3.0.0"
    files = ["releases", "--org", ORG, "--project", slug, "files", version]

    _ok(run_cli(path, live_stack.base_url, token, "releases", "--org", ORG, "--project", slug,
                "new", version))  # fmt: skip
    _ok(run_cli(path, live_stack.base_url, token, *files, "upload-sourcemaps", str(folder)))
    stored = live_stack.sql(
        "SELECT name, release FROM sourcemaps_sourcefile WHERE project_id = %s", (project_id,)
    )
    assert ("~/app.min.js.map", version) in stored

    # One file by hand, then listed and deleted through the release `files` endpoints.
    _ok(run_cli(path, live_stack.base_url, token, *files, "upload",
                str(ARTIFACTS / "app.js"), "~/src/app.js"))  # fmt: skip
    listed = _ok(run_cli(path, live_stack.base_url, token, *files, "list"))
    assert "~/src/app.js" in listed
    _ok(run_cli(path, live_stack.base_url, token, *files, "delete", "~/src/app.js"))
    assert "~/src/app.js" not in _ok(run_cli(path, live_stack.base_url, token, *files, "list"))

    page = ui_session(live_stack.base_url, username, password).get(
        f"{live_stack.base_url}/projects/{project_id}/releases/", timeout=30
    )
    assert version in page.text and "app.min.js.map" in page.text


def test_sourcemaps_upload_by_debug_id_alone(live_stack, cli_account, tmp_path):
    """sentry-cli 3.x's usual path: no release at all, the debug IDs tie maps to events."""
    path = binary("3")
    username, password, token = cli_account
    project_id, slug = _project(live_stack, "3")
    folder = _artifacts(tmp_path)
    _ok(run_cli(path, live_stack.base_url, token, "sourcemaps", "inject", str(folder)))
    _ok(
        run_cli(
            path, live_stack.base_url, token, "sourcemaps", "upload", "--org", ORG,
            "--project", slug, str(folder),
        )
    )  # fmt: skip
    files = _bundle_files(live_stack, project_id)
    assert {row[0] for row in files} >= {"~/app.min.js", "~/app.min.js.map"}
    assert {row[2] for row in files} == {""} and all(row[1] for row in files)
    page = ui_session(live_stack.base_url, username, password).get(
        f"{live_stack.base_url}/projects/{project_id}/releases/", timeout=30
    )
    assert "Source maps without a release" in page.text and "app.min.js.map" in page.text


def test_every_path_sentry_cli_requested_is_in_the_schema(live_stack, cli_account):
    """Runs last in this module: the access log then holds every request of the tests above."""
    log = (live_stack.workdir / "access.log").read_text()
    schema = requests.get(f"{live_stack.base_url}/api/0/openapi.json", timeout=30).json()
    patterns = [
        re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$")
        for p in schema["paths"]
    ]
    requested = set(re.findall(r'"(?:GET|POST|PUT|DELETE) (/api/0/[^ ?]*)', log))
    assert requested
    unknown = [p for p in requested if not any(pattern.match(p) for pattern in patterns)]
    assert not unknown
    assert cli_account[2] not in log
