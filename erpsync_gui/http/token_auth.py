"""The OAuth2 auth kinds as httpx.Auth flows: authorization code (a stored refresh token, rotated tokens
written back atomically) and client credentials.

Both refresh proactively shortly before the access token expires, and once more when the API answers
401 to a token that looked valid (revoked early), then send the request again once. The access token of
the authorization-code kind is cached in the keyring with its expiry, so a second process (the CLI next to
the GUI) reuses it instead of spending one of Zoho's ten tokens per ten minutes.

The token reply's non-secret members a connector needs later (`KEPT_MEMBERS`: Zoho's `api_domain`, the API
server of the account's data centre) are kept in that same keyring entry, written in one step with the tokens
they came with; `OAuth2Auth.learnt` reads them back.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator

import httpx

from erpsync_gui.errors import ERPSyncError, MissingSecretError
from erpsync_gui.http.oauth import LOGIN_HINT, TokenClient, TokenSet
from erpsync_gui.secrets import EndpointSecrets

log = logging.getLogger("erpsync.http")

ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
#: token-reply members stored with the access token: they belong to the login the tokens came from
KEPT_MEMBERS = ("api_domain",)


class _TokenAuth(httpx.Auth, ABC):
    """Sends `Authorization: <scheme> <access token>`, getting a new token when it is (nearly) expired."""

    def __init__(self, tokens: TokenClient, *, clock: Callable[[], float] = time.time) -> None:
        self._tokens = tokens
        self._scheme = tokens.config.auth_scheme
        self._margin = tokens.config.refresh_before
        self._clock = clock
        self._lock = threading.Lock()
        self._current: TokenSet | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        current = self._current
        values: list[str | None] = [*self._tokens.secrets, *(self._extra_secrets())]
        if current is not None:
            values += [current.access_token, current.refresh_token]
        return tuple(v for v in values if v)

    def _extra_secrets(self) -> tuple[str, ...]:
        return ()

    @property
    def token(self) -> TokenSet | None:
        """The tokens in use (None before the first request)."""
        return self._current

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.access_token()
        request.headers["Authorization"] = f"{self._scheme} {token}"
        response = yield request
        if response.status_code == 401:
            fresh = self.access_token(rejected=token)
            if fresh != token:
                request.headers["Authorization"] = f"{self._scheme} {fresh}"
                yield request

    def access_token(self, *, rejected: str | None = None) -> str:
        """A usable access token; `rejected` names one the API refused, which is never handed out again."""
        with self._lock:
            current = self._current
            if current is not None and current.access_token != rejected and not self._expiring(current):
                return current.access_token
            self._current = self._obtain(rejected)
            return self._current.access_token

    def _expiring(self, tokens: TokenSet) -> bool:
        return tokens.expiring(self._clock(), self._margin)

    @abstractmethod
    def _obtain(self, rejected: str | None) -> TokenSet:
        """A fresh token set (each kind gets it its own way)."""

    def close(self) -> None:
        self._tokens.close()


class OAuth2Auth(_TokenAuth):
    """Authorization code kind: a refresh token from `erpsync auth login` in the keyring, exchanged for
    access tokens; a rotated refresh token (QuickBooks) is stored back together with its access token."""

    def __init__(self, tokens: TokenClient, store: EndpointSecrets, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(tokens, clock=clock)
        self._store = store
        self._warned = False

    def _extra_secrets(self) -> tuple[str, ...]:
        value = self._store.get(REFRESH_TOKEN)
        return (value,) if value else ()

    def learnt(self, name: str, *, obtain: bool = False) -> str | None:
        """A kept token-reply member (`KEPT_MEMBERS`) of the tokens in use or stored, None when unknown;
        `obtain` refreshes the tokens when they do not name it (tokens stored before it was kept)."""
        current = self._current or self._cached()
        value = current.extra.get(name) if current is not None else None
        if not value and obtain:
            self.access_token(rejected=current.access_token if current is not None else None)
            value = self._current.extra.get(name) if self._current is not None else None
        return str(value) if value else None

    def _obtain(self, rejected: str | None) -> TokenSet:
        cached = self._cached()
        if cached is not None and cached.access_token != rejected and not self._expiring(cached):
            return cached
        refresh = self._store.fetch(REFRESH_TOKEN, fresh=True)
        if not refresh:
            side = self._tokens.config.side
            raise MissingSecretError(f"the {side.upper()} endpoint has no OAuth2 refresh token yet",
                                     hint=LOGIN_HINT.format(side=side))
        fresh = self._tokens.refresh(refresh)
        known = (self._current or cached or TokenSet("")).extra
        # a refresh reply that leaves a kept member out keeps the one the login taught
        extra = {**{k: known[k] for k in KEPT_MEMBERS if known.get(k)}, **fresh.extra}
        fresh = TokenSet(fresh.access_token, fresh.expires_at, fresh.refresh_token, extra)
        self._persist(fresh, refresh)
        return TokenSet(fresh.access_token, fresh.expires_at, fresh.refresh_token or refresh, fresh.extra)

    def _cached(self) -> TokenSet | None:
        """The access token another run (or process) stored, when it is still readable."""
        raw = self._store.fetch(ACCESS_TOKEN, fresh=True)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            kept = {k: str(data[k]) for k in KEPT_MEMBERS if data.get(k)}
            token = TokenSet(str(data["access_token"]), float(data["expires_at"]) if data.get("expires_at")
                             else None, self._store.get(REFRESH_TOKEN), kept)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        self._store.remember(token.access_token)
        return token

    def _persist(self, fresh: TokenSet, used: str) -> None:
        values: dict[str, str | None] = {ACCESS_TOKEN: bundle(fresh)}
        rotated = bool(fresh.refresh_token) and fresh.refresh_token != used
        if rotated:
            values[REFRESH_TOKEN] = fresh.refresh_token
        self._store.remember(fresh.access_token, fresh.refresh_token)
        try:
            self._store.save(values)
        except ERPSyncError as exc:
            # the server has already rotated: keep the new tokens for this session rather than lose them
            self._store.update({k: v for k, v in values.items() if v})
            log.error("the renewed OAuth2 tokens of the %s endpoint could not be stored in the keyring: %s",
                      self._store.label.upper(), exc.message)
            return
        if rotated and not self._store.persistent and not self._warned:
            self._warned = True
            log.warning("the %s endpoint's refresh token was renewed but there is no keyring to keep it; it "
                        "lasts only as long as this connection", self._store.label.upper())


class ClientCredentialsAuth(_TokenAuth):
    """Client-credentials kind: the client id and secret buy short-lived tokens, kept in memory only."""

    def _obtain(self, rejected: str | None) -> TokenSet:
        return self._tokens.client_credentials()


def bundle(tokens: TokenSet) -> str:
    """The keyring form of an access token: JSON with its expiry and the kept members of its reply."""
    data: dict[str, object] = {"access_token": tokens.access_token, "expires_at": tokens.expires_at}
    data.update({k: tokens.extra[k] for k in KEPT_MEMBERS if tokens.extra.get(k)})
    return json.dumps(data, separators=(",", ":"))
