"""gunicorn settings; each can be overridden with the environment variable named beside it.

Workers are uvicorn's (an event loop per process, HTTP parsed by httptools): ingest requests
are answered on the loop, the Django site runs in each worker's pool of GUNICORN_THREADS
threads (bugsink/asgi.py).
"""

import os

bind = os.environ.get("BIND") or "127.0.0.1:8000"  # bugsink/bind.py's DEFAULT_BIND
# One event loop takes thousands of events per second; on a 2-core server a second one ingests
# no faster (docs/benchmark.md) and costs 90 MB. Larger servers add one per spare core.
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
worker_class = "bugsink.gunicorn_worker.Worker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = 5
# Connections (or requests in progress) one worker holds before it answers 503. Far above any
# client's concurrency (a benchmark at concurrency 512 must never get one), low enough that idle
# connections cannot pile up without end.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1024"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
