"""A real HTTP server on loopback (stdlib `http.server` in a thread) for fake providers.

Each fake provider subclasses `FakeProvider` and answers like the real API: it checks
auth and the request's shape, refuses bad input with the provider's own error body, and
de-duplicates on the idempotency header as the real service promises. Tests script
failures with `fail_next(503, 503)` (answered before anything is stored) or
`slow_next(seconds)` (stored, then answered after the client gave up).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeProvider:
    idempotency_header = "Idempotency-Key"

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.messages: list[dict[str, Any]] = []
        self._replies: dict[str, Reply] = {}
        self._failures: list[int] = []
        self._slow: list[float] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.url = ""

    # ----- scripting ----------------------------------------------------------------------
    def fail_next(self, *statuses: int) -> None:
        with self._lock:
            self._failures.extend(statuses)

    def slow_next(self, seconds: float) -> None:
        with self._lock:
            self._slow.append(seconds)

    # ----- what subclasses implement ------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    # ----- request flow -------------------------------------------------------------------
    def _serve(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._failures:
                status = self._failures.pop(0)
                return Reply(status, {"message": f"scripted failure {status}"})
            delay = self._slow.pop(0) if self._slow else 0.0
            key = request.headers.get(self.idempotency_header.lower())
            if key and key in self._replies:
                return self._replies[key]
            reply = self.handle(request)
            if key and 200 <= reply.status < 300:
                self._replies[key] = reply
        if delay:
            self._released.wait(delay)  # the client times out meanwhile; the message is stored
        return reply

    @contextmanager
    def running(self) -> Iterator[FakeProvider]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                reply = fake._serve(request)
                raw = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (time-out test)

            do_POST = _any
            do_GET = _any

            def log_message(self, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._released.set()
            server.shutdown()
            server.server_close()
