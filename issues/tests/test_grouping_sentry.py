"""Opt-in: grouping v2 against Sentry's own grouping inputs and its published snapshots.

The comparison runs only with $SENTRY_GROUPING_DIR (marker `sentry_grouping`; the reader's own
test always runs), a folder filled by hand from a checkout of getsentry/sentry (Sentry's files
are not redistributed here):

    grouping_inputs/<name>.json   from tests/sentry/grouping/grouping_inputs/
    snapshots/<name>.pysnap       from tests/sentry/grouping/snapshots/test_variants/
                                  test_event_hash_variant/newstyle@2023_01_11/
                                  (Sentry names them with "_" where the input has "-")

An input counts when both files are there. For each, the snapshot's grouping is its winning
variant: "app" when it has a hash, else "system", else the one variant with a hash (checksum,
fingerprints, CSP's "default"). The report gives

* the share of inputs where v2 picks Sentry's strategy (target: 90 %);
* the share of stack-trace inputs (Sentry's winning component holds a stack trace) where v2's
  contributing frames are Sentry's, in order (module or file, then function or source line;
  compared case-insensitively; target: 75 %);
* every pair of inputs that Sentry gives one hash, and whether v2 does too (target: all).

    SENTRY_GROUPING_DIR=/path .venv/bin/python -m pytest issues/tests/test_grouping_sentry.py -s
    SENTRY_GROUPING_DIR=/path DJANGO_SETTINGS_MODULE=bugsink.settings \
        .venv/bin/python -m issues.tests.test_grouping_sentry     # v1 and v2 side by side
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from events.normalize import normalize_event
from issues.grouping import compute_grouping
from tests.shared import SENTRY_GROUPING_DIR

VERSION = "v2"
TARGET_STRATEGY = 0.90
TARGET_FRAMES = 0.75
_NODE_RE = re.compile(r"^( *)([\w.-]+)(\*)?(?: \((.*)\))?$")
_VALUE_RE = re.compile(r'^( *)(".*")$')
_STRATEGIES = {
    "chained-exception": "exception",
    "exception": "exception",
    "stacktrace": "stacktrace",
    "threads": "threads",
    "message": "message",
    "csp": "csp",
    "checksum": "checksum",
    "hashed-checksum": "checksum",
    "custom-fingerprint": "fingerprint",
    "built-in-fingerprint": "built-in fingerprint",
    "fallback": "fallback",
}


@dataclass
class Node:
    name: str
    contributes: bool
    indent: int
    values: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


@dataclass
class Expected:
    hash: str
    strategy: str
    has_stack: bool
    frames: list[str]


def _variants(text: str) -> dict[str, tuple[str | None, list[str]]]:
    """variant name -> (hash, component lines) of a .pysnap file."""
    body = text.split("\n---\n", 1)[1] if text.startswith("---") else text
    variants: dict[str, tuple[str | None, list[str]]] = {}
    name = None
    for line in body.splitlines():
        if line.startswith("-----"):
            continue
        if line and not line.startswith(" ") and line.endswith(":"):
            name = line[:-1]
            variants[name] = (None, [])
        elif name and line.startswith("  hash: "):
            value = line.split(": ", 1)[1]
            variants[name] = (None if value == "null" else json.loads(value), variants[name][1])
        elif name and line.startswith("    "):
            variants[name][1].append(line)
    return variants


def _tree(lines: list[str]) -> Node | None:
    root = None
    stack: list[Node] = []
    for line in lines:
        value = _VALUE_RE.match(line)
        if value:
            if stack:
                stack[-1].values.append(json.loads(value.group(2)))
            continue
        match = _NODE_RE.match(line)
        if not match:
            continue
        node = Node(match.group(2), bool(match.group(3)), len(match.group(1)))
        while stack and stack[-1].indent >= node.indent:
            stack.pop()
        if stack:
            stack[-1].children.append(node)
        else:
            root = node
        stack.append(node)
    return root


def _frames(node: Node, out: list[str]) -> None:
    """Append the contributing frames under a contributing node, in order."""
    for child in node.children:
        if not child.contributes:
            continue
        if child.name == "frame":
            parts = [" ".join(c.values) for c in child.children if c.contributes and c.values]
            out.append(" ".join(parts))
        else:
            _frames(child, out)


def _has_frames(node: Node) -> bool:
    return node.name == "frame" or any(_has_frames(child) for child in node.children)


def parse_snapshot(text: str) -> Expected | None:
    variants = _variants(text)
    winning = None
    for name in ("app", "system"):
        if name in variants and variants[name][0]:
            winning = name
            break
    if winning is None:
        with_hash = [name for name, (hash_, _) in variants.items() if hash_]
        if not with_hash:
            return None
        winning = with_hash[0]
    hash_, lines = variants[winning]
    root = _tree(lines)
    strategy = _STRATEGIES.get(winning, winning)
    frames: list[str] = []
    has_stack = False
    if root is not None:
        contributing = [child for child in root.children if child.contributes]
        if contributing and winning in ("app", "system", "default"):
            strategy = _STRATEGIES.get(contributing[0].name, contributing[0].name)
        if winning in ("app", "system"):
            has_stack = _has_frames(root)
            if root.contributes:
                _frames(root, frames)
    return Expected(hash_, strategy, has_stack, frames)


def _normalized(frames: list[str]) -> list[str]:
    return [" ".join(frame.lower().split()) for frame in frames]


@dataclass
class Report:
    compared: list[str] = field(default_factory=list)
    same_strategy: list[str] = field(default_factory=list)
    stack_inputs: list[str] = field(default_factory=list)
    same_frames: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    pairs_kept: list[tuple[str, str]] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def share(part: list, whole: list) -> str:
            return f"{len(part)}/{len(whole)} ({100 * len(part) / max(len(whole), 1):.0f} %)"

        return [
            f"inputs compared: {len(self.compared)}",
            f"same strategy: {share(self.same_strategy, self.compared)}",
            f"same contributing frames: {share(self.same_frames, self.stack_inputs)}"
            " of stack-trace inputs",
            f"pairs Sentry groups together, grouped together: {share(self.pairs_kept, self.pairs)}",
        ]


def compare(folder: Path, version: str = VERSION) -> Report:
    report = Report()
    hashes: dict[str, tuple[str, str]] = {}
    received = datetime(2026, 1, 1, tzinfo=UTC)
    for snapshot in sorted((folder / "snapshots").glob("*.pysnap")):
        name = snapshot.stem
        inputs = [folder / "grouping_inputs" / f"{n}.json" for n in (name, name.replace("_", "-"))]
        source = next((path for path in inputs if path.is_file()), None)
        expected = parse_snapshot(snapshot.read_text(encoding="utf-8"))
        if source is None or expected is None:
            continue
        raw = json.loads(source.read_text(encoding="utf-8"))
        grouping = compute_grouping(normalize_event(raw, received_at=received), version)
        report.compared.append(name)
        hashes[name] = (expected.hash, grouping.hash)
        if grouping.strategy == expected.strategy:
            report.same_strategy.append(name)
        else:
            report.differences.append(
                f"{name}: strategy {grouping.strategy} != {expected.strategy}"
            )
        if expected.has_stack:
            report.stack_inputs.append(name)
            ours = [
                c.split(": ", 1)[1]
                for c in grouping.components
                if re.search(r" frame(?: \d+)?$", c.split(": ", 1)[0])
            ]
            if _normalized(ours) == _normalized(expected.frames):
                report.same_frames.append(name)
            else:
                report.differences.append(f"{name}: frames {ours} != {expected.frames}")
    for first, second in itertools.combinations(sorted(hashes), 2):
        if hashes[first][0] == hashes[second][0]:
            report.pairs.append((first, second))
            if hashes[first][1] == hashes[second][1]:
                report.pairs_kept.append((first, second))
            else:
                report.differences.append(f"pair split: {first} / {second}")
    return report


def test_the_snapshot_reader_reads_a_variant_tree():
    text = (
        "---\ncreated: x\n---\napp:\n  hash: null\n  component:\n    app\n      stacktrace\n"
        '        frame (non app frame)\n          filename*\n            "a.js"\n'
        "--------------------------------------------------------------------------\n"
        'system:\n  hash: "abc"\n  component:\n    system*\n      exception*\n'
        '        stacktrace*\n          frame*\n            filename*\n              "a.js"\n'
        '            function* (trimmed javascript function)\n              "go"\n'
        "          frame (ignored low quality javascript frame)\n            function*\n"
        '              "eval"\n        type*\n          "Error"\n'
    )
    assert parse_snapshot(text) == Expected("abc", "exception", True, ["a.js go"])
    checksum = '---\ncreated: x\n---\nchecksum:\n  hash: "1234"\n  hashed: false\n'
    assert parse_snapshot(checksum) == Expected("1234", "checksum", False, [])


@pytest.mark.sentry_grouping
def test_grouping_v2_against_sentrys_snapshots():
    report = compare(SENTRY_GROUPING_DIR)
    summary = "\n".join(report.lines() + ["", *report.differences])
    print("\n" + summary)
    assert report.compared, f"no input with a snapshot in {SENTRY_GROUPING_DIR}"
    assert len(report.same_strategy) >= TARGET_STRATEGY * len(report.compared), summary
    assert len(report.same_frames) >= TARGET_FRAMES * len(report.stack_inputs), summary
    assert report.pairs_kept == report.pairs, summary


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    for version in ("v1", VERSION):
        print(f"{version}:", *compare(SENTRY_GROUPING_DIR, version).lines(), sep="\n  ")
