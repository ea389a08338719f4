"""Session login against a small SAP Business One-like Service Layer on 127.0.0.1: POST /Login sets the
B1SESSION and ROUTEID cookies; an expired session answers 401; the client logs in again once and sends
the request again once; /Logout ends the session when the client closes."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from erpsync_gui.errors import AuthError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import build_auth
from erpsync_gui.http.ratelimit import LimiterRegistry
from erpsync_gui.http.session_auth import SessionAuth
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side

PASSWORD = "manager-Pa55!"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ServiceLayer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None, cookies: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (cookies or {}).items():
            self.send_header("Set-Cookie", f"{name}={value}; HttpOnly; Path=/b1s/v1")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        sl = self.server
        if self.path == "/b1s/v1/Login":
            sl.logins.append(body)
            if body != {"CompanyDB": "SBODEMOUS", "UserName": "manager", "Password": PASSWORD}:
                self._reply(401, {"error": {"code": -304, "message": {"lang": "en-us", "value": "Fail to login"}}})
                return
            session = secrets.token_hex(8)
            sl.sessions.add(session)
            self._reply(200, {"SessionId": session, "Version": "1000190", "SessionTimeout": 30},
                        {"B1SESSION": session, "ROUTEID": ".node1"})
        elif self.path == "/b1s/v1/Logout":
            sl.logouts.append(self.headers.get("Cookie"))
            self._reply(204)
        else:
            self.do_GET()

    def do_GET(self) -> None:
        sl = self.server
        raw = (self.headers.get("Cookie") or "").split(";")
        cookies = dict(part.strip().split("=", 1) for part in raw if "=" in part)
        sl.calls.append(cookies)
        if cookies.get("B1SESSION") in sl.sessions and cookies.get("ROUTEID") == ".node1":
            self._reply(200, {"value": [{"ItemCode": "A1"}]})
        else:
            self._reply(401, {"error": {"code": 301, "message": {"lang": "en-us", "value": "Invalid session"}}})


class _ServiceLayer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sessions: set[str] = set()
        self.logins: list[dict] = []
        self.logouts: list[str | None] = []
        self.calls: list[dict[str, str]] = []


@pytest.fixture
def sl() -> Iterator[_ServiceLayer]:
    server = _ServiceLayer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _client(sl: _ServiceLayer, password: str = PASSWORD, **kw: Any) -> tuple[HttpClient, SessionAuth]:
    base = f"http://127.0.0.1:{sl.server_address[1]}/b1s/v1/"
    endpoint = EndpointConfig(Side.ERP, "sap_b1", base, auth="session",
                              options={"username": "manager", "company_db": "SBODEMOUS"})
    auth = build_auth(endpoint, {"password": password}, base_url=base).auth
    assert isinstance(auth, SessionAuth)
    return HttpClient(HttpSettings(base, retries=0, **kw), auth=auth, limiters=LimiterRegistry()), auth


def test_logs_in_once_and_sends_the_cookies(sl: _ServiceLayer) -> None:
    http, _auth = _client(sl)
    with http:
        assert http.get("Items").json()["value"][0]["ItemCode"] == "A1"
        http.get("Items")
    assert len(sl.logins) == 1
    assert all(set(c) == {"B1SESSION", "ROUTEID"} for c in sl.calls)
    assert len(sl.logouts) == 1 and "B1SESSION=" in sl.logouts[0]  # closed with POST /Logout


def test_an_expired_session_logs_in_again_once_and_retries_once(sl: _ServiceLayer) -> None:
    http, auth = _client(sl)
    with http:
        http.get("Items")
        sl.sessions.clear()  # the server forgot the session (timeout, restart)
        assert http.get("Items").status_code == 200
        assert len(sl.logins) == 2 and auth.generation == 2
        assert len(sl.calls) == 3  # ok, 401, ok

        sl.sessions.clear()
        original = _Handler.do_POST

        def login_without_session(self: _Handler) -> None:  # logins succeed but sessions never work
            original(self)
            self.server.sessions.clear()

        _Handler.do_POST = login_without_session
        try:
            with pytest.raises(AuthError) as caught:
                http.get("Items")
        finally:
            _Handler.do_POST = original
    assert caught.value.status == 401
    assert len(sl.logins) == 3  # one more login only, not a loop
    assert len(sl.calls) == 5


def test_a_wrong_password_is_a_clear_auth_error(sl: _ServiceLayer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="erpsync")
    http, _auth = _client(sl, password="not-the-password", log_level="DEBUG")
    with http, pytest.raises(AuthError, match=r"login at .*/b1s/v1/Login was refused") as caught:
        http.get("Items")
    assert "Fail to login" in caught.value.details
    assert "not-the-password" not in caplog.text
    assert '"Password": "***"' in caplog.text  # the login body was logged, blanked


def test_an_idle_session_is_renewed_before_the_server_times_it_out(sl: _ServiceLayer) -> None:
    now = [1000.0]
    base = f"http://127.0.0.1:{sl.server_address[1]}/b1s/v1/"
    auth = SessionAuth(base, "manager", PASSWORD, login_body={"CompanyDB": "SBODEMOUS"}, clock=lambda: now[0])
    with HttpClient(HttpSettings(base, retries=0), auth=auth, limiters=LimiterRegistry()) as http:
        http.get("Items")
        now[0] += 29 * 60 + 45  # SessionTimeout 30 minutes, minus the safety margin
        http.get("Items")
    assert len(sl.logins) == 2
    assert len(sl.calls) == 2  # no 401 was needed
