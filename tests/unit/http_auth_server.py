"""A fake OAuth2 authorization server on 127.0.0.1 that behaves as PROTOCOLS.md says: it checks the PKCE
code_verifier against the S256 challenge, rotates refresh tokens (QuickBooks) or keeps them (Zoho, which
answers a dead one with HTTP 200 and `invalid_code`), refuses unknown ones with 400 `invalid_grant`, and
guards a small API that accepts only the access tokens it issued."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


@dataclass
class AuthState:
    client_id: str = "erpsync-app"
    client_secret: str = "app-secret-7f3a9c"
    #: rotate the refresh token on every refresh grant (QuickBooks) or keep it (Zoho)
    rotate: bool = True
    #: answer a dead refresh token like Zoho (200 + invalid_code) instead of 400 invalid_grant
    zoho_errors: bool = False
    expires_in: int = 3600
    #: the access tokens handed out, in order (then random ones)
    access_tokens: list[str] = field(default_factory=list)
    extra_redirect: dict[str, str] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    valid_access: set[str] = field(default_factory=set)
    grants: list[dict[str, str]] = field(default_factory=list)
    token_headers: list[dict[str, str]] = field(default_factory=list)
    pkce_checked: int = 0
    api_calls: list[str] = field(default_factory=list)


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        if parts.path in ("/authorize", "/oauth/v2/auth"):
            if query.get("client_id") != state.client_id or query.get("code_challenge_method") != "S256":
                self._reply(400, {"error": "invalid_request"})
                return
            code = secrets.token_urlsafe(12)
            state.codes[code] = (query["code_challenge"], query["redirect_uri"])
            back = {"code": code, "state": query.get("state", ""), **state.extra_redirect}
            self._reply(302, None, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"})
            return
        token = self.headers.get("Authorization", "").partition(" ")[2]
        with self.server.lock:
            state.api_calls.append(token)
            allowed = token in state.valid_access
        self._reply(200 if allowed else 401, {"data": [{"id": 1}]} if allowed else {"error": "invalid token"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        state = self.server.state
        with self.server.lock:
            state.grants.append(form)
            state.token_headers.append({k.lower(): v for k, v in self.headers.items()})
            status, body = self._grant(form)
        self._reply(status, body)

    def _client_ok(self, form: dict[str, str]) -> bool:
        state = self.server.state
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic[6:]).decode()
            return pair == f"{state.client_id}:{state.client_secret}"
        return form.get("client_id") == state.client_id and form.get("client_secret") in (None, state.client_secret)

    def _grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        state = self.server.state
        if not self._client_ok(form):
            return 401, {"error": "invalid_client"}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            challenge, redirect = state.codes.pop(form.get("code", ""), (None, None))
            if challenge is None or redirect != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "unknown code"}
            if s256(form.get("code_verifier", "")) != challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            state.pkce_checked += 1
            return 200, self._issue(new_refresh=True)
        if grant == "refresh_token":
            old = form.get("refresh_token", "")
            if old not in state.refresh_tokens:
                if state.zoho_errors:
                    return 200, {"error": "invalid_code"}
                return 400, {"error": "invalid_grant", "error_description": "Token invalid"}
            if state.rotate:
                state.refresh_tokens.discard(old)
            return 200, self._issue(new_refresh=state.rotate, refresh=old)
        if grant == "client_credentials":
            return 200, self._issue(new_refresh=False)
        return 400, {"error": "unsupported_grant_type"}

    def _issue(self, *, new_refresh: bool, refresh: str | None = None) -> dict[str, Any]:
        """An access token, and a new refresh token when `new_refresh` (Zoho's refresh answer has none)."""
        state = self.server.state
        access = state.access_tokens.pop(0) if state.access_tokens else "at-" + secrets.token_urlsafe(16)
        state.valid_access.add(access)
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer", "expires_in": state.expires_in,
                                "api_domain": "https://www.zohoapis.eu"}
        if new_refresh:
            refresh = "rt-" + secrets.token_urlsafe(16)
            state.refresh_tokens.add(refresh)
            body["refresh_token"] = refresh
        return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: AuthState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.lock = threading.Lock()


class FakeAuthServer:
    """The server and its state; `url` is its root."""

    def __init__(self, **state: Any) -> None:
        self.state = AuthState(**state)
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_refresh_token(self, token: str) -> None:
        with self._server.lock:
            self.state.refresh_tokens.add(token)

    def revoke_access(self) -> None:
        with self._server.lock:
            self.state.valid_access.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeAuthServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
