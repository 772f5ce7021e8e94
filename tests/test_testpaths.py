"""Every app's tests run: pytest's testpaths (pyproject.toml) names every folder with tests."""

import tomllib

from tests.shared import REPO_ROOT


def test_every_tests_folder_is_collected():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    testpaths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    apps = {
        path.parent.name for path in REPO_ROOT.glob("*/tests") if (path / "__init__.py").exists()
    }
    assert apps - {"tests"} <= testpaths, f"add to testpaths: {sorted(apps - testpaths)}"
