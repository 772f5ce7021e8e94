"""Calling the server's ASGI application in-process (httpx's ASGI transport), for tests that
need the real ingest endpoints under a controlled clock or settings instead of a live server."""

import asyncio

import httpx

from bugsink.asgi import application
from ingest.group_commit import committer


def asgi_post(path: str, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.post(path, content=content, headers=headers or {})
        finally:
            # The loop ends with this call, as a server's does at shutdown: so does its
            # spool connection, instead of lingering until the test database is dropped.
            await committer.close()

    return asyncio.run(post())
