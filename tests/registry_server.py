"""A local stand-in for the ClinicalTrials.gov API v2, served over HTTP on 127.0.0.1 for CLI tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

VERSION = {"apiVersion": "2.0.5", "dataTimestamp": "2026-08-22T09:00:00"}


class ScriptedRegistry:
    """Pages of raw study JSON texts; page N answers the token `pN`. `total` is what page 1 claims."""

    def __init__(self, pages: list[list[str]], total: int) -> None:
        self.pages, self.total = pages, total
        self.paths: list[str] = []

    def body_for(self, token: str | None) -> bytes:
        number = 0 if token is None else int(token.removeprefix("p"))
        items = self.pages[number] if number < len(self.pages) else []
        parts = ['"studies": [' + ", ".join(items) + "]"]
        if number + 1 < len(self.pages):
            parts.append(f'"nextPageToken": "p{number + 1}"')
        if token is None:
            parts.append(f'"totalCount": {self.total}')
        return ("{" + ", ".join(parts) + "}").encode()


@contextmanager
def serve_registry(registry: ScriptedRegistry) -> Iterator[str]:
    """Serve `registry` on a free local port for the block; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            registry.paths.append(url.path)
            if url.path == "/api/v2/version":
                body = json.dumps(VERSION).encode()
            elif url.path == "/api/v2/studies":
                token = parse_qs(url.query).get("pageToken", [None])[0]
                body = registry.body_for(token)
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
