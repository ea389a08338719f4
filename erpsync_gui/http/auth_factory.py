"""Builds an endpoint's HTTP client: its settings from EndpointConfig (timeouts, TLS, proxy, rate limits,
circuit breaker) and its auth flow from the auth kind, the options and the secrets.

Auth kinds and what they read (secrets from the keyring, the rest from options):
  bearer       secret token; auth_scheme ("Bearer")
  api_key      secret token; api_key_name ("X-Api-Key"), api_key_in ("header" | "query")
  basic        options.username, secret password
  oauth2       secrets client_secret (optional with PKCE) and refresh_token (from `erpsync auth login`);
               see oauth.py for the options
  client_credentials  secret client_secret; client_id, token_url, scopes
  session      options.username, secret password; see session_auth.py for the options
  client_cert  options.client_cert (PEM or .p12/.pfx), client_key (PEM key file), secret cert_password
A client certificate given in the options is presented with any auth kind.

HTTP options: verify (true/false or a CA bundle path; ca_bundle is the same), trust_cert_sha256 (trust
exactly the server certificate with this SHA-256 fingerprint instead; cert_pin.py), proxy, connect_timeout_s,
total_timeout_s, backoff_s, rate_limits / rate_limit_preset / rate_limit_key (ratelimit.py) and
circuit_breaker ({"failures": 5, "cooldown_s": 30}; failures 0 switches it off).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from erpsync_gui.errors import ConfigError, MissingSecretError
from erpsync_gui.http.auth import ApiKeyAuth, BasicAuth, BearerAuth
from erpsync_gui.http.client import HttpClient
from erpsync_gui.http.client_cert import ClientCertificate
from erpsync_gui.http.oauth import OAUTH_OPTION_KEYS, OAuthConfig, TokenClient
from erpsync_gui.http.ratelimit import limits_for
from erpsync_gui.http.session_auth import SessionAuth
from erpsync_gui.http.settings import HttpSettings
from erpsync_gui.http.token_auth import ClientCredentialsAuth, OAuth2Auth
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.secrets import EndpointSecrets

#: every option key this layer reads (auth kinds, OAuth2, TLS, proxy, timeouts, rate limits, breaker): a
#: connector's own options model validates the keys beside them, so a mistyped option is reported, not ignored
HTTP_OPTION_KEYS = OAUTH_OPTION_KEYS | frozenset({
    "auth_scheme", "api_key_name", "api_key_in", "username", "login_body", "company_db", "login_path",
    "logout_path", "username_field", "password_field", "client_cert", "client_key", "verify", "ca_bundle", "proxy",
    "connect_timeout_s", "total_timeout_s", "backoff_s", "rate_limits", "rate_limit_preset", "rate_limit_key",
    "circuit_breaker",
})


@dataclass(frozen=True)
class AuthSetup:
    """What an endpoint's auth kind needs from the client: a flow, a client certificate, or both."""

    auth: httpx.Auth | None = None
    cert: ClientCertificate | None = None


def endpoint_store(endpoint: EndpointConfig, secrets: Mapping[str, str]) -> EndpointSecrets:
    """`secrets` as an EndpointSecrets view (a plain dict becomes one that keeps saved values in memory)."""
    if isinstance(secrets, EndpointSecrets):
        return secrets
    return EndpointSecrets(secrets, side=endpoint.side)


def _require(store: EndpointSecrets, endpoint: EndpointConfig, name: str) -> str:
    value = store.fetch(name)
    if not value:
        key = f"{endpoint.side.value}.{name}"
        raise MissingSecretError(f"the secret {key} is not set", hint=f"run `erpsync secret set {key}`")
    return value


def _option(options: Mapping[str, Any], name: str, endpoint: EndpointConfig) -> str:
    value = options.get(name)
    if not value or not isinstance(value, str):
        raise ConfigError(f"the {endpoint.side.value.upper()} endpoint's {endpoint.auth} login needs options.{name}",
                          hint="add it to the endpoint settings")
    return value


def client_certificate(endpoint: EndpointConfig, store: EndpointSecrets) -> ClientCertificate | None:
    options = endpoint.options or {}
    path = options.get("client_cert")
    if not path:
        if endpoint.auth == "client_cert":
            raise ConfigError(f"the {endpoint.side.value.upper()} endpoint uses a client certificate but "
                              "options.client_cert names no file", hint="give the PEM or .p12/.pfx file")
        return None
    return ClientCertificate(str(path), options.get("client_key") or None, store.fetch("cert_password"))


def build_auth(endpoint: EndpointConfig, secrets: Mapping[str, str], *, base_url: str,
               verify: bool | str = True, proxy: str | None = None, timeout: float = 30.0,
               token_transport: httpx.BaseTransport | None = None,
               clock: Callable[[], float] = time.time) -> AuthSetup:
    """The auth flow and client certificate for `endpoint`. A missing token of the simple kinds means no
    auth (the server's 401 then says so); a missing OAuth2 refresh token is reported at the first call."""
    store = endpoint_store(endpoint, secrets)
    options = endpoint.options or {}
    kind = endpoint.auth
    cert = client_certificate(endpoint, store)
    auth: httpx.Auth | None = None
    if kind in ("none", "client_cert"):
        auth = None
    elif kind == "bearer":
        token = store.fetch("token")
        auth = BearerAuth(token, scheme=options.get("auth_scheme") or "Bearer") if token else None
    elif kind == "api_key":
        token = store.fetch("token")
        auth = ApiKeyAuth(options.get("api_key_name") or "X-Api-Key", token,
                          options.get("api_key_in") or "header") if token else None
    elif kind == "basic":
        auth = BasicAuth(_option(options, "username", endpoint), _require(store, endpoint, "password"))
    elif kind in ("oauth2", "client_credentials"):
        config = OAuthConfig.from_options(options, kind=options.get("oauth_preset") or endpoint.kind,
                                          side=endpoint.side.value)
        secret = store.fetch("client_secret") if kind == "oauth2" else _require(store, endpoint, "client_secret")
        tokens = TokenClient(config, secret, verify=verify, proxy=proxy, timeout=timeout,
                             transport=token_transport, clock=clock)
        auth = (OAuth2Auth(tokens, store, clock=clock) if kind == "oauth2"
                else ClientCredentialsAuth(tokens, clock=clock))
    elif kind == "session":
        body = dict(options.get("login_body") or {})
        if options.get("company_db"):
            body.setdefault("CompanyDB", options["company_db"])
        auth = SessionAuth(base_url, _option(options, "username", endpoint), _require(store, endpoint, "password"),
                           login_path=options.get("login_path") or "Login",
                           logout_path=options.get("logout_path", "Logout") or None,
                           username_field=options.get("username_field") or "UserName",
                           password_field=options.get("password_field") or "Password", login_body=body)
    else:
        raise ConfigError(f"unknown auth kind {kind!r}", hint="use none, bearer, api_key, basic, oauth2, "
                          "client_credentials, session or client_cert")
    return AuthSetup(auth, cert)


def _seconds(options: Mapping[str, Any], name: str, default: float | None) -> float | None:
    value = options.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"options.{name} must be a number of seconds above 0, not {value!r}")
    return float(value)


def endpoint_settings(endpoint: EndpointConfig, base_url: str, cert: ClientCertificate | None = None) -> HttpSettings:
    """HttpSettings from the endpoint's fields and options."""
    options = endpoint.options or {}
    breaker = options.get("circuit_breaker") or {}
    if not isinstance(breaker, Mapping):
        raise ConfigError("circuit_breaker must be a table", hint='for example {"failures": 5, "cooldown_s": 30}')
    extra: dict[str, Any] = {}
    if "failures" in breaker:
        extra["breaker_failures"] = breaker["failures"]
    if "cooldown_s" in breaker:
        extra["breaker_cooldown"] = breaker["cooldown_s"]
    if options.get("total_timeout_s") is not None:
        extra["total_timeout"] = _seconds(options, "total_timeout_s", None)
    if options.get("backoff_s") is not None:
        extra["backoff_base"] = _seconds(options, "backoff_s", None)
    return HttpSettings(
        base_url=base_url, timeout=endpoint.timeout, retries=endpoint.retries,
        verify=options.get("verify", options.get("ca_bundle", True)), proxy=options.get("proxy") or None,
        log_level=endpoint.log_level, name=f"the {endpoint.side.value.upper()} endpoint",
        connect_timeout=_seconds(options, "connect_timeout_s", None), cert=cert,
        pinned_sha256=options.get("trust_cert_sha256") or None,
        rate_limits=limits_for(endpoint.kind, options), rate_limit_key=options.get("rate_limit_key") or None,
        **extra,
    )


def endpoint_client(endpoint: EndpointConfig, secrets: Mapping[str, str], *, base_url: str | None = None,
                    extra_secrets: Sequence[str] = (), headers: Mapping[str, str] | None = None,
                    transport: httpx.BaseTransport | None = None, token_transport: httpx.BaseTransport | None = None,
                    sleep: Callable[[float], None] | None = None,
                    settings: Callable[[HttpSettings], HttpSettings] | None = None,
                    auth: AuthSetup | None = None, owns_auth: bool = True) -> HttpClient:
    """The HttpClient for `endpoint` with its auth kind. `settings` may adjust the settings (a connection
    test without retries); `auth` hands in an auth built before (shared by two clients, only one of which
    `owns_auth`: ends the session and closes the token client when it closes)."""
    url = base_url or endpoint.url
    if auth is None:
        auth = endpoint_auth(endpoint, secrets, url, token_transport=token_transport)
    final = endpoint_settings(endpoint, url, auth.cert)
    if settings is not None:
        final = settings(final)
    hidden = [s for s in (*extra_secrets, auth.cert.password if auth.cert else None) if s]
    return HttpClient(final, auth=auth.auth, headers=headers, secrets=hidden, transport=transport, sleep=sleep,
                      close_auth=owns_auth)


def endpoint_auth(endpoint: EndpointConfig, secrets: Mapping[str, str], base_url: str, *,
                  token_transport: httpx.BaseTransport | None = None) -> AuthSetup:
    """`build_auth` with the TLS and proxy settings of the endpoint's options."""
    probe = endpoint_settings(endpoint, base_url)
    return build_auth(endpoint, secrets, base_url=base_url, verify=probe.verify, proxy=probe.proxy,
                      timeout=endpoint.timeout, token_transport=token_transport)
