"""Tryton's session login as an httpx.Auth flow.

`common.db.login` with `[login, {"password": ...}, language]` answers `[user_id, session, ...]`; every later
call carries `Authorization: Session base64("login:user_id:session")`. An expired or ended session
answers 401: the flow logs in once more and sends the request again, once. A refused login is 401 (403
when the server refuses it for the client's address), 429 after too many failed attempts.
`common.db.logout` ends the session when the client closes.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Generator

import httpx

from erpsync_gui.connectors.tryton import codec
from erpsync_gui.connectors.tryton.errors import rpc_error
from erpsync_gui.errors import AuthError, ConfigError, NotFoundError, PermanentError
from erpsync_gui.http.errors_map import error_for_response


class TrytonSessionAuth(httpx.Auth):
    """Logs in at the URL of the first call (so it follows the RPC path the client chose) and again on 401."""

    requires_response_body = True

    def __init__(self, login: str, password: str, database: str, *, language: str | None = None) -> None:
        if not login or not password:
            raise ConfigError("the Tryton login needs a user name and a password",
                              hint="set options.username and the erp.password secret")
        self._login = login
        self._password = password
        self._language = language
        self._prefix = f"/{database}/"
        self._lock = threading.Lock()
        self._header: str | None = None
        self._token: str | None = None
        self._url: httpx.URL | None = None
        #: the user id of the session (None before the first login)
        self.user_id: int | None = None
        #: counts logins, so a thread that waited for another's login does not log in again
        self.generation = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self._password, self._token, self._encoded) if v)

    @property
    def _encoded(self) -> str | None:
        return self._header.split(" ", 1)[1] if self._header else None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not request.url.path.startswith(self._prefix):
            yield request  # the server's own calls (its version) need no session
            return
        if self._header is None:
            yield from self._login_at(request.url, self.generation)
        used = self._apply(request)
        response = yield request
        if response.status_code == 401:
            yield from self._login_at(request.url, used)
            self._apply(request)
            yield request

    def _apply(self, request: httpx.Request) -> int:
        if self._header is not None:
            request.headers["Authorization"] = self._header
        return self.generation

    def _login_at(self, url: httpx.URL, seen: int) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if self.generation != seen and self._header is not None:
                return  # another request logged in meanwhile
            body = {"id": 0, "method": "common.db.login",
                    "params": [self._login, {"password": self._password}, self._language]}
            response = yield httpx.Request("POST", url, content=codec.encode(body),
                                           headers={"Content-Type": "application/json"})
            if response.status_code == 404:
                # no such database, or no database API at this path (the client then tries the older one)
                raise NotFoundError(f"no Tryton database at {url.copy_with(query=None)}", status=404)
            if response.status_code in (401, 403):
                raise AuthError(f"Tryton refused the login of {self._login!r}", status=response.status_code,
                                hint="check the user name and the erp.password secret")
            if response.status_code >= 300:
                raise error_for_response(response, self.secrets)
            self._accept(response, url)

    def _accept(self, response: httpx.Response, url: httpx.URL) -> None:
        try:
            reply = codec.decode(response.content)
        except ValueError:
            reply = None
        if isinstance(reply, dict) and "error" in reply:
            error = rpc_error(reply["error"], "the login")
            if isinstance(error, AuthError):
                raise error
            raise AuthError(error.message, status=response.status_code, details=error.details, hint=error.hint)
        result = reply.get("result") if isinstance(reply, dict) else None
        if (not isinstance(result, list) or len(result) < 2 or not isinstance(result[0], int)
                or not isinstance(result[1], str) or not result[1]):
            raise PermanentError(f"malformed reply from Tryton for the login at {url.copy_with(query=None)}",
                                 status=response.status_code, hint="check that the URL points at a Tryton server")
        self.user_id, self._token = result[0], result[1]
        raw = f"{self._login}:{self.user_id}:{self._token}".encode()
        self._header = "Session " + base64.b64encode(raw).decode("ascii")
        self._url = url
        self.generation += 1

    def forget(self) -> None:
        """Drop the session (the next call logs in again)."""
        self._header = self._token = None

    def logout_request(self) -> httpx.Request | None:
        """The `common.db.logout` call that ends the session, or None without one."""
        if self._header is None or self._url is None:
            return None
        body = {"id": 0, "method": "common.db.logout", "params": []}
        request = httpx.Request("POST", self._url, content=codec.encode(body),
                                headers={"Content-Type": "application/json", "Authorization": self._header})
        self.forget()
        return request
