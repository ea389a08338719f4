"""The sandbox ERP's HTTP server: the REST dialect of api.py on a threading stdlib server.

HTTP/1.1 keep-alive, one daemon thread per connection, faults applied per request. Test helpers
(`records`, `get`, `edit`, `count`) reach the storage directly, as a person working in the ERP would.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from erpsync_gui import __version__
from erpsync_gui.sandbox import seed_data
from erpsync_gui.sandbox.api import Api, Reply, entity_of
from erpsync_gui.sandbox.faults import Action, FaultSettings
from erpsync_gui.sandbox.storage import Storage
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: headers and body go out as two writes; without this, delayed ACKs cost 40 ms a request
    disable_nagle_algorithm = True
    server_version = f"ERPSync-Sandbox/{__version__}"
    server: _HttpServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(Reply(413, {"error": "Request body too large"}), close=True)
            return
        body = self.rfile.read(length) if length else b""
        entity = entity_of(self.path)
        decision = self.server.faults.decide(self.command, entity)
        if decision.latency_ms:
            time.sleep(decision.latency_ms / 1000)
        if decision.action is Action.DROP:
            self._drop()
            return
        if decision.action is Action.RATE_LIMIT:
            retry = f"{decision.retry_after:g}"
            self._send(Reply(429, {"error": "Too many requests"}, {"Retry-After": retry}))
            return
        if decision.action is Action.ERROR:
            self._send(Reply(500, {"error": "Internal server error (injected fault)"}))
            return
        try:
            reply = self.server.api.handle(self.command, self.path, self.headers, body)
        except Exception:
            log.exception("sandbox failed on %s %s", self.command, self.path)
            reply = Reply(500, {"error": "Internal server error"})
        if decision.drop_after_write and reply.status < 300 and self.command in ("POST", "PUT"):
            self._drop()  # the write is committed; the client never hears of it
            return
        if decision.bad_reply_id is not None and reply.status < 300:
            reply = _with_bad_id(reply, decision.bad_reply_id)
        self._send(reply)

    def _send(self, reply: Reply, close: bool = False) -> None:
        # a 204 carries no body at all
        payload = b"" if reply.status == 204 else json.dumps(
            reply.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # the Date header carries the server's own clock, which a test may set wrong on purpose
        return super().date_time_string((timestamp or time.time()) + self.server.faults.clock_offset_s)


def _with_bad_id(reply: Reply, bad_id: object) -> Reply:
    """The reply with the written record's id spoiled (in a list create's reply: the first record's)."""
    data = reply.body.get("data")
    if isinstance(data, dict):
        return Reply(reply.status, {**reply.body, "data": {**data, "id": bad_id}}, reply.headers)
    if isinstance(data, list) and data and isinstance(data[0], dict) and "error" not in data[0]:
        return Reply(reply.status, {**reply.body, "data": [{**data[0], "id": bad_id}, *data[1:]]}, reply.headers)
    return reply


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: Api, faults: FaultSettings) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.faults = faults
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End kept-alive connections so their threads stop touching the storage."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class SandboxServer:
    """A reference ERP speaking the REST dialect, for the demo, tests and benchmarks."""

    def __init__(
        self,
        db_path: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        auth_token: str = DEMO_AUTH_TOKEN,
        client_token: str = DEMO_CLIENT_TOKEN,
        seed: bool | Mapping[str, int] = True,
        fault_seed: int | None = 0,
    ) -> None:
        self.storage = Storage(db_path)
        if seed is not False and self.storage.is_empty():
            seed_data.seed(self.storage, None if seed is True else seed)
        self.faults = FaultSettings(fault_seed)
        self.api = Api(self.storage, auth_token, client_token)
        self._address = (host, port)
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, ending with "/"."""
        if self._http is None:
            raise RuntimeError("The sandbox server is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> SandboxServer:
        if self._http is None:
            self._http = _HttpServer(self._address, self.api, self.faults)
            # a short poll keeps stop() quick (tests start and stop many servers)
            self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,),
                                            name="sandbox-erp", daemon=True)
            self._thread.start()
            log.info("sandbox ERP listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close the storage (a file database keeps its data)."""
        if self._http is not None:
            self._http.shutdown()
            self._http.close_connections()
            self._http.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._http = None
            self._thread = None
        self.storage.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers that bypass HTTP -----------------------------------------------------------
    def records(self, entity: str) -> list[dict[str, Any]]:
        return self.storage.all(entity)

    def get(self, entity: str, record_id: int) -> dict[str, Any] | None:
        return self.storage.get(entity, int(record_id))

    def edit(self, entity: str, record_id: int, **fields: Any) -> dict[str, Any]:
        """Change a record as a person in the ERP would: new updated_at, version + 1."""
        doc = self.storage.update(entity, int(record_id), fields)
        if doc is None:
            raise KeyError(f"{entity} {record_id} does not exist")
        return doc

    def count(self, entity: str) -> int:
        return self.storage.count(entity)
