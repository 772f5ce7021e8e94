"""Running the real sentry-sdk, the way an application does, in a separate process."""

import json
import subprocess
import sys
import textwrap

PRELUDE = """
import json, sys
import sentry_sdk
events = []
sentry_sdk.init(dsn=DSN, release=RELEASE, environment="test", default_integrations=False,
                integrations=[], **INIT_OPTIONS)
"""

EPILOGUE = """
sentry_sdk.flush(timeout=20)
print(json.dumps(events))
"""


def run_sdk(dsn: str, body: str, *, release: str = "app@1.0.0", **init_options) -> list[str]:
    """Run `body` after sentry_sdk.init(dsn); it appends captured event ids to `events`."""
    script = (
        f"DSN = {dsn!r}\nRELEASE = {release!r}\nINIT_OPTIONS = {init_options!r}\n"
        + PRELUDE
        + textwrap.dedent(body)
        + EPILOGUE
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"SDK script failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])
