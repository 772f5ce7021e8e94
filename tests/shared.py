"""Where the shared, read-only test material lives (real SDK captures, third-party events)."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("SHARED_DIR", REPO_ROOT.parent / "shared"))
FIXTURES_DIR = SHARED_DIR / "fixtures"
# Each scenario is a folder of NNNN.meta.json / NNNN.body / NNNN.envelope.json / NNNN.event.json.
SDK_CAPTURES_DIR = FIXTURES_DIR / "sdk"
THIRD_PARTY_DIR = FIXTURES_DIR / "third-party"
