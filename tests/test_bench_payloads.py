"""The benchmark's neutral payload set keeps the shape the benchmark promises (docs/benchmark.md).

Captured in a subprocess: capturing initializes sentry-sdk, which must not stay initialized in
the test process.
"""

import json
import subprocess
import sys

from tests.shared import REPO_ROOT

MEASURE = """
import json, orjson
from bench.payloads import build_bodies
out = {}
for large in (False, True):
    made = build_bodies(48, large, "neutral")
    out["large" if large else "small"] = {
        "raw": made.raw_size, "wire": made.wire_size, "encodings": sorted(set(made.encodings)),
    }
from bench.neutral_payloads import capture_neutral_templates
templates = capture_neutral_templates(True)
first = orjson.loads(templates[0].split(b"\\n")[2])
frames = first["exception"]["values"][0]["stacktrace"]["frames"]
out["sites"] = len({orjson.loads(t.split(b"\\n")[2])["exception"]["values"][0]["stacktrace"]
                    ["frames"][-1]["filename"] for t in templates})
out["large_frames"] = len(frames)
out["frames_with_vars"] = sum(1 for f in frames if f.get("vars"))
out["breadcrumbs"] = len(first["breadcrumbs"]["values"])
out["has"] = sorted(k for k in ("tags", "user", "breadcrumbs") if first.get(k))
print(json.dumps(out))
"""


def test_neutral_payloads_are_realistic_in_size_compression_and_content():
    result = subprocess.run(
        [sys.executable, "-c", MEASURE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    shape = json.loads(result.stdout.strip().splitlines()[-1])
    small, large = shape["small"], shape["large"]
    assert 3_500 <= small["raw"] <= 6_500, small
    assert 40_000 <= large["raw"] <= 65_000, large
    # Varied values: far from the 30:1 of repetitive locals.
    assert large["raw"] / large["wire"] < 10, large
    assert small["encodings"] == large["encodings"] == ["br", "gzip"]
    assert shape["sites"] >= 20
    assert shape["large_frames"] >= 25
    assert shape["frames_with_vars"] >= 25
    assert shape["breadcrumbs"] >= 50
    assert shape["has"] == ["breadcrumbs", "tags", "user"]
