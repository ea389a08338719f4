"""Replies that would crash or exhaust the app: bodies past the size ceiling (declared, chunked, or a gzip bomb),
and JSON nested deep enough to exhaust Python's recursion limit. Each is a MalformedReplyError that names the
system, what was asked and the URL; none is a traceback, and a reply under the ceiling reads as before.
Served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from erpsync_gui.connectors.payamgostar import client as payamgostar_client
from erpsync_gui.connectors.quickbooks.client import QboClient
from erpsync_gui.connectors.sap_b1.client import ServiceLayer
from erpsync_gui.connectors.siagh.forms import read_reply
from erpsync_gui.connectors.zoho.client import ZohoClient
from erpsync_gui.errors import MalformedReplyError, PermanentError
from erpsync_gui.http.client import HttpClient
from erpsync_gui.http.json_reply import decode_json, json_object
from erpsync_gui.http.reply_size import MIB
from erpsync_gui.http.settings import HttpSettings

DEEP = b"[" * 200_000 + b"]" * 200_000
#: 3 MiB of spaces inside a JSON string: compresses to a few kilobytes
BOMB = gzip.compress(b'{"data": "' + b" " * (3 * MIB) + b'"}')


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/chunked":
            self._chunked(b'{"data": [' + b'{"id": 1},' * 400_000 + b'{"id": 2}]}')
            return
        if path == "/declared":
            # says 5 GiB and sends a little: the ceiling is checked before a byte of the body is read
            self._head(200, {"Content-Length": str(5 * 1024 * MIB)})
            self.wfile.write(b"{}")
            self.close_connection = True
            return
        bodies = {"/small": b'{"data": [{"id": 1}]}', "/deep": DEEP, "/bomb": BOMB, "/error-big": b"x" * (2 * MIB)}
        body = bodies[path]
        status = 500 if path == "/error-big" else 200
        self._head(status, {"Content-Length": str(len(body)), **({"Content-Encoding": "gzip"} if path == "/bomb"
                                                               else {})})
        self.wfile.write(body)

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _chunked(self, body: bytes) -> None:
        self._head(200, {"Transfer-Encoding": "chunked"})
        for start in range(0, len(body), 64 * 1024):
            piece = body[start:start + 64 * 1024]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on a body it refused is the point of these tests


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _client(base_url: str, limit: int = MIB, log_level: str = "INFO") -> HttpClient:
    return HttpClient(HttpSettings(base_url, timeout=10, retries=0, max_reply_bytes=limit, name="the ERP endpoint",
                                   log_level=log_level), sleep=lambda _s: None)


@pytest.mark.parametrize("path", ["/chunked", "/declared", "/bomb"])
@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_a_reply_past_the_ceiling_is_refused_with_the_way_out(base_url: str, path: str, log_level: str) -> None:
    with _client(base_url, log_level=log_level) as http, pytest.raises(MalformedReplyError) as caught:
        http.get(path, params={"api_key": "k"})
    message = str(caught.value)
    assert f"the reply from the ERP endpoint at {base_url}{path} is larger than 1 MB" in message
    assert "max_reply_mb" in message and "api_key" not in message


def test_a_reply_under_the_ceiling_reads_as_before(base_url: str) -> None:
    with _client(base_url, limit=8 * MIB) as http:
        assert http.get("/chunked").json()["data"][-1] == {"id": 2}
        assert json.loads(http.get("/bomb").content)["data"].isspace()
        assert json_object(http.get("/small"), "the ERP", "clients") == {"data": [{"id": 1}]}


def test_a_big_error_reply_still_reports_the_status(base_url: str) -> None:
    with _client(base_url) as http, pytest.raises(PermanentError) as caught:
        http.get("/error-big")
    assert caught.value.status == 500


def test_the_ceiling_is_an_endpoint_option() -> None:
    from erpsync_gui.http.auth_factory import endpoint_settings
    from erpsync_gui.profile import EndpointConfig, Side

    endpoint = EndpointConfig(side=Side.ERP, kind="rest", url="http://127.0.0.1:1/", auth="none",
                              options={"max_reply_mb": 3})
    assert endpoint_settings(endpoint, endpoint.url).max_reply_bytes == 3 * MIB
    plain = EndpointConfig(side=Side.ERP, kind="rest", url="http://127.0.0.1:1/", auth="none")
    assert endpoint_settings(plain, plain.url).max_reply_bytes == 64 * MIB


@pytest.mark.parametrize(
    ("read", "system"),
    [
        (lambda r: decode_json(r, "the ERP", "clients"), "the ERP"),
        (lambda r: QboClient._json(r, "query of Customer"), "QuickBooks Online"),
        (lambda r: ZohoClient._json(None, r, "Contacts"), "Zoho CRM"),  # type: ignore[arg-type]
        (lambda r: ServiceLayer._json(None, r, "BusinessPartners"), "SAP Business One"),  # type: ignore[arg-type]
        (lambda r: payamgostar_client._json(r, "the person"), "Payamgostar"),
        (lambda r: read_reply(r, "the new contact"), "Siagh"),
    ],
)
def test_json_nested_too_deep_is_a_malformed_reply_for_every_connector(base_url: str, read, system: str) -> None:
    with _client(base_url, limit=8 * MIB) as http:
        response = http.get("/deep")
        with pytest.raises(PermanentError) as caught:
            read(response)
    assert f"malformed reply from {system}" in str(caught.value)
    assert f"{base_url}/deep" in str(caught.value)
