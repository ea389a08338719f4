"""Auth flows against a real server on 127.0.0.1: what reaches the server, and what is known as secret."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from erpsync_gui.errors import ConfigError
from erpsync_gui.http import ApiKeyAuth, BasicAuth, BearerAuth, HttpSettings, auth_secrets, build_client
from tests.unit.http_fakes import FakeServer, Reply, Seen


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.script("/api/me", Reply(200, json={"me": "ok"}))
        yield srv


def fetch(server: FakeServer, auth: httpx.Auth, **params: str) -> Seen:
    with build_client(HttpSettings(server.url + "/api/", timeout=0.5), auth=auth) as client:
        assert client.get("me", params=params or None).json() == {"me": "ok"}
    return server.seen("/api/me")[-1]


def test_bearer_token_header(server: FakeServer) -> None:
    seen = fetch(server, BearerAuth("  abc.def-123\n"))  # pasted with whitespace around it
    assert seen.headers["authorization"] == "Bearer abc.def-123"


def test_bearer_with_own_scheme(server: FakeServer) -> None:
    seen = fetch(server, BearerAuth("1000.tok", scheme="Zoho-oauthtoken"))
    assert seen.headers["authorization"] == "Zoho-oauthtoken 1000.tok"


def test_api_key_in_header(server: FakeServer) -> None:
    seen = fetch(server, ApiKeyAuth("X-Api-Key", "k-123"))
    assert seen.headers["x-api-key"] == "k-123"
    assert "authorization" not in seen.headers and seen.query == {}


def test_api_key_in_query_keeps_other_parameters(server: FakeServer) -> None:
    seen = fetch(server, ApiKeyAuth("api_key", "k-456", in_="query"), page="3")
    assert seen.query == {"api_key": ["k-456"], "page": ["3"]}
    assert "x-api-key" not in seen.headers


def test_basic_auth(server: FakeServer) -> None:
    seen = fetch(server, BasicAuth("ann", "s3cret:with colon"))
    scheme, _, encoded = seen.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == "ann:s3cret:with colon"


def test_auth_secrets_name_the_values_to_hide() -> None:
    assert auth_secrets(None) == ()
    assert auth_secrets(BearerAuth("t-1")) == ("t-1",)
    assert auth_secrets(ApiKeyAuth("key", "v-2", in_="query")) == ("v-2",)
    password, encoded = auth_secrets(BasicAuth("ann", "pw-3"))
    assert password == "pw-3"
    assert base64.b64decode(encoded) == b"ann:pw-3"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: BearerAuth(""), "access token is empty"),
        (lambda: BearerAuth("   "), "access token is empty"),
        (lambda: BearerAuth("a\nb"), "line break"),
        (lambda: BearerAuth(None), "must be text"),  # type: ignore[arg-type]
        (lambda: ApiKeyAuth("X-Key", ""), "API key is empty"),
        (lambda: ApiKeyAuth("", "v"), "API key name is empty"),
        (lambda: ApiKeyAuth("k", "v", in_="cookie"), "header or the query"),  # type: ignore[arg-type]
    ],
)
def test_bad_credentials_are_refused_clearly(make, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=words):
        make()


def test_auth_kinds_are_httpx_auth_flows() -> None:
    assert BasicAuth is httpx.BasicAuth
    for auth in (BearerAuth("t"), ApiKeyAuth("k", "v"), BasicAuth("u", "p")):
        assert isinstance(auth, httpx.Auth)
