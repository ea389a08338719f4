"""Builds an endpoint's HTTP client: its settings from the endpoint and its typed HTTP options (timeouts,
TLS, proxy, rate limits, circuit breaker) and its auth flow from the auth-kind registry (auth_kinds.py),
the auth options and the secrets. A client certificate given in the options is presented with any auth kind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from erpsync_gui.config.http import HttpOptions
from erpsync_gui.config.options import own_options
from erpsync_gui.errors import ConfigError
from erpsync_gui.http.auth_kinds import BuildContext, auth_kind
from erpsync_gui.http.auth_options import AUTH_OPTION_KEYS, AuthOptions
from erpsync_gui.http.client import HttpClient
from erpsync_gui.http.client_cert import ClientCertificate
from erpsync_gui.http.ratelimit import PRESETS, RateLimits
from erpsync_gui.http.reply_size import MIB
from erpsync_gui.http.settings import HttpSettings
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.secrets import EndpointSecrets

#: every option key this layer reads (auth kinds, OAuth2, TLS, proxy, timeouts, rate limits, breaker): a
#: connector's own options model validates the keys beside them, so a mistyped option is reported, not ignored
HTTP_OPTION_KEYS = AUTH_OPTION_KEYS | frozenset(HttpOptions.model_fields)


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


def http_options(endpoint: EndpointConfig) -> HttpOptions:
    return own_options(endpoint, HttpOptions, endpoint.side.value.upper())


def auth_options(endpoint: EndpointConfig) -> AuthOptions:
    return own_options(endpoint, AuthOptions, endpoint.side.value.upper())


def client_certificate(endpoint: EndpointConfig, store: EndpointSecrets) -> ClientCertificate | None:
    options = http_options(endpoint)
    if not options.client_cert:
        if endpoint.auth == "client_cert":
            raise ConfigError(f"the {endpoint.side.value.upper()} endpoint uses a client certificate but "
                              "options.client_cert names no file", hint="give the PEM or .p12/.pfx file")
        return None
    return ClientCertificate(options.client_cert, options.client_key, store.fetch("cert_password"))


def build_auth(endpoint: EndpointConfig, secrets: Mapping[str, str], *, base_url: str,
               verify: bool | str = True, proxy: str | None = None, timeout: float = 30.0,
               token_transport: httpx.BaseTransport | None = None,
               clock: Callable[[], float] = time.time) -> AuthSetup:
    """The auth flow and client certificate for `endpoint`. A missing token of the simple kinds means no
    auth (the server's 401 then says so); a missing OAuth2 refresh token is reported at the first call."""
    kind = auth_kind(endpoint.auth)
    options = auth_options(endpoint)
    for name in kind.required_options:
        if not getattr(options, name):
            raise ConfigError(f"the {endpoint.side.value.upper()} endpoint's {kind.label.lower()} needs "
                              f"options.{name}", hint="add it to the endpoint settings")
    store = endpoint_store(endpoint, secrets)
    cert = client_certificate(endpoint, store)
    ctx = BuildContext(side=endpoint.side.value, connector_kind=endpoint.kind, options=options, secrets=store,
                       base_url=base_url, verify=verify, proxy=proxy, timeout=timeout,
                       token_transport=token_transport, clock=clock)
    return AuthSetup(kind.build(ctx), cert)


def limits_for(kind: str, options: HttpOptions) -> RateLimits:
    """The preset of `rate_limit_preset` (default: the connector kind), overridden by `rate_limits`."""
    base = PRESETS.get(options.rate_limit_preset or kind, RateLimits())
    if options.rate_limits is None:
        return base
    return base.merged(options.rate_limits.model_dump(exclude_unset=True))


def endpoint_settings(endpoint: EndpointConfig, base_url: str, cert: ClientCertificate | None = None) -> HttpSettings:
    """HttpSettings from the endpoint's fields and typed options."""
    options = http_options(endpoint)
    extra: dict[str, Any] = {}
    if options.circuit_breaker is not None:
        extra.update(breaker_failures=options.circuit_breaker.failures,
                     breaker_cooldown=options.circuit_breaker.cooldown_s)
    if options.total_timeout_s is not None:
        extra["total_timeout"] = options.total_timeout_s
    if options.backoff_s is not None:
        extra["backoff_base"] = options.backoff_s
    if options.max_reply_mb is not None:
        extra["max_reply_bytes"] = options.max_reply_mb * MIB
    verify = options.verify if options.ca_bundle is None else options.ca_bundle
    return HttpSettings(
        base_url=base_url, timeout=endpoint.timeout, retries=endpoint.retries, verify=verify, proxy=options.proxy,
        log_level=endpoint.log_level, name=f"the {endpoint.side.value.upper()} endpoint",
        connect_timeout=options.connect_timeout_s, cert=cert, pinned_sha256=options.trust_cert_sha256,
        rate_limits=limits_for(endpoint.kind, options), rate_limit_key=options.rate_limit_key, **extra,
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
