"""The suite runs on a clone of the repository alone.

The SDK captures are part of the repository; the third-party events are not (they may not be
redistributed), so the checks that read them are opt-in: collected with a shared folder
($SHARED_DIR, or ../shared beside the repository), deselected without one.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared import REPO_ROOT, SDK_CAPTURES_DIR, SHARED_DIR, repository_files

# A copy of the repository collects its whole suite in well under a minute, even on a busy box.
TIMEOUT = 300
# Only tests/shared.py may know where the shared folder is; everything else asks it.
SHARED_PATH_PATTERN = re.compile(r"""\.\./shared|/work/shared|["']shared["']|SHARED_DIR\b""")


def test_sdk_captures_are_inside_the_repository():
    assert SDK_CAPTURES_DIR.resolve().is_relative_to(REPO_ROOT)
    captures = sorted(SDK_CAPTURES_DIR.glob("*/*.meta.json"))
    assert len(captures) > 100
    assert all(capture.with_name(capture.name[:4] + ".body").is_file() for capture in captures)


def test_browser_captures_keep_their_artifacts():
    browser = sorted(SDK_CAPTURES_DIR.glob("browser_*"))
    assert len(browser) >= 5
    for scenario in browser:
        assert (scenario / "artifacts" / f"{scenario.name}.html").is_file(), scenario.name
    for scenario in ("browser_minified", "browser_minified_debugid"):
        artifacts = SDK_CAPTURES_DIR / scenario / "artifacts"
        for name in ("app.js", "app.min.js", "app.min.js.map", "sentry-entry.js"):
            assert (artifacts / name).stat().st_size > 0, f"{scenario}/{name}"


def test_only_tests_shared_knows_where_the_shared_folder_is():
    allowed = {REPO_ROOT / "tests" / "shared.py", Path(__file__).resolve()}
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in repository_files()
        if path.suffix == ".py"
        and path not in allowed
        and SHARED_PATH_PATTERN.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.fixture(scope="module")
def lone_copy(tmp_path_factory) -> Path:
    """The repository's files copied to a folder with no `shared` beside it."""
    root = tmp_path_factory.mktemp("lone") / "repo"
    for path in repository_files():
        target = root / path.relative_to(REPO_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    assert not (root.parent / "shared").exists()
    return root


def run_in(copy: Path, shared_dir: Path | None, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BUGSINK_DATA_DIR": str(copy / "data")}
    env.pop("SHARED_DIR", None)
    if shared_dir is not None:
        env["SHARED_DIR"] = str(shared_dir)
    return subprocess.run(
        [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


def collect(copy: Path, shared_dir: Path | None) -> tuple[list[str], str]:
    """Test ids a copy collects for `-m "not live"`, and pytest's last line."""
    result = run_in(
        copy, shared_dir, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
        "-m", "not live",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    return [line for line in lines if "::" in line], lines[-1]


def test_a_lone_copy_collects_only_its_own_checks(lone_copy):
    status = run_in(lone_copy, None, "-m", "tests.shared")
    assert status.stdout == "third-party checks: not run (no SHARED_DIR or ../shared)\n"
    ids, summary = collect(lone_copy, None)
    assert len(ids) > 500, summary
    assert "error" not in summary, summary
    assert "issues/tests/test_grouping.py::test_frameless_exception_group_parent_is_skipped" in ids
    # Every check named for third-party material is marked, so none is left in.
    assert [test_id for test_id in ids if "third_party" in test_id] == []
    assert [test_id for test_id in ids if "getsentry__sentry" in test_id] == []


@pytest.mark.third_party
def test_a_lone_copy_runs_the_third_party_checks_given_shared_dir(lone_copy):
    status = run_in(lone_copy, SHARED_DIR, "-m", "tests.shared")
    assert status.stdout == f"third-party checks: running from {SHARED_DIR}\n"
    ids, _ = collect(lone_copy, SHARED_DIR)
    assert "issues/tests/test_grouping.py::test_third_party_custom_fingerprints" in ids
    assert sum("getsentry__sentry" in test_id for test_id in ids) > 100
