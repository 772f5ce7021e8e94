"""Where the read-only test material lives.

The SDK captures were recorded for this project and live in the repository
(tests/fixtures/sdk), so the suite passes on a clone by itself. The third-party events (Sentry's
grouping inputs, Bugsink's samples, ...) may not be redistributed: they stay in a "shared" folder
beside the repository, and the checks that read them (marked `third_party`) run only when that
folder is there: $SHARED_DIR if set, else ../shared next to the repository root.

`python -m tests.shared` prints whether the third-party checks run (./test shows it).
"""

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Each scenario is a folder of NNNN.meta.json / NNNN.body / NNNN.envelope.json / NNNN.event.json;
# the browser scenarios also have artifacts/ (page, minified bundle, source map, SDK bundle).
SDK_CAPTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "sdk"


def _shared_dir() -> Path | None:
    configured = os.environ.get("SHARED_DIR", "")
    if configured:
        # Asked for explicitly: the checks run, and fail loudly if the folder is not right.
        return Path(configured).resolve()
    sibling = REPO_ROOT.parent / "shared"
    return sibling.resolve() if sibling.is_dir() else None


SHARED_DIR: Path | None = _shared_dir()


def _sentry_grouping_dir() -> Path | None:
    configured = os.environ.get("SENTRY_GROUPING_DIR", "")
    return Path(configured).resolve() if configured else None


# Sentry's grouping inputs and snapshots, copied by hand from a checkout of getsentry/sentry
# (never committed here): `grouping_inputs/*.json` and `snapshots/*.pysnap`. The comparison with
# Sentry (issues/tests/test_grouping_sentry.py, marked `sentry_grouping`) runs only when set.
SENTRY_GROUPING_DIR: Path | None = _sentry_grouping_dir()
THIRD_PARTY_DIR: Path | None = SHARED_DIR / "fixtures" / "third-party" if SHARED_DIR else None


def repository_files() -> list[Path]:
    """What a clone of the repository would hold: tracked files plus new, not ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    paths = (REPO_ROOT / name for name in listed.split("\0") if name)
    return [path for path in paths if path.is_file()]  # minus files deleted but not committed


def third_party_events() -> list[Path]:
    """Every third-party event file, or none when the third-party checks are not run."""
    return sorted(THIRD_PARTY_DIR.rglob("*.json")) if THIRD_PARTY_DIR else []


def event_file_params() -> list:
    """pytest parameters for every SDK-captured event file, then every third-party one.

    The third-party ones carry the `third_party` marker, so they are deselected with the
    shared folder absent; ids read "<scenario or source folder>/<file name>".
    """
    import pytest

    sdk = sorted(SDK_CAPTURES_DIR.rglob("*.event.json"))
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.name}", marks=marks)
        for paths, marks in ((sdk, ()), (third_party_events(), pytest.mark.third_party))
        for path in paths
    ]


def third_party_status() -> str:
    if SHARED_DIR is None:
        return "third-party checks: not run (no SHARED_DIR or ../shared)"
    return f"third-party checks: running from {SHARED_DIR}"


if __name__ == "__main__":
    print(third_party_status())
