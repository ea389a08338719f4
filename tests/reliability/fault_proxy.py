"""A seeded fault-injecting HTTP proxy on 127.0.0.1, put in front of any fake (or a real local server).

Every request the connector sends passes through it; a share of them (the `rate`) meets a fault, chosen by
a seeded RNG in request order, so a run's faults repeat exactly:
- `5xx`: a 500/502/503/504 reply without forwarding (the system never saw the request);
- `429`: a 429 with a Retry-After header without forwarding;
- `drop`: the connection is closed without a reply before forwarding;
- `lost_reply`: forwarded and applied, then the connection is closed without a reply;
- `timeout`: forwarded and applied, then no reply until the client gives up (a read timeout after the
  server applied the write).
With `echo_headers` an injected 5xx reply quotes the request's headers in its body, as a broken gateway's
debug page does: the secrets suite uses it to tempt the product into logging a token.
The upstream's Host header is passed on unchanged, so links a server builds from it lead back through here.
`on_applied` is called after a request was applied upstream and before its reply goes back: the crash suite
kills the syncing process there (a create whose reply never arrived).
"""

from __future__ import annotations

import contextlib
import http.client
import random
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

KINDS = ("5xx", "429", "drop", "lost_reply", "timeout")
#: the default mix of kinds among the faulted requests
MIX = {"5xx": 0.3, "429": 0.25, "drop": 0.15, "lost_reply": 0.15, "timeout": 0.15}
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "trailer",
        "upgrade"}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class FaultPlan:
    """Which requests meet which fault: seeded, thread-safe, with counters of what was injected."""

    def __init__(self, rate: float = 0.0, *, seed: int = 0, mix: dict[str, float] | None = None,
                 retry_after_s: float = 0.01, faulty: Callable[[str, str], bool] = lambda method, path: True,
                 echo_headers: bool = False) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.rate = rate
        self.mix = dict(mix or MIX)
        self.retry_after_s = retry_after_s
        #: which requests may meet a fault at all (e.g. not the login)
        self.faulty = faulty
        self.echo_headers = echo_headers
        self.injected: Counter[str] = Counter()
        self.requests = 0
        self.writes = 0

    def configure(self, rate: float | None = None, *, seed: int | None = None) -> None:
        with self._lock:
            if rate is not None:
                self.rate = rate
            if seed is not None:
                self._rng.seed(seed)

    def decide(self, method: str, path: str) -> str | None:
        with self._lock:
            self.requests += 1
            if method in _WRITES:
                self.writes += 1
            if not self.rate or not self.faulty(method, path):
                return None
            # both draws are made for every request, so a change of rate never shifts the later choices
            hit, pick = self._rng.random(), self._rng.random()
            if hit >= self.rate:
                return None
            total = sum(self.mix.values())
            for kind, weight in self.mix.items():
                pick -= weight / total
                if pick < 0:
                    self.injected[kind] += 1
                    return kind
            kind = next(iter(self.mix))
            self.injected[kind] += 1
            return kind


class FaultProxy:
    """The proxy server: `url` replaces the upstream's base URL in the connector's settings."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None, *, stall_s: float = 3.0,
                 on_applied: Callable[[str, str], None] | None = None) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http":
            raise ValueError("the fault proxy forwards plain HTTP only")
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.prefix = parts.path.rstrip("/")
        self.plan = plan or FaultPlan()
        self.stall_s = stall_s
        self.on_applied = on_applied
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: FaultProxy) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up mid-reply is what a fault is for


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = proxy.plan.decide(self.command, self.path)
        if fault == "drop":
            self._drop()
            return
        if fault == "5xx":
            status = random.Random(proxy.plan.requests).choice((500, 502, 503, 504))
            text = "injected server error"
            if proxy.plan.echo_headers:
                text += "; the request was: " + "; ".join(f"{k}: {v}" for k, v in self.headers.items())
            self._reply(status, [("Content-Type", "text/plain")], text.encode())
            return
        if fault == "429":
            self._reply(429, [("Retry-After", f"{proxy.plan.retry_after_s:g}"), ("Content-Type", "text/plain")],
                        b"injected rate limit")
            return
        try:
            status, headers, payload = self._forward(body)
        except (OSError, http.client.HTTPException):
            self._drop()
            return
        if proxy.on_applied is not None:
            proxy.on_applied(self.command, self.path)
        if fault == "lost_reply":
            self._drop()
            return
        if fault == "timeout":
            self._stall(proxy.stall_s)
            return
        self._reply(status, headers, payload)

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self.server.proxy.upstream
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            if body or self.command in _WRITES:
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            # a list, not a dict: a reply may set several cookies
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
            return response.status, kept, payload
        finally:
            conn.close()

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in ("date", "server"):
                self.send_header(name, value)
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _stall(self, seconds: float) -> None:
        """Say nothing until the client hangs up (its read timed out) or `seconds` pass, then close."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        break  # the client closed its end
                except OSError:
                    break
        self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
