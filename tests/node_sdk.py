"""Running the real @sentry/node: installed with npm into a cache directory on first use."""

import os
import subprocess
from pathlib import Path

SENTRY_NODE_VERSION = "11.12.0"  # the version of the captures in tests/fixtures/sdk/
SCRIPTS = Path(__file__).parent / "sdk_node"


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "bugsink-tests" / f"sentry-node-{SENTRY_NODE_VERSION}"


def ensure_sentry_node() -> Path:
    """The node_modules folder holding @sentry/node, installing it when missing."""
    target = cache_dir()
    modules = target / "node_modules"
    if not (modules / "@sentry" / "node" / "package.json").exists():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(target),
             f"@sentry/node@{SENTRY_NODE_VERSION}"],
            check=True, timeout=600,
        )  # fmt: skip
    return modules


def run_node_script(name: str, dsn: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SENTRY_DSN": dsn, "NODE_PATH": str(ensure_sentry_node())}
    result = subprocess.run(
        ["node", str(SCRIPTS / name)], env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"node script {name} failed:\n{result.stderr}")
    return result
