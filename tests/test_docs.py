"""The docs stay true to the code: docs/configuration.md lists exactly the environment variables
the code reads, and the links between the README and the docs pages resolve."""

import re
from pathlib import Path

from tests.shared import REPO_ROOT, repository_files

CONFIGURATION = REPO_ROOT / "docs" / "configuration.md"

# os.environ.get / [] / setdefault / pop, os.getenv, and the settings' env_* helpers, each with
# a literal upper-case name.
PYTHON_READ = re.compile(
    r"""(?:os\.environ(?:\.(?:get|setdefault|pop))?[(\[]|os\.getenv\(|\benv_(?:str|int|bool|list)\()"""
    r"""\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# $NAME or ${NAME...} in shell scripts outside comments; names the script assigns are not reads.
SHELL_USE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
SHELL_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# A table row's first cell: one backticked variable name.
TABLE_VARIABLE = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|", re.MULTILINE)
# The operating system's own variables, read to find the user's home and cache folders.
SYSTEM_VARIABLES = frozenset({"HOME", "XDG_CACHE_HOME", "PATH"})
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def is_shell_script(path: Path) -> bool:
    if path.suffix == ".sh":
        return True
    with path.open("rb") as f:
        return f.read(2) == b"#!" and b"sh" in f.readline()


def code_files() -> list[Path]:
    fixtures = REPO_ROOT / "tests" / "fixtures"
    return [path for path in repository_files() if not path.is_relative_to(fixtures)]


def variables_read() -> dict[str, list[str]]:
    """Every environment variable the code reads, with the files that read it."""
    found: dict[str, list[str]] = {}
    for path in code_files():
        if path.suffix == ".py":
            names = set(PYTHON_READ.findall(path.read_text(encoding="utf-8")))
        elif is_shell_script(path):
            lines = path.read_text(encoding="utf-8").splitlines()
            text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
            names = set(SHELL_USE.findall(text)) - set(SHELL_ASSIGN.findall(text))
        else:
            continue
        for name in names:
            found.setdefault(name, []).append(str(path.relative_to(REPO_ROOT)))
    return found


def documented_variables() -> set[str]:
    return set(TABLE_VARIABLE.findall(CONFIGURATION.read_text(encoding="utf-8")))


def test_the_scan_finds_reads_of_every_kind():
    read = variables_read()
    # settings' helpers, gunicorn's os.environ.get, a setdefault, shell ${NAME:-default}
    for name, where in [
        ("DATABASE_URL", "bugsink/settings.py"),
        ("ALERT_WEBHOOK_ALLOW_PRIVATE", "bugsink/settings.py"),
        ("BIND", "bugsink/gunicorn.conf.py"),
        ("DJANGO_SETTINGS_MODULE", "manage.py"),
        ("CELERY_LOG_LEVEL", "run"),
        ("PYTHON", "scripts/venv.sh"),
    ]:
        assert where in read.get(name, []), name
    # ./test exports BUGSINK_DATA_DIR itself: using it there is not reading the environment.
    assert "test" not in read["BUGSINK_DATA_DIR"]


def test_every_variable_read_is_documented():
    missing = {
        name: where
        for name, where in variables_read().items()
        if name not in documented_variables() and name not in SYSTEM_VARIABLES
    }
    assert missing == {}, "add these to a table in docs/configuration.md"


def test_every_documented_variable_is_read():
    stale = documented_variables() - set(variables_read())
    assert stale == set(), "docs/configuration.md lists variables nothing reads"


def test_links_between_the_docs_resolve():
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    assert len(pages) >= 7
    broken = [
        f"{page.relative_to(REPO_ROOT)}: {target}"
        for page in pages
        for target in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert broken == []
