"""The one registry of auth kinds: for each, its label, the options it reads, which secrets it needs from the
keyring and how its httpx.Auth is built. The profile model, the connectors, the window and the README all
read this table; nothing else lists auth kinds.

Secrets: a *required* one must be in the keyring before the endpoint can connect; an optional one is used
when it is there (an OAuth2 client secret is optional with PKCE; the refresh token is written by the
sign-in).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from erpsync_gui.errors import MissingSecretError
from erpsync_gui.http.auth import ApiKeyAuth, BasicAuth, BearerAuth
from erpsync_gui.http.auth_options import AUTH_OPTION_KEYS, AuthOptions
from erpsync_gui.http.oauth import OAuthConfig, TokenClient
from erpsync_gui.http.session_auth import SessionAuth
from erpsync_gui.http.token_auth import ClientCredentialsAuth, OAuth2Auth
from erpsync_gui.secrets import EndpointSecrets


@dataclass(frozen=True)
class SecretSpec:
    """A keyring entry an endpoint uses."""

    name: str
    label: str
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class BuildContext:
    """What a builder gets: the endpoint's options and secrets, and the transport settings of its client."""

    side: str
    connector_kind: str
    options: AuthOptions
    secrets: EndpointSecrets
    base_url: str
    verify: bool | str = True
    proxy: str | None = None
    timeout: float = 30.0
    token_transport: httpx.BaseTransport | None = None
    clock: Callable[[], float] = time.time

    def require(self, name: str) -> str:
        value = self.secrets.fetch(name)
        if not value:
            key = f"{self.side}.{name}"
            raise MissingSecretError(f"the secret {key} is not set", hint=f"run `erpsync secret set {key}`")
        return value


Builder = Callable[[BuildContext], httpx.Auth | None]


@dataclass(frozen=True)
class AuthKind:
    name: str
    label: str
    #: the AuthOptions fields this kind reads
    options: tuple[str, ...] = ()
    #: the options it cannot do without
    required_options: tuple[str, ...] = ()
    secrets: tuple[SecretSpec, ...] = ()
    build: Builder = field(default=lambda ctx: None, compare=False, repr=False)

    def required_secrets(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.secrets if s.required)


def _bearer(ctx: BuildContext) -> httpx.Auth | None:
    token = ctx.secrets.fetch("token")
    return BearerAuth(token, scheme=ctx.options.auth_scheme or "Bearer") if token else None


def _api_key(ctx: BuildContext) -> httpx.Auth | None:
    token = ctx.secrets.fetch("token")
    return ApiKeyAuth(ctx.options.api_key_name or "X-Api-Key", token, ctx.options.api_key_in or "header") \
        if token else None


def _basic(ctx: BuildContext) -> httpx.Auth:
    return BasicAuth(ctx.options.username or "", ctx.require("password"))


def _token_client(ctx: BuildContext, secret: str | None) -> TokenClient:
    preset = ctx.options.oauth_preset or ctx.connector_kind
    config = OAuthConfig.of(ctx.options, kind=preset, side=ctx.side)
    return TokenClient(config, secret, verify=ctx.verify, proxy=ctx.proxy, timeout=ctx.timeout,
                       transport=ctx.token_transport, clock=ctx.clock)


def _oauth2(ctx: BuildContext) -> httpx.Auth:
    return OAuth2Auth(_token_client(ctx, ctx.secrets.fetch("client_secret")), ctx.secrets, clock=ctx.clock)


def _client_credentials(ctx: BuildContext) -> httpx.Auth:
    return ClientCredentialsAuth(_token_client(ctx, ctx.require("client_secret")), clock=ctx.clock)


def _session(ctx: BuildContext) -> httpx.Auth:
    options = ctx.options
    body: dict[str, Any] = dict(options.login_body or {})
    if options.company_db:
        body.setdefault("CompanyDB", options.company_db)
    return SessionAuth(ctx.base_url, options.username or "", ctx.require("password"),
                       login_path=options.login_path or "Login",
                       logout_path=options.logout_path if options.logout_path is not None else "Logout",
                       username_field=options.username_field or "UserName",
                       password_field=options.password_field or "Password", login_body=body)


_TOKEN = SecretSpec("token", "Access token", help="the API token the system issued for ERPSync")
_PASSWORD = SecretSpec("password", "Password")
_OAUTH = ("oauth_preset", "client_id", "token_url", "authorize_url", "scopes", "redirect_port", "redirect_path",
          "token_auth", "auth_scheme", "refresh_before_s", "accounts_server")

AUTH_KINDS: Mapping[str, AuthKind] = {kind.name: kind for kind in (
    AuthKind("none", "None"),
    AuthKind("bearer", "Bearer token", ("auth_scheme",), secrets=(_TOKEN,), build=_bearer),
    AuthKind("api_key", "API key", ("api_key_name", "api_key_in"), secrets=(_TOKEN,), build=_api_key),
    AuthKind("basic", "User name and password", ("username",), ("username",), (_PASSWORD,), build=_basic),
    AuthKind("oauth2", "OAuth2 sign-in (authorization code)", _OAUTH, ("client_id",), secrets=(
        SecretSpec("client_secret", "Client secret", required=False, help="not needed with PKCE for a public app"),
        SecretSpec("refresh_token", "Refresh token", required=False, help="written by the sign-in"),
    ), build=_oauth2),
    AuthKind("client_credentials", "OAuth2 client credentials",
             ("client_id", "token_url", "scopes", "token_auth", "auth_scheme", "refresh_before_s"),
             ("client_id", "token_url"), (SecretSpec("client_secret", "Client secret"),), build=_client_credentials),
    AuthKind("session", "Session login", ("username", "login_path", "logout_path", "username_field",
                                          "password_field", "login_body", "company_db"), ("username",),
             (_PASSWORD,), build=_session),
    AuthKind("client_cert", "Client certificate"),
)}
#: a client certificate may go with any auth kind; its password is optional (a PEM key may have none)
CERT_PASSWORD = SecretSpec("cert_password", "Certificate password", required=False)


def auth_kind(name: str) -> AuthKind:
    from erpsync_gui.errors import ConfigError

    try:
        return AUTH_KINDS[name]
    except KeyError:
        raise ConfigError(f"unknown auth kind {name!r}", hint=f"use one of {', '.join(AUTH_KINDS)}") from None


__all__ = ["AUTH_KINDS", "AUTH_OPTION_KEYS", "CERT_PASSWORD", "AuthKind", "AuthOptions", "BuildContext", "SecretSpec",
           "auth_kind"]
