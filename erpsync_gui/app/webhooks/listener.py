"""The receiver's small HTTP listener (stdlib ThreadingHTTPServer): host, port and path from the settings.

It binds 127.0.0.1 by default; any other address is an explicit choice and is warned about in the log.
Request lines are not logged: the path carries the secret token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from erpsync_gui.app.webhooks.receiver import Reply, WebhookReceiver
from erpsync_gui.app.webhooks.settings import WebhookSettings
from erpsync_gui.app.webhooks.verify import IncomingCall
from erpsync_gui.errors import ConfigError

log = logging.getLogger("erpsync.webhooks")
MAX_BODY = 1024 * 1024


class WebhookListener:
    def __init__(self, receiver: WebhookReceiver, settings: WebhookSettings, *, port: int | None = None) -> None:
        self.receiver = receiver
        self.settings = settings
        self._port = settings.port if port is None else port
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        if self._http is None:
            raise RuntimeError("the webhook listener is not started")
        host, port = self._http.server_address[:2]
        return str(host), int(port)

    def url(self, token: str) -> str:
        """The address to give the CRM (it holds the secret token: show it to an admin only)."""
        host, port = self.address
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.settings.path.rstrip('/')}/{token}"

    def start(self) -> WebhookListener:
        if self._http is not None:
            return self
        if not self.settings.is_loopback():
            log.warning("the webhook receiver listens on %s, which other machines can reach: only the path token, "
                        "the allow-list (%s) and the rate limit protect it", self.settings.host,
                        ", ".join(self.settings.allow))
        receiver = self.receiver

        class Handler(_Handler):
            owner = receiver

        server_class = _Server6 if ":" in self.settings.host else _Server
        try:
            self._http = server_class((self.settings.host, self._port), Handler)
        except OSError as exc:
            raise ConfigError(f"the webhook receiver cannot listen on {self.settings.host}:{self._port}: {exc}",
                              hint="choose another port in the webhook settings") from None
        self.receiver.start()
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.1,), name="webhook-listener",
                                        daemon=True)
        self._thread.start()
        log.info("webhook receiver listening on %s:%d", *self.address)
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._http = None
        self.receiver.stop()

    def __enter__(self) -> WebhookListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ERPSync-Webhooks"
    sys_version = ""
    owner: WebhookReceiver

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        size = int(length) if length and length.isdigit() else 0
        if size > MAX_BODY:
            self._send(Reply(413, {"ok": False, "error": "body too large"}), close=True)
            return
        body = self.rfile.read(size) if size else b""
        parts = urlsplit(self.path)
        call = IncomingCall(method=self.command, path=parts.path, query=parse_qs(parts.query, keep_blank_values=True),
                            headers=dict(self.headers.items()), body=body, source=self.client_address[0])
        try:
            reply = self.owner.handle(call)
        except Exception:  # a bug must not kill the listener, nor say more than "error" to the caller
            log.exception("the webhook receiver failed on a call")
            reply = Reply(500, {"ok": False, "error": "internal error"})
        self._send(reply)

    def _send(self, reply: Reply, close: bool = False) -> None:
        payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line holds the path token
