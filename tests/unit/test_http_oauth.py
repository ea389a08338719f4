"""OAuth2 against a fake authorization server on 127.0.0.1: the code flow with PKCE through a (scripted)
browser and the one-shot listener, refresh-token rotation persisted in the keyring, proactive refresh,
a 401 refresh, an expired refresh token, Zoho's and QuickBooks' particulars, client credentials."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from keyring.errors import PasswordSetError

from erpsync_gui.errors import AuthError, CredentialsExpiredError, KeyringUnavailableError, MissingSecretError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.oauth import OAuthConfig, TokenClient
from erpsync_gui.http.oauth_listener import login
from erpsync_gui.http.pkce import challenge_s256, make_verifier
from erpsync_gui.http.token_auth import ClientCredentialsAuth, OAuth2Auth
from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE, SecretStore
from tests.unit.http_auth_server import FakeAuthServer

PROFILE = "acme"


@pytest.fixture
def server() -> Iterator[FakeAuthServer]:
    with FakeAuthServer() as srv:
        yield srv


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def config(server: FakeAuthServer, **options: Any) -> OAuthConfig:
    base = {"client_id": server.state.client_id, "token_url": f"{server.url}/token",
            "authorize_url": f"{server.url}/authorize", "scopes": "read write"}
    return OAuthConfig.from_options({**base, **options})


def browser(calls: list[str]):
    """A browser that follows the authorization redirect to the listener, in its own thread."""
    def open_url(url: str) -> bool:
        calls.append(url)
        threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=5), daemon=True).start()
        return True
    return open_url


def stored(keyring_backend, name: str) -> str | None:
    return keyring_backend.entries.get((SERVICE, f"{PROFILE}/erp.{name}"))


def test_pkce_challenge_is_the_unpadded_base64url_sha256_of_the_verifier() -> None:
    verifier = make_verifier()
    assert 43 <= len(verifier) <= 128 and make_verifier() != verifier
    challenge = challenge_s256(verifier)
    padded = challenge + "=" * (-len(challenge) % 4)
    assert base64.urlsafe_b64decode(padded) == hashlib.sha256(verifier.encode()).digest()
    assert "=" not in challenge and "+" not in challenge and "/" not in challenge
    with pytest.raises(ValueError):
        challenge_s256("too-short")


def test_code_flow_verifies_pkce_and_rotated_refresh_token_is_persisted(server: FakeAuthServer,
                                                                         memory_keyring) -> None:
    store = SecretStore().endpoint(PROFILE, Side.ERP)
    cfg = config(server)
    tokens = TokenClient(cfg, server.state.client_secret)
    opened: list[str] = []

    result = login(cfg, tokens, store, open_browser=browser(opened), timeout=10)

    assert server.state.pkce_checked == 1
    assert "code_challenge_method=S256" in opened[0] and "scope=read+write" in opened[0]
    first_refresh = result.tokens.refresh_token
    assert stored(memory_keyring, "refresh_token") == first_refresh
    assert result.tokens.access_token in stored(memory_keyring, "access_token")

    # a later run: the access token has expired, the refresh rotates the refresh token
    clock = Clock(result.tokens.expires_at + 10)
    auth = OAuth2Auth(TokenClient(cfg, server.state.client_secret, clock=clock),
                      SecretStore().endpoint(PROFILE, Side.ERP), clock=clock)
    with HttpClient(HttpSettings(server.url), auth=auth) as client:
        assert client.get("/api/things").json() == {"data": [{"id": 1}]}
    rotated = stored(memory_keyring, "refresh_token")
    assert rotated and rotated != first_refresh and rotated in server.state.refresh_tokens
    assert first_refresh not in server.state.refresh_tokens
    assert server.state.grants[-1]["refresh_token"] == first_refresh
    assert auth.token.access_token in stored(memory_keyring, "access_token")


def test_a_wrong_code_verifier_is_refused(server: FakeAuthServer) -> None:
    cfg = config(server)
    verifier = make_verifier()
    url = f"{server.url}/authorize?response_type=code&client_id={cfg.client_id}&redirect_uri=http://x/cb" \
          f"&state=s&code_challenge={challenge_s256(verifier)}&code_challenge_method=S256"
    code = httpx.URL(httpx.get(url).headers["Location"]).params["code"]
    with pytest.raises(AuthError) as caught:
        TokenClient(cfg, server.state.client_secret).exchange_code(code, make_verifier(), "http://x/cb")
    assert "PKCE verification failed" in caught.value.details
    assert server.state.pkce_checked == 0


def test_a_redirect_with_another_state_is_refused(server: FakeAuthServer) -> None:
    cfg = config(server)

    def forged(url: str) -> bool:
        redirect = httpx.URL(url).params["redirect_uri"]
        threading.Thread(target=lambda: httpx.get(f"{redirect}?code=stolen&state=forged", timeout=5),
                         daemon=True).start()
        return True

    with pytest.raises(AuthError, match="state"):
        login(cfg, TokenClient(cfg), SecretStore().endpoint(PROFILE, Side.ERP), open_browser=forged, timeout=10)
    assert server.state.grants == []


def test_a_refused_login_says_why(server: FakeAuthServer) -> None:
    cfg = config(server)

    def refuse(url: str) -> bool:
        params = httpx.URL(url).params
        target = f"{params['redirect_uri']}?error=access_denied&error_description=User+said+no&state={params['state']}"
        threading.Thread(target=lambda: httpx.get(target, timeout=5), daemon=True).start()
        return True

    with pytest.raises(AuthError, match="User said no"):
        login(cfg, TokenClient(cfg), SecretStore().endpoint(PROFILE, Side.ERP), open_browser=refuse, timeout=10)


def test_no_login_within_the_timeout(server: FakeAuthServer) -> None:
    cfg = config(server)
    with pytest.raises(AuthError, match="no login arrived"):
        login(cfg, TokenClient(cfg), SecretStore().endpoint(PROFILE, Side.ERP), open_browser=lambda _u: False,
              timeout=0.2)


def _auth(server: FakeAuthServer, refresh: str, clock: Clock, **options: Any) -> OAuth2Auth:
    secrets = SecretStore()
    secrets.set(PROFILE, "erp", "refresh_token", refresh)
    cfg = config(server, **options)
    return OAuth2Auth(TokenClient(cfg, server.state.client_secret, clock=clock),
                      secrets.endpoint(PROFILE, Side.ERP), clock=clock)


def test_refresh_happens_shortly_before_expiry(server: FakeAuthServer) -> None:
    server.add_refresh_token("rt-start")
    clock = Clock()
    auth = _auth(server, "rt-start", clock, refresh_before_s=300)
    with HttpClient(HttpSettings(server.url), auth=auth) as client:
        client.get("/api/things")
        client.get("/api/things")
        assert len(server.state.grants) == 1
        clock.now += 3600 - 299  # inside the margin: refreshed before the request, not after a 401
        client.get("/api/things")
    assert len(server.state.grants) == 2
    assert all(call in server.state.valid_access for call in server.state.api_calls)


def test_a_revoked_access_token_is_refreshed_once_and_the_request_sent_again(server: FakeAuthServer) -> None:
    server.add_refresh_token("rt-start")
    auth = _auth(server, "rt-start", Clock())
    with HttpClient(HttpSettings(server.url), auth=auth) as client:
        client.get("/api/things")
        server.revoke_access()
        assert client.get("/api/things").status_code == 200
    assert len(server.state.grants) == 2
    assert len(server.state.api_calls) == 3


def test_an_expired_refresh_token_raises_credentials_expired(server: FakeAuthServer) -> None:
    auth = _auth(server, "rt-unknown", Clock())
    with HttpClient(HttpSettings(server.url), auth=auth) as client:
        with pytest.raises(CredentialsExpiredError) as caught:
            client.get("/api/things")
        assert client.auth_problem is caught.value
    assert caught.value.kind == "expired"
    assert "erpsync auth login --side erp" in caught.value.hint
    assert "rt-unknown" not in str(caught.value)


def test_no_refresh_token_yet_asks_for_a_login(server: FakeAuthServer) -> None:
    cfg = config(server)
    auth = OAuth2Auth(TokenClient(cfg), SecretStore().endpoint(PROFILE, Side.ERP))
    with HttpClient(HttpSettings(server.url), auth=auth) as client, pytest.raises(MissingSecretError) as caught:
        client.get("/api/things")
    assert "auth login" in caught.value.hint


def test_zoho_scheme_accounts_server_and_invalid_code(memory_keyring) -> None:
    with FakeAuthServer(rotate=False, zoho_errors=True) as server:
        server.add_refresh_token("1000.zoho-refresh")
        cfg = OAuthConfig.from_options({"oauth_preset": "zoho", "accounts_server": server.url,
                                        "client_id": server.state.client_id})
        assert cfg.token_url == f"{server.url}/oauth/v2/token" and cfg.auth_scheme == "Zoho-oauthtoken"
        secrets = SecretStore()
        secrets.set(PROFILE, "erp", "refresh_token", "1000.zoho-refresh")
        auth = OAuth2Auth(TokenClient(cfg, server.state.client_secret), secrets.endpoint(PROFILE, Side.ERP))
        seen: list[str] = []

        def api(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers["Authorization"])
            return httpx.Response(200, json={"data": []})

        with HttpClient(HttpSettings("https://www.zohoapis.eu/crm/v8/"), auth=auth,
                        transport=httpx.MockTransport(api)) as client:
            client.get("Accounts")
        assert seen[0].startswith("Zoho-oauthtoken at-")
        assert server.state.grants[0]["grant_type"] == "refresh_token"
        assert server.state.grants[0]["client_secret"] == server.state.client_secret  # client_secret_post
        assert stored(memory_keyring, "refresh_token") == "1000.zoho-refresh"  # Zoho does not rotate

        server.state.refresh_tokens.clear()
        with pytest.raises(CredentialsExpiredError, match="invalid_code"):
            TokenClient(cfg, server.state.client_secret).refresh("1000.zoho-refresh")


def test_quickbooks_sends_the_client_secret_as_basic_auth(server: FakeAuthServer) -> None:
    server.add_refresh_token("rt-qbo")
    cfg = OAuthConfig.from_options({"oauth_preset": "quickbooks", "client_id": server.state.client_id,
                                    "token_url": f"{server.url}/token"})
    assert cfg.scopes == ("com.intuit.quickbooks.accounting",)
    fresh = TokenClient(cfg, server.state.client_secret).refresh("rt-qbo")
    assert fresh.refresh_token and fresh.refresh_token != "rt-qbo"
    assert server.state.token_headers[0]["authorization"].startswith("Basic ")
    assert "client_secret" not in server.state.grants[0]


def test_client_credentials_tokens(server: FakeAuthServer) -> None:
    cfg = config(server)
    auth = ClientCredentialsAuth(TokenClient(cfg, server.state.client_secret))
    with HttpClient(HttpSettings(server.url), auth=auth) as client:
        assert client.get("/api/things").status_code == 200
        client.get("/api/things")
    assert [g["grant_type"] for g in server.state.grants] == ["client_credentials"]
    assert server.state.grants[0]["scope"] == "read write"


def test_a_wrong_client_secret_is_an_auth_error(server: FakeAuthServer) -> None:
    with pytest.raises(AuthError, match="invalid_client") as caught:
        TokenClient(config(server), "wrong").client_credentials()
    assert not isinstance(caught.value, CredentialsExpiredError)


class _FailingSecondWrite:
    """Wraps the memory keyring: the second password write of a set_many fails."""

    def __init__(self, inner) -> None:
        self.inner, self.writes = inner, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        if self.writes == 2:
            raise PasswordSetError(f"locked while writing {password}")
        self.inner.set_password(service, username, password)


def test_set_many_restores_the_old_values_when_a_write_fails(memory_keyring, monkeypatch) -> None:
    secrets = SecretStore()
    secrets.set(PROFILE, "erp", "refresh_token", "old-refresh")
    secrets.set(PROFILE, "erp", "access_token", "old-access")
    failing = _FailingSecondWrite(memory_keyring)
    monkeypatch.setattr(secrets, "_backend", lambda: failing)

    with pytest.raises(KeyringUnavailableError) as caught:
        secrets.set_many(PROFILE, "erp", {"refresh_token": "new-refresh", "access_token": "new-access"})

    assert stored(memory_keyring, "refresh_token") == "old-refresh"
    assert stored(memory_keyring, "access_token") == "old-access"
    assert "new-access" not in str(caught.value)


def test_set_many_writes_and_deletes_together(memory_keyring) -> None:
    secrets = SecretStore()
    secrets.set(PROFILE, "erp", "access_token", "a1")
    secrets.set_many(PROFILE, "erp", {"refresh_token": "r2", "access_token": None})
    assert stored(memory_keyring, "refresh_token") == "r2"
    assert stored(memory_keyring, "access_token") is None
    assert "r2" in secrets.known_secret_values()
