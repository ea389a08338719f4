"""A stand-in for an older Tryton server, in front of the real one: it serves JSON-RPC at `/<database>/`
and answers 404 at `/<database>/rpc/` (the path newer servers use), forwarding everything else to the
real server unchanged. A fault switch makes it answer a given HTTP status instead, as a proxy or a busy
server would (503, 429 with Retry-After, 403). With `hide_stamp` its models lack `last_modified_at`
in `fields_get`, as servers from before that field do (which release added it is unverified here).

What it rests on: trytond 8.2 serves `/<database>/rpc/` only; older servers are documented with
`/<database>/` (the Tryton RPC topic's examples over the years). That the older path speaks the same
JSON-RPC body and Session header is unverified here: this shim assumes it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fault = self.server.take_fault()
        if fault is not None:
            status, headers = fault
            self._reply(status, b"", {"Content-Type": "text/plain", **headers})
            return
        db = self.server.database
        if self.path == f"/{db}/rpc/":
            self._reply(404, b"Not Found", {"Content-Type": "text/plain"})
            return
        target = f"/{db}/rpc/" if self.path == f"/{db}/" else self.path
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
        answer = httpx.post(f"{self.server.upstream}{target.lstrip('/')}", content=body, headers=headers, timeout=60)
        kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "date", "www-authenticate")}
        content = answer.content
        method = str(json.loads(body or b"{}").get("method") or "")
        if self.server.hide_stamp and answer.status_code == 200 and method.endswith(".fields_get"):
            reply = json.loads(content)
            if isinstance(reply.get("result"), dict):
                reply["result"].pop("last_modified_at", None)
                content = json.dumps(reply).encode()
        self._reply(answer.status_code, content, kept)

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, database: str, hide_stamp: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hide_stamp = hide_stamp
        self.upstream = upstream
        self.database = database
        self._lock = threading.Lock()
        self._faults: list[tuple[int, dict[str, str]]] = []
        #: requests answered with a fault
        self.faulted = 0

    def add_faults(self, status: int, times: int, headers: dict[str, str]) -> None:
        with self._lock:
            self._faults += [(status, headers)] * times

    def take_fault(self) -> tuple[int, dict[str, str]] | None:
        with self._lock:
            if not self._faults:
                return None
            self.faulted += 1
            return self._faults.pop(0)


class LegacyTryton:
    """The shim on a free port; `fail(status, times, headers)` queues faulty answers."""

    def __init__(self, upstream: str, database: str, *, hide_stamp: bool = False) -> None:
        self._server = _Server(upstream, database, hide_stamp)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def faulted(self) -> int:
        return self._server.faulted

    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        self._server.add_faults(status, times, dict(headers or {}))

    def __enter__(self) -> LegacyTryton:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
