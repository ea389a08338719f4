"""OAuth2 settings and the token endpoint: the code exchange (with the PKCE verifier), the refresh grant
and the client-credentials grant, each answer turned into a TokenSet or an `erpsync_gui.errors` class.

A rejected refresh token (`invalid_grant`; Zoho says `invalid_code`, with HTTP 200) raises
CredentialsExpiredError: the endpoint's status becomes "expired" and an admin logs in again.

Endpoint options (all optional where a preset fills them): oauth_preset ("zoho" | "quickbooks"),
client_id, token_url, authorize_url, scopes (list or space-separated), redirect_port (0: any free port),
redirect_path ("/callback"), token_auth ("body" | "basic": how the client secret is sent), auth_scheme
(the Authorization scheme, "Bearer"), refresh_before_s (refresh this long before expiry, 300) and, for
Zoho, accounts_server (the data centre's accounts URL, "https://accounts.zoho.com").
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from erpsync_gui import __version__
from erpsync_gui.errors import AuthError, ConfigError, CredentialsExpiredError, PermanentError, RetryableError
from erpsync_gui.http.auth_options import AuthOptions
from erpsync_gui.http.client_cert import ssl_context
from erpsync_gui.http.errors_map import error_details, error_for_exception
from erpsync_gui.http.redact import redact_body, redact_url

log = logging.getLogger("erpsync.http")

ZOHO_ACCOUNTS = "https://accounts.zoho.com"
#: what each system needs (PROTOCOLS.md): Zoho's own header scheme and accounts server; Intuit's Basic
#: client authentication at its token endpoint and its accounting scope
PRESETS: dict[str, dict[str, Any]] = {
    "zoho": {"auth_scheme": "Zoho-oauthtoken", "token_auth": "body",
             "authorize_params": {"access_type": "offline", "prompt": "consent"}},
    "quickbooks": {"token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
                   "authorize_url": "https://appcenter.intuit.com/connect/oauth2", "token_auth": "basic",
                   "scopes": ("com.intuit.quickbooks.accounting",)},
}
#: the option keys OAuthConfig reads
#: error codes that mean "this refresh token is dead" (Zoho answers invalid_code for a revoked one)
EXPIRED_CODES = frozenset({"invalid_grant", "invalid_code"})
LOGIN_HINT = "log in again with `erpsync auth login --side {side}`"


@dataclass(frozen=True)
class OAuthConfig:
    """Where and how to get tokens for one endpoint."""

    token_url: str
    client_id: str
    authorize_url: str | None = None
    scopes: tuple[str, ...] = ()
    redirect_port: int = 0
    redirect_path: str = "/callback"
    token_auth: str = "body"
    auth_scheme: str = "Bearer"
    refresh_before: float = 300.0
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    preset: str | None = None
    side: str = "erp"

    @classmethod
    def of(cls, options: AuthOptions, *, kind: str = "", side: str = "erp") -> OAuthConfig:
        """The endpoint's OAuth2 settings: its preset (Zoho, QuickBooks) with the typed options over it."""
        preset = options.oauth_preset or (kind if kind in PRESETS else None)
        values: dict[str, Any] = dict(PRESETS.get(preset, {})) if preset else {}
        if preset == "zoho":
            accounts = (options.accounts_server or ZOHO_ACCOUNTS).rstrip("/")
            values.update(token_url=f"{accounts}/oauth/v2/token", authorize_url=f"{accounts}/oauth/v2/auth")
        for key in ("token_url", "authorize_url", "client_id", "redirect_path", "token_auth", "auth_scheme"):
            if getattr(options, key):
                values[key] = getattr(options, key)
        scopes = options.scopes if options.scopes is not None else values.get("scopes", ())
        values["scopes"] = tuple(scopes.split() if isinstance(scopes, str) else scopes)
        if options.redirect_port is not None:
            values["redirect_port"] = options.redirect_port
        if options.refresh_before_s is not None:
            values["refresh_before"] = float(options.refresh_before_s)
        for key in ("token_url", "client_id"):
            if not values.get(key):
                raise ConfigError(f"the OAuth2 setting {key} of the {side.upper()} endpoint is not set",
                                  hint=f"add options.{key} to the endpoint settings")
        return cls(preset=preset, side=side, **values)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, kind: str = "", side: str = "erp") -> OAuthConfig:
        """`of` for an endpoint's options mapping (its auth options validated first)."""
        own = {k: v for k, v in options.items() if k in AuthOptions.model_fields}
        try:
            typed = AuthOptions.model_validate(own)
        except ValidationError as exc:
            from erpsync_gui.config.problems import problems_of

            raise ConfigError("the OAuth2 options are not valid: " + "; ".join(problems_of(exc, AuthOptions,
                              "options"))) from None
        return cls.of(typed, kind=kind, side=side)


@dataclass(frozen=True)
class TokenSet:
    """Tokens from one answer of the token endpoint; `expires_at` is Unix time (None: not told)."""

    access_token: str = field(repr=False)
    expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)
    #: the answer's other, non-secret members (Zoho's api_domain, token_type, scope ...)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def expiring(self, now: float, margin: float) -> bool:
        return self.expires_at is not None and self.expires_at - margin <= now


class TokenClient:
    """Talks to one token endpoint. Its own small httpx client: another host, form bodies, no retries."""

    def __init__(self, config: OAuthConfig, client_secret: str | None = None, *, verify: bool | str = True,
                 proxy: str | None = None, timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._secret = client_secret or None
        self._clock = clock
        self._timeout = timeout
        self._client = httpx.Client(verify=ssl_context(verify), proxy=proxy, trust_env=True, transport=transport,
                                    timeout=httpx.Timeout(timeout), follow_redirects=False,
                                    headers={"User-Agent": f"ERPSync/{__version__}", "Accept": "application/json"})

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._secret,) if self._secret else ()

    def exchange_code(self, code: str, verifier: str, redirect_uri: str, *, token_url: str | None = None) -> TokenSet:
        """The authorization code (and the PKCE verifier that proves we asked for it) for tokens."""
        return self._grant({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                            "code_verifier": verifier}, (code, verifier), token_url=token_url)

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token; CredentialsExpiredError when it is rejected."""
        return self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token}, (refresh_token,))

    def client_credentials(self) -> TokenSet:
        data = {"grant_type": "client_credentials"}
        if self.config.scopes:
            data["scope"] = " ".join(self.config.scopes)
        return self._grant(data, ())

    def close(self) -> None:
        self._client.close()

    def _grant(self, data: dict[str, str], hidden: tuple[str, ...], *, token_url: str | None = None) -> TokenSet:
        url = token_url or self.config.token_url
        secrets = (*hidden, *self.secrets)
        headers: dict[str, str] = {}
        if self.config.token_auth == "basic" and self._secret:
            pair = f"{self.config.client_id}:{self._secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            data = {**data, "client_id": self.config.client_id}
            if self._secret:
                data["client_secret"] = self._secret
        log.debug("OAuth2 %s request to %s", data["grant_type"], redact_url(url, secrets))
        try:
            response = self._client.post(url, data=data, headers=headers)
        except httpx.TransportError as exc:
            raise error_for_exception(exc, method="POST", url=httpx.URL(url), timeout=self._timeout,
                                      secrets=secrets) from exc
        log.debug("OAuth2 reply %s from %s: %s", response.status_code, redact_url(url, secrets),
                  redact_body(response.content, secrets))
        return self._parse(response, data["grant_type"], secrets)

    def _parse(self, response: httpx.Response, grant: str, secrets: tuple[str, ...]) -> TokenSet:
        try:
            body = response.json()
        except (ValueError, RecursionError):  # a reply nested too deep is as unreadable as one that is not JSON
            body = None
        code = str(body.get("error") or "") if isinstance(body, dict) else ""
        where = redact_url(str(response.request.url.copy_with(query=None)), secrets)
        if response.status_code < 300 and isinstance(body, dict) and body.get("access_token") and not code:
            return self._tokens(body)
        details = error_details(response, secrets)
        if grant == "refresh_token" and code in EXPIRED_CODES:
            raise CredentialsExpiredError(
                f"the authorization server {where} rejected the refresh token of the {self.config.side.upper()} "
                f"endpoint ({code}): the connection has expired", status=response.status_code, details=details,
                hint=LOGIN_HINT.format(side=self.config.side))
        if response.status_code >= 500:
            raise RetryableError(f"the authorization server {where} failed ({response.status_code})",
                                 status=response.status_code, details=details)
        if code or response.status_code in (400, 401, 403):
            raise AuthError(f"the authorization server {where} refused the {grant} request: {code or 'refused'}",
                            status=response.status_code, details=details,
                            hint="check the client id and secret, or log in again")
        raise PermanentError(f"the authorization server {where} answered without an access token",
                             status=response.status_code, details=details, hint="check token_url")

    def _tokens(self, body: Mapping[str, Any]) -> TokenSet:
        expires_in = body.get("expires_in")
        try:
            expires_at = self._clock() + float(expires_in) if expires_in is not None else None
        except (TypeError, ValueError):
            expires_at = None
        secret_keys = {"access_token", "refresh_token", "id_token"}
        extra = {k: v for k, v in body.items() if k not in secret_keys}
        return TokenSet(str(body["access_token"]), expires_at, str(body["refresh_token"])
                        if body.get("refresh_token") else None, extra)
