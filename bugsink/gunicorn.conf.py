"""gunicorn settings; each can be overridden with the environment variable named beside it.

Workers are uvicorn's (an event loop per process, HTTP parsed by httptools): ingest requests
are answered on the loop, the Django site runs in each worker's pool of GUNICORN_THREADS
threads (bugsink/asgi.py).
"""

import os

bind = os.environ.get("BIND") or "127.0.0.1:8000"  # bugsink/bind.py's DEFAULT_BIND
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "bugsink.gunicorn_worker.Worker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
