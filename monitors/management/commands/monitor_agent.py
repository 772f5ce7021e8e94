"""A remote monitoring agent: runs the checks the server hands it and posts the results.

    manage.py monitor_agent --server https://errors.example.com --token bsa_...

Run it where the checks should come from (another region, inside a private network). It needs
this code base (or the same Python environment) but no database: it talks to the server over
HTTPS only. Private addresses are allowed by default (an agent inside a network is there to
check that network); `--no-private` refuses them as the server does.
"""

import time

import requests
from django.core.management.base import BaseCommand

from monitors.probes import run_probe
from monitors.spec import CheckSpec

USER_AGENT = "bugsink-monitor-agent/1"


class Command(BaseCommand):
    help = "Run monitor checks for a Bugsink server as a remote agent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--server", required=True, help="the server's base URL")
        parser.add_argument("--token", required=True, help="the agent token")
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--no-private", action="store_true", help="refuse private targets")
        parser.add_argument("--ca-bundle", default="", help="extra CA certificates (PEM)")

    def handle(self, *args, server: str, token: str, once: bool, no_private: bool,
               ca_bundle: str, **options) -> None:  # fmt: skip
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT})
        base = server.rstrip("/")
        while True:
            poll = 5.0
            try:
                poll = self.round(session, base, not no_private, ca_bundle)
            except requests.RequestException as exc:
                self.stderr.write(f"server unreachable: {exc}")
            if once:
                return
            time.sleep(max(1.0, poll))

    def round(self, session, base: str, allow_private: bool, ca_bundle: str) -> float:
        response = session.get(f"{base}/monitors/agent/tasks/", timeout=30)
        response.raise_for_status()
        document = response.json()
        results = []
        for task in document.get("tasks", []):
            spec = CheckSpec.from_dict(task)
            outcome = run_probe(spec, allow_private=allow_private, ca_bundle=ca_bundle)
            results.append({"monitor_id": spec.monitor_id, "outcome": outcome.to_dict()})
        if results:
            posted = session.post(
                f"{base}/monitors/agent/results/", json={"results": results}, timeout=30
            )
            posted.raise_for_status()
            self.stdout.write(f"ran {len(results)} checks")
        return float(document.get("poll_seconds") or 5)
