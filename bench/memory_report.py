"""Where a server process's resident memory goes.

    .venv/bin/python bench/memory_report.py web|worker|master [--events N] [--top K]

- web: a gunicorn worker's Django side: `django.setup()`, `bugsink.asgi`, the URLconf.
- worker: the Celery digestion worker: the Celery app and its tasks, then N large events
  (default 600) spooled into a fresh SQLite data directory and digested with `digest_pending`.
- master: what the gunicorn master imports: its config and the worker class.

Each kind is measured twice, in two fresh child processes: once plainly, for RSS (now and peak)
and the RSS of every mapped file (/proc/self/smaps: native libraries by package, the
interpreter, the heap), and once under tracemalloc, for Python's own allocations by top-level
package, both those made while importing each package (its modules' code, classes, tables) and
those held at the end wherever they were made. tracemalloc's bookkeeping inflates the second
child's RSS, which is why the figures of record come from the first.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("web", "worker", "master")
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Starts VmHWM over from the current RSS (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass


def mapping_owner(path: str) -> str:
    """A readable owner for a mapped file: the site-packages package, or the file's name."""
    if not path:
        return "[anonymous]"
    if path.startswith("["):
        return path
    match = re.search(r"site-packages/([^/]+)", path)
    if match:
        return match.group(1).removesuffix(".libs") + " (.so)"
    return Path(path).name


def smaps_by_owner() -> dict[str, int]:
    """RSS in bytes of this process's mappings, by owner."""
    owners: dict[str, int] = defaultdict(int)
    owner = "[anonymous]"
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            first = line.split(None, 1)[0]
            if not first.endswith(":"):  # a mapping's header line: address perms ... path
                parts = line.split(None, 5)
                owner = mapping_owner(parts[5].strip() if len(parts) > 5 else "")
            elif first == "Rss:":
                owners[owner] += int(line.split()[1]) * 1024
    return owners


def top_package(filename: str) -> str:
    """The top-level package a source file belongs to, or a label for the interpreter's own."""
    match = re.search(r"site-packages/([^/]+)", filename)
    if match:
        return match.group(1).removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return Path(filename).relative_to(ROOT).parts[0].removesuffix(".py")
    if filename.startswith("<frozen"):
        return "(import machinery)"
    return "(stdlib) " + Path(filename).parts[-2 if filename.endswith("__init__.py") else -1]


class ImportCosts:
    """The memory each top-level package costs to import: its modules' own share only."""

    def __init__(self, traced: bool) -> None:
        import tracemalloc

        self.traced = traced
        self._tracemalloc = tracemalloc
        self.rss: dict[str, int] = defaultdict(int)
        self.python: dict[str, int] = defaultdict(int)
        self._stack: list[list[int]] = []

    def install(self) -> None:
        # A bench tool may patch the import system's private loader step: it is the one place
        # every module, source or extension, passes through while it is executed.
        import importlib._bootstrap as bootstrap

        original = bootstrap._load_unlocked
        costs = self

        def load_unlocked(spec):
            top = spec.name.partition(".")[0]
            costs._stack.append([0, 0])
            rss, python = costs._measure()
            try:
                return original(spec)
            finally:
                rss_after, python_after = costs._measure()
                rss, python = rss_after - rss, python_after - python
                children = costs._stack.pop()
                costs.rss[top] += rss - children[0]
                costs.python[top] += python - children[1]
                if costs._stack:
                    costs._stack[-1][0] += rss
                    costs._stack[-1][1] += python

        bootstrap._load_unlocked = load_unlocked

    def _measure(self) -> tuple[int, int]:
        python = self._tracemalloc.get_traced_memory()[0] if self.traced else 0
        return rss_bytes(), python


def run_kind(kind: str, events: int, batch_bytes: int | None = None) -> dict:
    """Does the work of `kind` in this process; returns the figures to report."""
    figures: dict = {}
    if kind == "master":
        from gunicorn.app.wsgiapp import WSGIApplication

        sys.argv = ["gunicorn", "-c", str(ROOT / "bugsink/gunicorn.conf.py"), "bugsink.asgi"]
        app = WSGIApplication()
        app.cfg.worker_class  # noqa: B018  (the arbiter loads the worker class at start-up)
        figures["django imported"] = "django" in sys.modules
        return figures

    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    figures["rss after django.setup"] = rss_bytes()
    if kind == "web":
        from django.urls import get_resolver

        import bugsink.asgi  # noqa: F401

        get_resolver().url_patterns  # noqa: B018  (imports the URLconf and every view)
        return figures

    from bugsink.celery import app

    app.loader.import_default_modules()
    import celery.apps.worker  # noqa: F401
    import celery.beat  # noqa: F401

    from digestion.digest import digest_pending
    from projects.models import Project

    if batch_bytes:
        import digestion.digest

        digestion.digest.BATCH_JSON_BYTES = batch_bytes
    figures["rss before digesting"] = rss_bytes()
    reset_peak()
    figures["events digested"] = digest_pending(Project.objects.get().pk)
    figures["peak rss while digesting"] = status_kb("VmHWM") * 1024
    figures["rss after digesting"] = rss_bytes()
    import ctypes
    import gc

    gc.collect()
    figures["rss after gc.collect()"] = rss_bytes()
    trim = ctypes.CDLL("libc.so.6").malloc_trim
    trim(0)
    figures["rss after malloc_trim(0)"] = rss_bytes()
    # What the process keeps on purpose, each released in turn to see its size.
    from django.db import connections

    connections.close_all()  # SQLite's page cache is per connection
    trim(0)
    figures["rss after closing databases"] = rss_bytes()
    from events import storage

    storage.clear_caches()
    gc.collect()
    trim(0)
    figures["rss after clearing zstd caches"] = rss_bytes()
    return figures


def spool_large_events(events: int) -> None:
    """Fills a fresh data directory's spool with `events` large events, in a process of its
    own: migrating runs the system checks, which import the URLconf, and the payloads are
    built in memory; neither belongs to the digesting process measured afterwards."""
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
    import django

    django.setup()
    from django.core.management import call_command

    data_dir = os.environ["BUGSINK_DATA_DIR"]
    from bench.digest_bench import event_payloads, spool  # sets a data directory of its own

    os.environ["BUGSINK_DATA_DIR"] = data_dir
    from projects.models import Project, Team

    call_command("migrate", verbosity=0)
    call_command("migrate", database="spool", verbosity=0)
    project = Project.objects.create(team=Team.objects.create(name="m"), name="m")
    spool(project.pk, event_payloads(events, True, "neutral"))


def child(kind: str, events: int, traced: bool, top: int, batch_bytes: int | None) -> None:
    if traced:
        import tracemalloc

        tracemalloc.start(1)
    costs = ImportCosts(traced)
    costs.install()
    figures = run_kind(kind, events, batch_bytes)
    figures["rss"] = rss_bytes()
    figures["peak rss"] = status_kb("VmHWM") * 1024
    figures["modules"] = len(sys.modules)
    if not traced:
        for name, value in figures.items():
            print(f"{name:28} {mb(value) if isinstance(value, int) and value > 1e5 else value}")
        print_table("RSS of mapped files (smaps)", smaps_by_owner(), top)
        print_table("RSS gained while importing, by package", costs.rss, top)
        return
    import tracemalloc

    print_table("Python allocations made while importing, by package", costs.python, top)
    held: dict[str, int] = defaultdict(int)
    for stat in tracemalloc.take_snapshot().statistics("traceback"):
        held[_owner_of(stat.traceback)] += stat.size
    print_table("Python allocations held now, by package of the allocating code", held, top)


def _owner_of(traceback) -> str:
    """The package of the code that made an allocation; a module's code objects and constants
    are made by the import machinery (unmarshalled from its .pyc)."""
    owner = top_package(traceback[0].filename)
    return "(import machinery: modules' code)" if owner == "(import machinery)" else owner


def mb(value: int) -> str:
    return f"{value / 1024 / 1024:7.1f} MB"


def print_table(title: str, sizes: dict[str, int], top: int) -> None:
    print(f"\n{title} (total {mb(sum(sizes.values())).strip()}):")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1])[:top]:
        print(f"  {mb(size)}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--events", type=int, default=600, help="large events (worker)")
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--batch-bytes", type=int, help="digestion's BATCH_JSON_BYTES (worker)")
    parser.add_argument("--child", choices=("plain", "traced", "spool"), help=argparse.SUPPRESS)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc child")
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        if args.child == "spool":
            spool_large_events(args.events)
        else:
            child(args.kind, args.events, args.child == "traced", args.top, args.batch_bytes)
        return
    for mode in ("plain",) if args.no_trace else ("plain", "traced"):
        env = {**os.environ, "BUGSINK_DATA_DIR": tempfile.mkdtemp(prefix="bugsink-memory-")}
        command = [sys.executable, __file__, args.kind, "--events", str(args.events)]
        command += ["--top", str(args.top)]
        if args.batch_bytes:
            command += ["--batch-bytes", str(args.batch_bytes)]
        command += ["--child"]
        if args.kind == "worker":
            subprocess.run([*command, "spool"], check=True, cwd=ROOT, env=env)
        subprocess.run([*command, mode], check=True, cwd=ROOT, env=env)


if __name__ == "__main__":
    main()
