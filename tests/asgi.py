"""Calling the server's ASGI application in-process (httpx's ASGI transport), for tests that
need the real ingest endpoints under a controlled clock or settings instead of a live server."""

import asyncio

import httpx

from bugsink.asgi import application


def asgi_post(path: str, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post(path, content=content, headers=headers or {})

    return asyncio.run(post())
