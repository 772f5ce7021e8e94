"""The gunicorn worker class: uvicorn's, with the event loop and parser it should pick anyway
(uvloop, httptools) made explicit, and its access log only when one is configured: building a
log record per ingest request nobody reads costs more than parsing the request.

Connections are bounded two ways: request headers have a deadline (bugsink/http_protocol.py),
and a worker answers 503 once it holds gunicorn's `worker_connections` connections (or
requests in progress).
"""

import os
from typing import Any

from uvicorn_worker import UvicornWorker

from bugsink.http_protocol import HeaderTimeoutProtocol
from core.malloc import limit_arenas


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": HeaderTimeoutProtocol,
        "lifespan": "on",
        "access_log": bool(os.environ.get("GUNICORN_ACCESS_LOG")),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config.limit_concurrency = self.cfg.worker_connections

    def init_process(self) -> None:
        # Before the app starts its threads (group commit, digest scheduler, Django's pool).
        limit_arenas()
        super().init_process()
