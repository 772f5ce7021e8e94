"""Symbolication benchmark: digestion CPU per browser event with and without source maps.

    .venv/bin/python bench/sourcemap_bench.py [EVENTS] [--profile]

Spools EVENTS copies of a real @sentry/browser capture of a minified app with a debug ID
(tests/fixtures/sdk/browser_minified_debugid, 6 minified frames) into a fresh SQLite data
directory, twice: once into a project that holds the app's artifact bundle (minified source +
source map, stored through `sourcemaps.store`), once into a project with no uploads. It digests
each with `digest_pending` and prints CPU ms per event for both, their difference (what
symbolication costs per event), and how many times the map was parsed (once, by design).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BUGSINK_DATA_DIR"] = tempfile.mkdtemp(prefix="bugsink-sourcemap-bench-")
os.environ.pop("DATABASE_URL", None)  # always a fresh SQLite database, never a shared one
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from digestion.digest import digest_pending  # noqa: E402
from events.models import RawEvent  # noqa: E402
from events.spool_format import pack  # noqa: E402
from projects.models import Project, Team  # noqa: E402
from sourcemaps.cache import parsed_maps  # noqa: E402
from sourcemaps.store import store_artifact_bundle  # noqa: E402

CAPTURE = ROOT / "tests" / "fixtures" / "sdk" / "browser_minified_debugid"


def artifact_bundle() -> bytes:
    """The capture's app as sentry-cli bundles it: minified source and map under a debug ID."""
    event = json.loads((CAPTURE / "0002.event.json").read_text())
    image = event["debug_meta"]["images"][0]
    debug_id, url = image["debug_id"], image["code_file"]
    path = "~" + urlsplit(url).path  # as sentry-cli names it: ~/static/debugid/app.min.js
    buffer = io.BytesIO()
    manifest = {"files": {}}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, kind in (("app.min.js", "minified_source"), ("app.min.js.map", "source_map")):
            member = f"files/_/_/{name}"
            bundle.writestr(member, (CAPTURE / "artifacts" / name).read_bytes())
            url_of = path if kind == "minified_source" else path + ".map"
            manifest["files"][member] = {
                "url": url_of, "type": kind, "headers": {"debug-id": debug_id},
            }  # fmt: skip
        bundle.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


def spool(project_id: int, count: int) -> None:
    template = json.loads((CAPTURE / "0002.event.json").read_text())
    now = timezone.now()
    rows = []
    for i in range(count):
        template["event_id"] = f"{project_id:08x}{i:024x}"
        rows.append(
            RawEvent(
                project_id=project_id,
                event_id=template["event_id"],
                received_at=now,
                payload=pack(orjson.dumps(template)),
                remote_addr="127.0.0.1",
            )  # fmt: skip
        )
    RawEvent.objects.bulk_create(rows, batch_size=1000)


def digest(project_id: int, profile: cProfile.Profile | None) -> tuple[int, float]:
    cpu = time.process_time()
    if profile:
        profile.enable()
    stored = digest_pending(project_id)
    if profile:
        profile.disable()
    return stored, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", nargs="?", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of digestion")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("migrate", database="spool", verbosity=0)
    team = Team.objects.create(name="bench")
    with_maps = Project.objects.create(team=team, name="with maps")
    without = Project.objects.create(team=team, name="without maps")
    store_artifact_bundle(with_maps, artifact_bundle())
    spool(with_maps.pk, args.events)
    spool(without.pk, args.events)

    profile = cProfile.Profile() if args.profile else None
    plain_stored, plain_cpu = digest(without.pk, None)
    parses = parsed_maps().parses
    stored, cpu = digest(with_maps.pk, profile)
    parses = parsed_maps().parses - parses

    per_event = cpu / stored * 1000
    plain = plain_cpu / plain_stored * 1000
    print(
        f"{stored} symbolicated browser events (one bundle, 6 minified frames each): "
        f"{per_event:.3f} ms CPU/event; the same events with no maps uploaded: "
        f"{plain:.3f} ms CPU/event; symbolication {per_event - plain:+.3f} ms/event; "
        f"map parsed {parses} time(s)"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
