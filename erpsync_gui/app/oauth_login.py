"""OAuth2 sign-in of one endpoint, shared by `erpsync auth login` and the GUI's "Sign in..." button: the code
flow with PKCE through the system browser, the tokens into the keyring, what the redirect taught (Zoho's data
centre, QuickBooks' company) into the profile, and the endpoint's status back to "active". No Qt; blocking."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from erpsync_gui.app.service import SyncService
from erpsync_gui.errors import ConfigError
from erpsync_gui.http.auth_factory import auth_options, http_options
from erpsync_gui.http.oauth import OAuthConfig, TokenClient
from erpsync_gui.http.oauth_listener import DEFAULT_LOGIN_TIMEOUT, login
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import EndpointStatus

#: redirect parameters a connector needs later, by the option name they are kept under
_LEARNT = (("accounts_server", "accounts-server"), ("realm_id", "realmId"))


@dataclass(frozen=True)
class SignInOutcome:
    """The profile as saved after the sign-in, the endpoint's new status and when the access token expires."""

    profile: ProfileConfig
    side: Side
    status: EndpointStatus
    expires_at: float | None
    #: the redirect's non-secret parameters
    redirect: Mapping[str, str]


def sign_in(service: SyncService, profile_name: str | None, side: Side, *, open_browser: Callable[[str], Any],
            announce: Callable[[str], None] = lambda _url: None,
            timeout: float = DEFAULT_LOGIN_TIMEOUT) -> SignInOutcome:
    """Sign the `side` endpoint of the profile in; ConfigError when it does not use oauth2, AuthError when the
    login is refused or does not arrive within `timeout` seconds. `announce` is told the authorization URL first."""
    profile = service.profile(profile_name)
    endpoint = profile.endpoint(side)
    if endpoint.auth != "oauth2":
        raise ConfigError(f"the {side.value.upper()} endpoint of profile {profile.name!r} uses {endpoint.auth} "
                          "authentication, which needs no browser login",
                          hint="set its auth to oauth2 to log in with OAuth2")
    options = endpoint.options or {}
    typed, transport = auth_options(endpoint), http_options(endpoint)
    config = OAuthConfig.of(typed, kind=typed.oauth_preset or endpoint.kind, side=side.value)
    store = service.secrets.endpoint(profile.name, side)
    tokens = TokenClient(config, store.fetch("client_secret"),
                         verify=transport.verify if transport.ca_bundle is None else transport.ca_bundle,
                         proxy=transport.proxy, timeout=endpoint.timeout)
    try:
        result = login(config, tokens, store, open_browser=open_browser, announce=announce, timeout=timeout)
    finally:
        tokens.close()
    learnt = {option: result.redirect[key] for option, key in _LEARNT
              if result.redirect.get(key) and options.get(option) != result.redirect[key]}
    if learnt:
        endpoint = dataclasses.replace(endpoint, options={**options, **learnt})
        profile = service.config.save_profile(dataclasses.replace(profile, **{side.value: endpoint}))
    expires_at = result.tokens.expires_at
    until = f"; access token valid until {time.strftime('%H:%M', time.localtime(expires_at))}" if expires_at else ""
    service.config.set_endpoint_status(profile.id, side, "active", f"logged in with OAuth2{until}")
    status = service.config.endpoint_status(profile.id)[side]
    return SignInOutcome(profile, side, status, expires_at, dict(result.redirect))
