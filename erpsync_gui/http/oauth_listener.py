"""The OAuth2 authorization-code flow with PKCE through the system browser: a one-shot listener on
127.0.0.1 receives the redirect, the code and the PKCE verifier are exchanged for tokens, and both tokens
are stored in the keyring as one step.

`login` is what `erpsync auth login` (and later the GUI's "Connect" button) calls; the browser opener
is injected so tests (and a headless admin, who copies the printed URL) need no real browser.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from erpsync_gui.errors import AuthError, ConfigError
from erpsync_gui.http.oauth import OAuthConfig, TokenClient, TokenSet
from erpsync_gui.http.pkce import challenge_s256, make_state, make_verifier
from erpsync_gui.http.token_auth import ACCESS_TOKEN, REFRESH_TOKEN, bundle
from erpsync_gui.secrets import EndpointSecrets

DEFAULT_LOGIN_TIMEOUT = 300.0
_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>ERPSync</title></head>"
         "<body style='font-family:sans-serif'><h2>{title}</h2><p>{text}</p></body></html>")


class _Handler(BaseHTTPRequestHandler):
    server: _OneShotServer

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never logged
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self._answer(404, "Not found", "This address only receives the ERPSync login.")
            return
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if "error" in params:
            self._answer(400, "Login refused", "ERPSync was not given access. You can close this window.")
        else:
            self._answer(200, "ERPSync is connected", "You can close this window and go back to ERPSync.")
        self.server.deliver(params)

    def _answer(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _OneShotServer(HTTPServer):
    def __init__(self, port: int, path: str) -> None:
        self.path = path
        self.params: dict[str, str] | None = None
        self.arrived = threading.Event()
        super().__init__(("127.0.0.1", port), _Handler)

    def deliver(self, params: dict[str, str]) -> None:
        if self.params is None:
            self.params = params
            self.arrived.set()


class OneShotListener:
    """Listens on 127.0.0.1 for the one redirect that carries the authorization code."""

    def __init__(self, port: int = 0, path: str = "/callback") -> None:
        try:
            self._server = _OneShotServer(port, path if path.startswith("/") else "/" + path)
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{port} for the login redirect: {exc.strerror}",
                              hint="close the program using that port or change options.redirect_port") from None
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._server.path}"

    def wait(self, timeout: float) -> dict[str, str]:
        """The redirect's query parameters; AuthError when none came within `timeout` seconds."""
        if not self._server.arrived.wait(timeout):
            raise AuthError(f"no login arrived within {timeout:.0f} s",
                            hint="finish the login in the browser, or run the command again")
        return dict(self._server.params or {})

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OneShotListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class LoginResult:
    tokens: TokenSet
    #: the redirect's non-secret parameters (Zoho's location and accounts-server, QuickBooks' realmId)
    redirect: Mapping[str, str]


def authorization_url(config: OAuthConfig, redirect_uri: str, state: str, challenge: str) -> str:
    if not config.authorize_url:
        raise ConfigError(f"the OAuth2 setting authorize_url of the {config.side.upper()} endpoint is not set",
                          hint="add options.authorize_url to the endpoint settings")
    query = {"response_type": "code", "client_id": config.client_id, "redirect_uri": redirect_uri,
             "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    if config.scopes:
        query["scope"] = " ".join(config.scopes)
    query.update(config.authorize_params)
    separator = "&" if "?" in config.authorize_url else "?"
    return f"{config.authorize_url}{separator}{urlencode(query)}"


def login(config: OAuthConfig, tokens: TokenClient, store: EndpointSecrets, *,
          open_browser: Callable[[str], Any], announce: Callable[[str], None] = lambda _url: None,
          timeout: float = DEFAULT_LOGIN_TIMEOUT) -> LoginResult:
    """Run the whole flow and store the refresh and access tokens together. `announce` is told the URL
    first (for copying when no browser opens)."""
    verifier, state = make_verifier(), make_state()
    with OneShotListener(config.redirect_port, config.redirect_path) as listener:
        url = authorization_url(config, listener.redirect_uri, state, challenge_s256(verifier))
        announce(url)
        open_browser(url)
        params = listener.wait(timeout)
        redirect_uri = listener.redirect_uri
    if params.get("state") != state:
        raise AuthError("the login redirect did not carry this login's state; it was not accepted",
                        hint="run the command again and finish the login in the browser it opens")
    if "error" in params:
        reason = params.get("error_description") or params["error"]
        raise AuthError(f"the authorization server refused the login: {reason}",
                        hint="check the client id, the redirect URL registered for it and the scopes")
    code = params.get("code")
    if not code:
        raise AuthError("the login redirect carried no authorization code")
    token_url = None
    accounts = params.get("accounts-server")
    if config.preset == "zoho" and accounts:
        token_url = f"{accounts.rstrip('/')}/oauth/v2/token"  # the user's data centre answers for the code
    result = tokens.exchange_code(code, verifier, redirect_uri, token_url=token_url)
    if not result.refresh_token:
        raise AuthError("the authorization server gave no refresh token, so the connection could not last",
                        hint="Zoho needs access_type=offline and prompt=consent; check the app's settings")
    store.save({REFRESH_TOKEN: result.refresh_token, ACCESS_TOKEN: bundle(result)})
    kept = {k: v for k, v in params.items() if k not in ("code", "state")}
    return LoginResult(result, kept)
