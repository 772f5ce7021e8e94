"""A real RecursionError captured by the real sentry-sdk, as an application would send it.

sentry-sdk 2.x sends every frame of the stack with its source lines and locals: 1,000 frames
of a function with a 12 KB local come to about 12.6 MB of event JSON (the size of the report
in issue 11), far over the 1 MiB event limit.
"""

import subprocess
import sys
from pathlib import Path

# For tests/sdk.py's run_sdk (which provides `sentry_sdk` and the `events` list).
RECURSION_BODY = """
def recurse(depth, payload):
    return recurse(depth + 1, payload)

try:
    recurse(0, "x" * 12000)
except RecursionError:
    events.append(sentry_sdk.capture_exception())
"""

_CAPTURE_SCRIPT = """
import sys
import sentry_sdk
from sentry_sdk.transport import Transport

class Keep(Transport):
    def capture_envelope(self, envelope):
        with open(sys.argv[1], "wb") as f:
            f.write(envelope.serialize())

events = []
sentry_sdk.init(dsn="http://{key}@127.0.0.1:9/1", transport=Keep, default_integrations=False)
{body}
sentry_sdk.flush()
"""


def capture_recursion_envelope(path: Path) -> bytes:
    """The envelope (uncompressed) that sentry-sdk makes for a RecursionError."""
    script = _CAPTURE_SCRIPT.format(key="0" * 32, body=RECURSION_BODY)
    subprocess.run(
        [sys.executable, "-c", script, str(path)], check=True, capture_output=True, timeout=120
    )
    return path.read_bytes()
