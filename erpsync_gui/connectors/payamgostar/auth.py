"""Payamgostar's REST v2 login as an httpx.Auth flow.

`POST /api/v2/auth/login` with {"username", "password", "deviceId", "platformType"} answers
{"expiresAt": "2025-12-16T11:43:53.1385332+03:30", "accessToken": <JWT>, "refreshToken": <opaque>}; calls
then send `Authorization: Bearer <accessToken>`. The token lived 2 hours. The refresh endpoint's body was
never seen working, so the flow logs in again instead: shortly before the token expires, and once after a
401 (then the request is sent again once). The lifetime is taken from expiresAt against the reply's own
Date header (the server's clock), so a skewed local clock does not matter; lacking either, 2 hours.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Generator
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from erpsync_gui.errors import AuthError, PermanentError
from erpsync_gui.http.errors_map import error_for_response

LOGIN_PATH = "api/v2/auth/login"
_FRACTION = re.compile(r"(\.\d{6})\d+")
_HINTS = {401: "check the user name (options.username) and the password (crm.password)",
          402: "the CRM answers that its MobileApp module, which the API needs, is not available",
          403: "too many login attempts: the user is locked out for a while"}


def parse_offset_time(text: object) -> datetime | None:
    """An ISO time with offset and up to 7 fractional digits (.NET's form); None when unreadable."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
    except ValueError:
        return None


class PayamgostarAuth(httpx.Auth):
    """Bearer token from a login; a new login before expiry and once after a 401."""

    def __init__(self, base_url: str, username: str, password: str, *, device_id: str, platform_type: int,
                 lifetime_s: float = 7200.0, margin_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        base = httpx.URL(base_url if base_url.endswith("/") else base_url + "/")
        self._login_url = base.join(LOGIN_PATH)
        self._body = {"username": username, "password": password, "deviceId": device_id,
                      "platformType": platform_type}
        self._password = password
        self._lifetime = lifetime_s
        self._margin = margin_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh: str | None = None
        self._expires = 0.0
        #: counts logins (a thread that waited for another's login does not log in again)
        self.generation = 0

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self._password, self._token, self._refresh) if v)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None or self._expiring():
            yield from self._login(self.generation)
        used = self._apply(request)
        response = yield request
        if response.status_code == 401:
            yield from self._login(used)
            self._apply(request)
            yield request

    def _expiring(self) -> bool:
        return self._clock() >= self._expires - self._margin

    def _apply(self, request: httpx.Request) -> int:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return self.generation

    def _login(self, seen: int) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if self.generation != seen and self._token is not None and not self._expiring():
                return
            login = httpx.Request("POST", self._login_url, content=json.dumps(self._body).encode("utf-8"),
                                  headers={"Content-Type": "application/json", "Accept": "application/json"})
            response = yield login
            response.read()
            self._accept(response)

    def _accept(self, response: httpx.Response) -> None:
        where = str(self._login_url)
        status = response.status_code
        if status >= 300:
            error = error_for_response(response, self.secrets)
            if status in (400, 401, 402, 403):
                raise AuthError(f"Payamgostar refused the login at {where}", status=status, details=error.details,
                                hint=_HINTS.get(status, "check the user name and the password"))
            raise error
        try:
            data = response.json()
        except ValueError:
            data = None
        token = data.get("accessToken") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise PermanentError(f"malformed reply from Payamgostar for the login at {where}: no accessToken",
                                 status=status, hint="check the base URL: the API lives under /api/v2/")
        refresh = data.get("refreshToken")
        self._token = token
        self._refresh = refresh if isinstance(refresh, str) else None
        self._expires = self._clock() + self._lifetime_of(data.get("expiresAt"), response.headers.get("date"))
        self.generation += 1

    def _lifetime_of(self, expires_at: object, date_header: str | None) -> float:
        expires = parse_offset_time(expires_at)
        try:
            served = parsedate_to_datetime(date_header) if date_header else None
        except (TypeError, ValueError):
            served = None
        if expires is None or served is None or expires.tzinfo is None:
            return self._lifetime
        seconds = (expires - served).total_seconds()
        return seconds if 0 < seconds <= 7 * 86400 else self._lifetime
