"""docs/architecture.md's "Layers" list is exactly the layers contract `lint-imports` checks
(.importlinter), and that contract covers every module of the layered apps."""

import configparser
import re

from tests.shared import REPO_ROOT

IMPORTLINTER = REPO_ROOT / ".importlinter"
ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"
DOC_LAYERS = re.compile(r"<!-- layers -->\n(.*?)<!-- /layers -->", re.DOTALL)


def contract_layers() -> list[str]:
    config = configparser.ConfigParser()
    config.read(IMPORTLINTER)
    return [
        line.strip()
        for line in config["importlinter:contract:layers"]["layers"].splitlines()
        if line.strip()
    ]


def documented_layers() -> list[str]:
    found = DOC_LAYERS.search(ARCHITECTURE.read_text())
    assert found, "docs/architecture.md has no <!-- layers --> list"
    return [re.fullmatch(r"- `(.+)`", line).group(1) for line in found.group(1).splitlines()]


def test_documented_layers_are_the_contract():
    assert documented_layers() == contract_layers()


def test_every_app_module_has_a_layer():
    """A new module outside every layer would escape the contract: each one must be listed."""
    listed = {m.strip() for layer in contract_layers() for m in re.split(r"[|:]", layer)}
    config = configparser.ConfigParser()
    config.read(IMPORTLINTER)
    roots = config["importlinter"]["root_packages"].split()
    missing = []
    for root in roots:
        for path in sorted((REPO_ROOT / root).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts or "." in parts[-1]:
                continue
            if parts[-1] == "__init__":
                if len(parts) == 2:
                    continue  # an app's package itself holds nothing to layer
                parts = parts[:-1]
            names = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
            if not names & listed:
                missing.append(".".join(parts))
    assert missing == [], f"modules in no layer of .importlinter: {missing}"
