"""The auth factory and the endpoint settings: every auth kind from EndpointConfig, options and secrets,
clear errors for what is missing, HTTP options (limits, breaker, timeouts) read from the endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from erpsync_gui.errors import ConfigError, MissingSecretError
from erpsync_gui.http import ApiKeyAuth, BearerAuth
from erpsync_gui.http.auth_factory import build_auth, endpoint_client, endpoint_settings
from erpsync_gui.http.ratelimit import RateLimits
from erpsync_gui.http.session_auth import SessionAuth
from erpsync_gui.http.token_auth import ClientCredentialsAuth, OAuth2Auth
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side

URL = "https://erp.example.com/api/"


def endpoint(auth: str, kind: str = "rest", **options: Any) -> EndpointConfig:
    return EndpointConfig(Side.ERP, kind, URL, auth=auth, options=options)


def sent(ep: EndpointConfig, secrets: dict[str, str]) -> httpx.Request:
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with endpoint_client(ep, secrets, transport=httpx.MockTransport(app)) as http:
        http.get("things", params={"page": 1})
    return seen[0]


def test_simple_kinds_put_the_credentials_where_configured() -> None:
    assert sent(endpoint("bearer"), {"token": "t0k"}).headers["Authorization"] == "Bearer t0k"
    assert sent(endpoint("bearer", auth_scheme="Zoho-oauthtoken"), {"token": "t0k"}).headers["Authorization"] \
        == "Zoho-oauthtoken t0k"
    query = sent(endpoint("api_key", api_key_name="apikey", api_key_in="query"), {"token": "k3y"})
    assert query.url.params["apikey"] == "k3y" and query.url.params["page"] == "1"
    assert sent(endpoint("api_key"), {"token": "k3y"}).headers["X-Api-Key"] == "k3y"
    basic = sent(endpoint("basic", username="ann"), {"password": "pw"})
    assert basic.headers["Authorization"] == "Basic " + "YW5uOnB3"
    assert "Authorization" not in sent(endpoint("none"), {}).headers


def test_each_kind_builds_its_flow() -> None:
    oauth = {"client_id": "app", "token_url": "https://auth.example.com/token"}
    assert isinstance(build_auth(endpoint("bearer"), {"token": "x"}, base_url=URL).auth, BearerAuth)
    assert isinstance(build_auth(endpoint("api_key"), {"token": "x"}, base_url=URL).auth, ApiKeyAuth)
    assert isinstance(build_auth(endpoint("oauth2", **oauth), {}, base_url=URL).auth, OAuth2Auth)
    assert isinstance(build_auth(endpoint("client_credentials", **oauth), {"client_secret": "s"},
                                 base_url=URL).auth, ClientCredentialsAuth)
    assert isinstance(build_auth(endpoint("session", username="u"), {"password": "p"}, base_url=URL).auth,
                      SessionAuth)


@pytest.mark.parametrize("ep, secrets, error, words", [
    (endpoint("basic"), {"password": "p"}, ConfigError, "needs options.username"),
    (endpoint("basic", username="u"), {}, MissingSecretError, "erp.password"),
    (endpoint("client_credentials", client_id="a", token_url="https://a/t"), {}, MissingSecretError,
     "erp.client_secret"),
    (endpoint("oauth2", client_id="a"), {}, ConfigError, "token_url"),
    (endpoint("oauth2", oauth_preset="salesforce"), {}, ConfigError,
     "'salesforce' is not one of 'zoho' or 'quickbooks'"),
    (endpoint("kerberos"), {}, ConfigError, "unknown auth kind"),
])
def test_what_is_missing_is_named(ep: EndpointConfig, secrets: dict, error: type, words: str) -> None:
    with pytest.raises(error) as caught:
        build_auth(ep, secrets, base_url=URL)
    assert words in str(caught.value)


def _needed(ep: EndpointConfig, entities=()) -> tuple[str, ...]:
    from erpsync_gui.config.kinds import connector_kind

    return tuple(spec.name for spec in connector_kind(ep.kind).needed_secrets(ep, entities))


def test_secret_names_follow_the_auth_kind_and_the_kind() -> None:
    assert _needed(endpoint("oauth2")) == ("client_secret", "refresh_token", "client_token")
    assert _needed(endpoint("oauth2"), ["clients"]) == ("client_secret", "refresh_token")  # no advanced entity
    assert _needed(endpoint("session", kind="sap_b1")) == ("password",)
    assert _needed(endpoint("bearer", client_cert="c.p12"), ["clients"]) == ("token", "cert_password")
    sqlite = EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db")
    mariadb = EndpointConfig(Side.CRM, "sql", "mysql+pymysql://crm@db/perfex")
    assert _needed(sqlite) == () and _needed(mariadb) == ("db_password",)


def test_endpoint_settings_read_the_http_options() -> None:
    ep = EndpointConfig(Side.ERP, "quickbooks", URL, auth="oauth2", timeout=12, retries=4, options={
        "rate_limits": {"per_day": 25000}, "circuit_breaker": {"failures": 2, "cooldown_s": 5},
        "connect_timeout_s": 3, "total_timeout_s": 90, "backoff_s": 0.1, "proxy": "http://proxy:3128"})
    settings = endpoint_settings(ep, URL)
    assert settings.rate_limits == RateLimits(per_second=10, per_minute=500, concurrent=10, per_day=25000)
    assert (settings.breaker_failures, settings.breaker_cooldown) == (2, 5)
    assert (settings.timeout, settings.connect_timeout, settings.total_timeout) == (12, 3, 90)
    assert (settings.retries, settings.backoff_base, settings.proxy) == (4, 0.1, "http://proxy:3128")
    assert settings.label == f"the ERP endpoint ({URL})"
    with pytest.raises(ConfigError, match="connect_timeout_s"):
        endpoint_settings(EndpointConfig(Side.ERP, "rest", URL, options={"connect_timeout_s": 0}), URL)
