"""Session login as an httpx.Auth flow: POST the credentials to a login path, keep the cookies it sets,
send them with every request, and on a 401 log in again once and send the request again once.

This is SAP Business One's Service Layer pattern: `POST /Login` with CompanyDB, UserName and Password
answers SessionId and SessionTimeout (minutes of inactivity) and sets the B1SESSION and ROUTEID cookies;
`POST /Logout` ends the session. The cookies are read from the Set-Cookie headers by hand: the real
B1SESSION cookie comes as `B1SESSION=<id>;HttpOnly;` (no Path, a trailing semicolon), a form some cookie
jars drop or scope to the login path only. Endpoint options: login_path ("Login"), logout_path ("Logout"; empty
for none), username, username_field ("UserName"), password_field ("Password"), company_db (SAP's
CompanyDB) and login_body (more fields to send, as a table).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any

import httpx

from erpsync_gui.errors import AuthError, ConfigError
from erpsync_gui.http.errors_map import error_for_response

#: log in again this long before the server's inactivity timeout would end the session
TIMEOUT_MARGIN = 30.0


class SessionAuth(httpx.Auth):
    """Logs in when there is no session (or it has idled out) and again once after a 401."""

    requires_response_body = True

    def __init__(self, base_url: str, username: str, password: str, *, login_path: str = "Login",
                 logout_path: str | None = "Logout", username_field: str = "UserName",
                 password_field: str = "Password", login_body: Mapping[str, Any] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not username or not password:
            raise ConfigError("session login needs a user name and a password",
                              hint="set options.username and the <side>.password secret")
        base = httpx.URL(base_url if base_url.endswith("/") else base_url + "/")
        self._login_url = base.join(login_path.lstrip("/"))
        self._logout_url = base.join(logout_path.lstrip("/")) if logout_path else None
        self._body = {**dict(login_body or {}), username_field: username, password_field: password}
        self._password = password
        self._clock = clock
        self._lock = threading.Lock()
        self._cookies: dict[str, str] = {}
        self._session_id: str | None = None
        self._timeout: float | None = None
        self._last_used = 0.0
        #: counts logins, so a thread that waited for another's login does not log in again
        self.generation = 0
        self.server_version: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self._password, self._session_id, *self._cookies.values()) if v)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._cookies or self._idle():
            yield from self._login(self.generation)
        used = self._apply(request)
        response = yield request
        if response.status_code == 401:
            yield from self._login(used)
            self._apply(request)
            yield request

    def _idle(self) -> bool:
        return self._timeout is not None and self._clock() - self._last_used > self._timeout - TIMEOUT_MARGIN

    def _apply(self, request: httpx.Request) -> int:
        """Put the session cookies on `request`; returns the login generation they belong to."""
        request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
        self._last_used = self._clock()
        return self.generation

    def _login(self, seen: int) -> Generator[httpx.Request, httpx.Response, None]:
        """Log in, unless another request already did since generation `seen`."""
        with self._lock:
            if self.generation != seen and self._cookies and not self._idle():
                return
            body = json.dumps(self._body).encode("utf-8")
            login = httpx.Request("POST", self._login_url, content=body,
                                  headers={"Content-Type": "application/json", "Accept": "application/json"})
            response = yield login
            if response.status_code >= 300:
                error = error_for_response(response, self.secrets)
                if response.status_code in (400, 401, 403):
                    raise AuthError(f"the login at {self._login_url.copy_with(query=None)} was refused",
                                    status=response.status_code, details=error.details,
                                    hint="check the user name, the password and the company database")
                raise error
            self._accept(response)

    def _accept(self, response: httpx.Response) -> None:
        cookies = set_cookies(response)
        try:
            data = response.json()
        except (ValueError, RecursionError):  # a reply nested too deep is as unreadable as one that is not JSON
            data = {}
        data = data if isinstance(data, dict) else {}
        session = data.get("SessionId") or data.get("session_id") or data.get("sessionId")
        if not cookies and not session:
            raise AuthError(f"the login at {self._login_url} answered without a session cookie",
                            status=response.status_code, hint="check the login path in the endpoint settings")
        if session and not cookies:
            cookies = {"B1SESSION": str(session)}
        self._cookies = cookies
        self._session_id = str(session) if session else None
        version = data.get("Version")
        #: what the server said it is at the last login (SAP: its Version), None when it did not
        self.server_version = str(version) if version not in (None, "") else None
        minutes = data.get("SessionTimeout")
        self._timeout = float(minutes) * 60.0 if isinstance(minutes, int | float) and minutes > 0 else None
        self._last_used = self._clock()
        self.generation += 1

    def logout_request(self) -> httpx.Request | None:
        """The request that ends the session (sent when the client closes), or None without a session."""
        if not self._cookies or self._logout_url is None:
            return None
        request = httpx.Request("POST", self._logout_url, headers={"Accept": "application/json"})
        self._apply(request)
        self._cookies, self._session_id = {}, None
        return request


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """The name=value pair of every Set-Cookie header of `response` with a value, whatever its attributes
    (Path, Domain, HttpOnly, stray semicolons); a later header for the same name wins."""
    cookies: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        pair = header.split(";", 1)[0]
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip().strip('"')
        if sep and name and value:
            cookies[name] = value
    return cookies
