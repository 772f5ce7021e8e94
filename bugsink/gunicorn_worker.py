"""The gunicorn worker class: uvicorn's, with the event loop and parser it should pick anyway
(uvloop, httptools) made explicit, and its access log only when one is configured: building a
log record per ingest request nobody reads costs more than parsing the request."""

import os

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
        "access_log": bool(os.environ.get("GUNICORN_ACCESS_LOG")),
    }
