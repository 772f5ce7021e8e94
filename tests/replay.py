"""Replaying a captured SDK request byte for byte: same method, path, query, headers, body and,
for chunked uploads, the same chunk framing. Only the Host header names our server."""

import http.client
import json
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path

from tests.shared import SDK_CAPTURES_DIR


@dataclass
class Capture:
    name: str
    meta: dict
    body: bytes

    @property
    def event_id(self) -> str | None:
        return self.meta.get("event_id_detected")

    @property
    def item_types(self) -> list[str]:
        decoded = Path(self.meta["_path"].replace(".meta.json", ".envelope.json"))
        if not decoded.exists():
            return []
        items = json.loads(decoded.read_text()).get("items") or []
        return [item["header"]["type"] for item in items]


def all_captures() -> list[Capture]:
    captures = []
    for meta_path in sorted(SDK_CAPTURES_DIR.glob("*/*.meta.json")):
        meta = json.loads(meta_path.read_text())
        meta["_path"] = str(meta_path)
        body = meta_path.with_name(meta["body_file"]).read_bytes() if meta.get("body_file") else b""
        name = f"{meta_path.parent.name}/{meta_path.name.split('.')[0]}"
        captures.append(Capture(name=name, meta=meta, body=body))
    return captures


def replay(capture: Capture, host: str, port: int) -> tuple[int, HTTPMessage, bytes]:
    """Status, headers (looked up case-insensitively, as HTTP header names are) and body."""
    meta = capture.meta
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.putrequest(meta["method"], meta["raw_path"], skip_host=True, skip_accept_encoding=True)
        for name, value in meta["headers"]:
            conn.putheader(name, f"{host}:{port}" if name.lower() == "host" else value)
        conn.endheaders()
        if meta.get("chunked"):
            pos = 0
            for size in meta["chunk_sizes"]:
                conn.send(b"%x\r\n" % size + capture.body[pos : pos + size] + b"\r\n")
                pos += size
            conn.send(b"0\r\n\r\n")
        elif capture.body:
            conn.send(capture.body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()
