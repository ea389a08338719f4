"""Siagh's login as an httpx.Auth flow.

`POST /GeneralApi/LoginUser` with `{"UserName": ..., "Password": <MD5 hex of the password, uppercase>}`
answers the session (`SessionId`, a 32-hex string; `Token` is the same plus ":0"), the fiscal year
(`FiscalYear`, a Jalali year) and the server's Jalali date and time (`SystemDate` "1404/09/04",
`SystemTime` "17:33"). Later calls send `Authorization: <SessionId>`, the raw value without a scheme.
The reply names no expiry: the session is kept until a call answers 401, then the flow logs in again
once and sends the request again once.

The password comes from the keyring; its hash is worked out for each login and kept nowhere.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Generator
from dataclasses import dataclass

import httpx

from erpsync_gui.errors import AuthError, ConfigError, PermanentError
from erpsync_gui.http.errors_map import error_for_response

LOGIN_PATH = "GeneralApi/LoginUser"


def password_hash(password: str) -> str:
    """The form Siagh's login wants: the MD5 hex digest of the UTF-8 password, in uppercase."""
    return hashlib.md5(password.encode("utf-8")).hexdigest().upper()


@dataclass(frozen=True)
class SiaghSession:
    """What a login reply says besides the session id (which stays inside the auth flow)."""

    user_name: str | None
    branch_name: str | None
    #: the Jalali fiscal year (1404); the year of new pre-invoices
    fiscal_year: int | None
    #: the server's Jalali date "1404/09/04" and time "17:33"
    system_date: str | None
    system_time: str | None


class SiaghAuth(httpx.Auth):
    """Logs in when there is no session yet, and once more after a 401."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        if not username:
            raise ConfigError("the Siagh endpoint needs a user name", hint="set options.username")
        if not password:
            raise ConfigError("the Siagh endpoint needs a password", hint="run `erpsync secret set erp.password`")
        base = httpx.URL(base_url if base_url.endswith("/") else base_url + "/")
        self._login_url = base.join(LOGIN_PATH)
        self._username = username
        self._password = password
        self._lock = threading.Lock()
        self._session_id: str | None = None
        #: the last login's reply (None before the first)
        self.session: SiaghSession | None = None
        #: counts logins, so a thread that waited for another's login does not log in again
        self.generation = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        values = (self._password, password_hash(self._password), self._session_id)
        return tuple(v for v in values if v)

    @property
    def login_url(self) -> httpx.URL:
        return self._login_url

    def login_body(self) -> bytes:
        """The login request's body (the hash is worked out here, each time, and not kept)."""
        return json.dumps({"UserName": self._username, "Password": password_hash(self._password)},
                          ensure_ascii=False).encode("utf-8")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url == self._login_url:
            # an explicit login (a connection test, or the fiscal year wanted before the first call)
            response = yield request
            response.read()
            with self._lock:
                self._accept(response)
            return
        if self._session_id is None:
            yield from self._login(self.generation)
        used = self._apply(request)
        response = yield request
        if response.status_code == 401:
            yield from self._login(used)
            self._apply(request)
            yield request

    def _apply(self, request: httpx.Request) -> int:
        request.headers["Authorization"] = self._session_id or ""
        return self.generation

    def _login(self, seen: int) -> Generator[httpx.Request, httpx.Response, None]:
        """Log in, unless another request already did since generation `seen`."""
        with self._lock:
            if self.generation != seen and self._session_id is not None:
                return
            login = httpx.Request("POST", self._login_url, content=self.login_body(),
                                  headers={"Content-Type": "application/json", "Accept": "application/json"})
            response = yield login
            response.read()
            self._accept(response)

    def _accept(self, response: httpx.Response) -> None:
        where = str(self._login_url)
        if response.status_code >= 300:
            error = error_for_response(response, self.secrets)
            if response.status_code in (400, 401, 403):
                raise AuthError(f"Siagh refused the login of {self._username} at {where}",
                                status=response.status_code, details=error.details,
                                hint="check the user name (options.username) and the password (erp.password)")
            raise error
        try:
            data = response.json()
        except (ValueError, RecursionError):  # a reply nested too deep is as unreadable as one that is not JSON
            data = None
        if not isinstance(data, dict):
            raise PermanentError(f"malformed reply from Siagh for the login at {where}: not a JSON object",
                                 status=response.status_code, hint="check the base URL (no /api suffix)")
        session = data.get("SessionId")
        if not isinstance(session, str) or not session.strip():
            raise AuthError(f"Siagh's login at {where} answered without a SessionId", status=response.status_code,
                            hint="check the user name and the password")
        self._session_id = session.strip()
        year = data.get("FiscalYear")
        self.session = SiaghSession(
            user_name=_text(data.get("UserName")), branch_name=_text(data.get("BranchName")),
            fiscal_year=year if isinstance(year, int) and not isinstance(year, bool) else None,
            system_date=_text(data.get("SystemDate")), system_time=_text(data.get("SystemTime")),
        )
        self.generation += 1


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
