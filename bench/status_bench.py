"""A public status page under an outage's traffic: requests per second with the cache warm, and
how long an incident update takes to show.

Starts the stack (`./run`'s configuration, or PostgreSQL + Redis), makes a page with services
and an incident through the ORM on the stack's database, then:

1. loads the public page at a fixed concurrency (keep-alive connections, one request in flight
   each) for some seconds and prints requests/s, p50/p99 latency and non-200 answers;
2. posts an incident update and polls the page until the update's text shows, several times,
   and prints the delays.

    .venv/bin/python -m bench.status_bench [--config embedded|postgres] [--seconds 20]
        [--concurrency 64]
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import uvloop

from tests.live import LiveStack


async def _client(host: str, port: int, path: str, until: float, out: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            out.append((int(status_line.split()[1]), time.perf_counter() - start))
    finally:
        writer.close()


def load(port: int, path: str, seconds: float, concurrency: int) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    until = time.perf_counter() + seconds

    async def run() -> None:
        await asyncio.gather(
            *(_client("127.0.0.1", port, path, until, results) for _ in range(concurrency))
        )

    uvloop.run(run())
    return results


def setup_django(stack: LiveStack) -> None:
    for name, value in stack.env.items():
        if name in ("DATABASE_URL", "BUGSINK_DATA_DIR", "SECRET_KEY"):
            os.environ[name] = value
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bugsink.settings")
    import django

    django.setup()


def make_page() -> tuple[str, int]:
    from django.utils import timezone

    from projects.models import Team
    from statuspages.incidents import open_incident
    from statuspages.models import Category, Incident, Region, Service, StatusPage

    team = Team.objects.create(name=f"bench-{uuid.uuid4().hex[:6]}")
    page = StatusPage.objects.create(team=team, title="Bench status", slug=f"bench-{team.pk}")
    regions = [Region.objects.create(page=page, name=n) for n in ("EU", "US", "Asia")]
    for c in range(3):
        category = Category.objects.create(page=page, name=f"Category {c}")
        for s in range(5):
            service = Service.objects.create(page=page, category=category, name=f"Service {c}.{s}")
            service.regions.set(regions)
    services = list(Service.objects.filter(page=page)[:3])
    incident = open_incident(
        Incident(page=page, title="Elevated errors", impact="major", status="investigating"),
        "Looking into it",
        None,
        services,
        when=timezone.now(),
    )
    return page.slug, incident.pk


def time_to_show(port: int, slug: str, incident_id: int, rounds: int = 5) -> list[float]:
    from django.utils import timezone

    from statuspages.incidents import add_update
    from statuspages.models import Incident

    delays = []
    url = f"http://127.0.0.1:{port}/status/{slug}/"
    for n in range(rounds):
        text = f"update-{uuid.uuid4().hex[:8]}"
        add_update(Incident.objects.get(pk=incident_id), "identified", text, None, timezone.now())
        start = time.perf_counter()
        while text not in urllib.request.urlopen(url, timeout=10).read().decode():
            time.sleep(0.01)
        delays.append(time.perf_counter() - start)
        time.sleep(1.5 * (n % 2))  # sometimes right after a render, sometimes later
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "postgres"], default="embedded")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="status-bench-") as workdir:
        stack = LiveStack(args.config, Path(workdir))
        stack.start()
        try:
            setup_django(stack)
            slug, incident_id = make_page()
            path = f"/status/{slug}/"
            load(stack.port, path, 2, 8)  # warm the caches of every web process
            results = load(stack.port, path, args.seconds, args.concurrency)
            latencies = sorted(latency for _, latency in results)
            non_200 = sum(1 for status, _ in results if status != 200)
            print(f"public status page, {args.config}, concurrency {args.concurrency}:")
            print(
                f"  {len(results) / args.seconds:,.0f} requests/s, "
                f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, "
                f"non-200: {non_200}"
            )
            delays = time_to_show(stack.port, slug, incident_id)
            median, worst = statistics.median(delays) * 1000, max(delays) * 1000
            shown = ", ".join(f"{d * 1000:.0f} ms" for d in delays)
            print(
                f"  incident update visible after: {shown} (median {median:.0f}, max {worst:.0f})"
            )
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
