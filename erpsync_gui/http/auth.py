"""The simple auth kinds as httpx.Auth flows, plus `auth_secrets` so the client can blank them in logs.

The richer kinds follow the same pattern (an httpx.Auth whose `secrets` attribute names the values to
keep out of logs): OAuth2 in token_auth.py, session login in session_auth.py; auth_factory.py builds them.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Literal

import httpx

from erpsync_gui.errors import ConfigError

BasicAuth = httpx.BasicAuth

__all__ = ["ApiKeyAuth", "BasicAuth", "BearerAuth", "auth_secrets"]


def _clean(value: str, what: str) -> str:
    """The value without surrounding whitespace (a pasted token often ends in a newline); refuses empty
    values and inner line breaks, which would otherwise fail deep inside the HTTP library."""
    if not isinstance(value, str):
        raise ConfigError(f"the {what} must be text, not {type(value).__name__}")
    cleaned = value.strip()
    if not cleaned:
        raise ConfigError(f"the {what} is empty", hint="enter it again in the endpoint settings")
    if "\n" in cleaned or "\r" in cleaned:
        raise ConfigError(f"the {what} contains a line break", hint="paste it again as a single line")
    return cleaned


class BearerAuth(httpx.Auth):
    """Sends `Authorization: <scheme> <token>`; the scheme is "Bearer" unless a system names its own
    (Zoho wants "Zoho-oauthtoken")."""

    def __init__(self, token: str, *, scheme: str = "Bearer") -> None:
        self._token = _clean(token, "access token")
        self._scheme = _clean(scheme, "authorization scheme")

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"{self._scheme} {self._token}"
        yield request


class ApiKeyAuth(httpx.Auth):
    """Sends an API key as a header (`X-Api-Key: ...`) or as a query parameter (`?api_key=...`)."""

    def __init__(self, name: str, value: str, in_: Literal["header", "query"] = "header") -> None:
        if in_ not in ("header", "query"):
            raise ConfigError(f"an API key goes in the header or the query, not in {in_!r}")
        self._name = _clean(name, "API key name")
        self._value = _clean(value, "API key")
        self._in = in_

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._value,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._in == "header":
            request.headers[self._name] = self._value
        else:
            request.url = request.url.copy_merge_params({self._name: self._value})
        yield request


def auth_secrets(auth: httpx.Auth | None) -> tuple[str, ...]:
    """The secret values an auth object sends, for redaction: its `secrets` attribute, or for
    httpx.BasicAuth the password and the encoded credentials."""
    if auth is None:
        return ()
    own = getattr(auth, "secrets", None)
    if own is not None:
        return tuple(s for s in own if s)
    if isinstance(auth, httpx.BasicAuth):
        # httpx keeps only the finished header value; decode it to learn the password.
        header = getattr(auth, "_auth_header", "")
        _, _, encoded = header.partition(" ")
        try:
            _user, _, password = base64.b64decode(encoded).decode("latin-1").partition(":")
        except ValueError:
            return (encoded,) if encoded else ()
        return tuple(s for s in (password, encoded) if s)
    return ()
