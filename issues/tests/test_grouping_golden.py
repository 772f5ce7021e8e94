"""Golden groupings: every SDK capture's hash and components, for every grouping version.

issues/tests/golden/<version>.json holds, for each capture in tests/fixtures/sdk, the grouping
digestion computes for it: normalize, trim when over the event size limit, group (the order of
digestion/digest.py). A version never changes, so any difference fails, and so does a capture that
the file lacks or an entry without a capture. A new behaviour goes into a new version; record
its file, and a new capture under every version, with

    .venv/bin/python -m pytest issues/tests/test_grouping_golden.py --update-golden

and check that the diff of the existing files shows additions only.
"""

import difflib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from digestion.digest import digest_pending
from events.models import Event, RawEvent
from events.normalize import normalize_event
from events.oversize import fit_event
from events.spool_format import pack
from issues.grouping import GROUPING_CONFIG, VERSIONS, Grouping, compute_grouping
from issues.models import Grouping as StoredGrouping
from projects.tests.factories import make_project
from tests.shared import SDK_CAPTURES_DIR

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
RECEIVED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
# INGEST_MAX_EVENT_BYTES's default, fixed here so that the files do not depend on the
# environment the tests run in.
EVENT_LIMIT = 1024 * 1024
ABOUT = [
    "Golden groupings of one grouping version: for each SDK capture in tests/fixtures/sdk, the",
    "hash, strategy and components digestion computes (normalize, trim when over",
    f"{EVENT_LIMIT} bytes, group). Checked by issues/tests/test_grouping_golden.py.",
    "A version never changes; a new behaviour goes into a new version. Record a new version's",
    "file (and new captures) with:",
    ".venv/bin/python -m pytest issues/tests/test_grouping_golden.py --update-golden",
]


def captures() -> dict[str, bytes]:
    """Each capture's event as the SDK sends it (compact JSON), by "<scenario>/<file name>"."""
    return {
        path.relative_to(SDK_CAPTURES_DIR).as_posix(): orjson.dumps(json.loads(path.read_text()))
        for path in sorted(SDK_CAPTURES_DIR.rglob("*.event.json"))
    }


def digested_grouping(payload: bytes, version: str) -> Grouping:
    """The grouping of `payload` along digestion's path (digestion/digest.py `_parse`)."""
    event = normalize_event(orjson.loads(payload), received_at=RECEIVED_AT)
    if len(payload) > EVENT_LIMIT:
        fit_event(event, EVENT_LIMIT, len(payload))
    return compute_grouping(event, version)


def golden_entries(version: str) -> dict[str, dict]:
    entries = {}
    for name, payload in captures().items():
        grouping = digested_grouping(payload, version)
        assert grouping.config == version
        entries[name] = {
            "hash": grouping.hash,
            "strategy": grouping.strategy,
            "components": grouping.components,
        }
    return entries


def golden_path(version: str) -> Path:
    return GOLDEN_DIR / f"{version}.json"


def write_golden(version: str, entries: dict[str, dict]) -> None:
    document = {"about": ABOUT, "version": version, "captures": entries}
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    golden_path(version).write_text(text + "\n", encoding="utf-8")


def differences(recorded: dict[str, dict], computed: dict[str, dict]) -> list[str]:
    """What changed, one capture per paragraph, in words a reviewer can act on."""
    lines = []
    for name in sorted(recorded.keys() - computed.keys()):
        lines.append(f"{name}: recorded, but there is no such capture")
    for name in sorted(computed.keys() - recorded.keys()):
        lines.append(f"{name}: a capture with no recorded grouping (record it: --update-golden)")
    for name in sorted(recorded.keys() & computed.keys()):
        old, new = recorded[name], computed[name]
        if old == new:
            continue
        lines.append(f"{name}: hash {old['hash']} -> {new['hash']}")
        if old["strategy"] != new["strategy"]:
            lines.append(f"  strategy {old['strategy']} -> {new['strategy']}")
        changed = difflib.ndiff(old["components"], new["components"])
        lines += [f"  {line}" for line in changed if line.startswith(("- ", "+ "))]
    return lines


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_a_grouping_version_never_changes(version: str, request: pytest.FixtureRequest):
    computed = golden_entries(version)
    if request.config.getoption("--update-golden"):
        write_golden(version, computed)
        pytest.skip(f"recorded {golden_path(version)}")
    path = golden_path(version)
    assert path.is_file(), f"no golden file for version {version}: record it (--update-golden)"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == version
    problems = differences(document["captures"], computed)
    assert not problems, (
        f"grouping version {version} changed; a version never changes, a new behaviour goes "
        "into a new version:\n" + "\n".join(problems)
    )


def test_the_golden_files_cover_every_version_and_only_those():
    recorded = {path.stem for path in GOLDEN_DIR.glob("*.json")}
    assert recorded == set(VERSIONS)


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_the_golden_path_is_the_one_digestion_takes(settings):
    """Digestion itself stores, for every capture, the hash `digested_grouping` computes."""
    settings.INGEST_MAX_EVENT_BYTES = EVENT_LIMIT
    project = make_project()
    by_event_id = {}
    rows = []
    for name, payload in captures().items():
        event_id = uuid.uuid4().hex
        by_event_id[event_id] = name
        rows.append(
            RawEvent(
                project_id=project.pk,
                event_id=event_id,
                received_at=datetime.now(UTC),
                payload=pack(payload),  # as ingest spools it
            )
        )
    RawEvent.objects.bulk_create(rows)
    assert digest_pending(project.pk) == len(rows)

    hash_of_issue = dict(
        StoredGrouping.objects.filter(project_id=project.pk).values_list("issue_id", "hash")
    )
    stored = {
        by_event_id[event_id]: hash_of_issue[issue_id]
        for event_id, issue_id in Event.objects.filter(project_id=project.pk).values_list(
            "event_id", "issue_id"
        )
    }
    groupings = {
        name: digested_grouping(payload, GROUPING_CONFIG) for name, payload in captures().items()
    }
    assert stored == {name: grouping.hash for name, grouping in groupings.items()}
    # Each Grouping keeps the strategy and components of the first event of its hash.
    for row in StoredGrouping.objects.filter(project_id=project.pk):
        made = [(g.strategy, g.components) for g in groupings.values() if g.hash == row.hash]
        assert (row.strategy, row.components) in made
