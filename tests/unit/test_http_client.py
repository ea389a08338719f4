"""The shared HTTP client against a real server on 127.0.0.1: retries, Retry-After, write safety,
error translation, TLS and redacted logging."""

from __future__ import annotations

import datetime
import email.utils
import logging
import socket
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from erpsync_gui import __version__
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    DuplicateError,
    MappingError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    StaleVersionError,
)
from erpsync_gui.http import ApiKeyAuth, BearerAuth, HttpClient, HttpSettings, build_client
from erpsync_gui.http.errors_map import error_details, error_for_exception, error_for_response
from erpsync_gui.http.retry import parse_retry_after
from tests.unit.http_fakes import FakeServer, Reply, self_signed_cert

FAST = 0.5  # seconds; the client's timeout in these tests


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment would swallow requests meant for 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
                 "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def make(url: str, sleeps: list[float] | None = None, *, now: float | None = None,
         jitter: float | None = None, auth: Any = None, secrets: tuple[str, ...] = (),
         headers: dict[str, str] | None = None, **settings: Any) -> HttpClient:
    settings.setdefault("timeout", FAST)
    settings.setdefault("retries", 2)
    extra: dict[str, Any] = {}
    if now is not None:
        extra["clock"] = lambda: now
    if jitter is not None:
        extra["jitter"] = lambda: jitter
    return HttpClient(HttpSettings(url, **settings), auth=auth, secrets=secrets, headers=headers,
                      sleep=(sleeps if sleeps is not None else []).append, **extra)


def test_success_sends_user_agent_and_measures_latency(server: FakeServer) -> None:
    server.script("/api/clients", Reply(200, json=[{"id": 1}]))
    with build_client(HttpSettings(server.url + "/api", timeout=FAST)) as client:
        assert client.last_latency_ms is None
        response = client.get("clients", params={"page": 2})
        assert response.json() == [{"id": 1}]
        assert client.last_latency_ms is not None and client.last_latency_ms >= 0
    seen = server.seen("/api/clients")
    assert seen[0].headers["user-agent"] == f"ERPSync/{__version__}"
    assert seen[0].query == {"page": ["2"]}


def test_429_with_retry_after_seconds_is_waited_out(server: FakeServer) -> None:
    server.script("/x", Reply(429, headers={"Retry-After": "7"}), Reply(200, json={"ok": True}))
    sleeps: list[float] = []
    with make(server.url, sleeps) as client:
        assert client.get("/x").json() == {"ok": True}
    assert sleeps == [7.0]
    assert len(server.seen("/x")) == 2


def test_429_with_http_date_retry_after(server: FakeServer) -> None:
    now = 1_800_000_000.0
    when = email.utils.formatdate(now + 120, usegmt=True)
    server.script("/x", Reply(429, headers={"Retry-After": when}), Reply(200))
    sleeps: list[float] = []
    with make(server.url, sleeps, now=now) as client:
        assert client.get("/x").status_code == 200
    assert sleeps == [120.0]


def test_retry_after_beyond_the_cap_gives_up_at_once(server: FakeServer) -> None:
    server.script("/x", Reply(429, headers={"Retry-After": "3600"}, json={"message": "daily quota used"}))
    sleeps: list[float] = []
    with make(server.url, sleeps) as client, pytest.raises(RateLimitedError) as caught:
        client.get("/x")
    assert caught.value.retry_after == 3600.0
    assert caught.value.status == 429 and caught.value.details == "daily quota used"
    assert sleeps == [] and len(server.seen("/x")) == 1


def test_429_that_persists_raises_rate_limited_after_retries(server: FakeServer) -> None:
    server.script("/x", Reply(429, headers={"Retry-After": "2"}))
    sleeps: list[float] = []
    with make(server.url, sleeps, retries=2) as client, pytest.raises(RateLimitedError) as caught:
        client.post("/x", json={"a": 1})  # a POST answered 429 was not processed: it may be repeated
    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0] and len(server.seen("/x", "POST")) == 3


def test_500s_are_retried_then_raise_retryable_with_status(server: FakeServer) -> None:
    odata = {"error": {"code": -1, "message": {"lang": "en", "value": "db down"}}}
    server.script("/x", Reply(500, json=odata))
    sleeps: list[float] = []
    with make(server.url, sleeps, retries=3) as client, pytest.raises(RetryableError) as caught:
        client.get("/x")
    assert type(caught.value) is RetryableError
    assert caught.value.status == 500 and caught.value.details == "db down"
    assert len(sleeps) == 3 and len(server.seen("/x")) == 4


def test_500_then_success(server: FakeServer) -> None:
    server.script("/x", Reply(502, body="<html><h1>502 Bad Gateway</h1></html>"), Reply(204))
    with make(server.url) as client:
        assert client.put("/x", json={"a": 1}).status_code == 204
    assert len(server.seen("/x", "PUT")) == 2


@pytest.mark.parametrize("status", [400, 422])
def test_client_errors_are_not_retried(server: FakeServer, status: int) -> None:
    fault = {"Fault": {"Error": [{"Message": "Duplicate Name", "Detail": "name exists", "code": "6240"}]}}
    server.script("/x", Reply(status, json=fault))
    sleeps: list[float] = []
    with make(server.url, sleeps) as client, pytest.raises(PermanentError) as caught:
        client.get("/x")
    assert type(caught.value) is PermanentError
    assert caught.value.status == status
    assert caught.value.details == "Duplicate Name; name exists"
    assert sleeps == [] and len(server.seen("/x")) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFoundError), (409, DuplicateError),
     (412, StaleVersionError)],
)
def test_status_translation(server: FakeServer, status: int, error: type[Exception]) -> None:
    server.script("/x", Reply(status, body="plain words from the server"))
    with make(server.url) as client, pytest.raises(error) as caught:
        client.get("/x")
    assert caught.value.status == status
    assert caught.value.details == "plain words from the server"
    assert len(server.seen("/x")) == 1


def test_not_modified_and_redirect(server: FakeServer) -> None:
    server.script("/same", Reply(304))
    server.script("/moved", Reply(301, headers={"Location": "https://erp.example.com/api"}))
    with make(server.url) as client:
        assert client.get("/same").status_code == 304
        with pytest.raises(PermanentError) as caught:
            client.get("/moved")
    assert "https://erp.example.com/api" in str(caught.value)


def test_post_read_timeout_is_outcome_unknown_and_sent_once(server: FakeServer) -> None:
    server.script("/orders", Reply(201, delay=30))
    sleeps: list[float] = []
    with make(server.url, sleeps, timeout=FAST) as client, pytest.raises(OutcomeUnknownError) as caught:
        client.post("/orders", json={"number": "A-1"})
    assert "timed out after 0.5 s" in str(caught.value)
    assert len(server.seen("/orders", "POST")) == 1 and sleeps == []


def test_post_dropped_connection_is_outcome_unknown(server: FakeServer) -> None:
    server.script("/orders", Reply(drop=True))
    with make(server.url) as client, pytest.raises(OutcomeUnknownError):
        client.post("/orders", json={"number": "A-1"})
    assert len(server.seen("/orders", "POST")) == 1


def test_post_500_is_not_repeated_but_503_is(server: FakeServer) -> None:
    server.script("/a", Reply(500))
    server.script("/b", Reply(503), Reply(201, json={"id": 9}))
    sleeps: list[float] = []
    with make(server.url, sleeps) as client:
        with pytest.raises(RetryableError):
            client.post("/a", json={})
        assert client.post("/b", json={}).json() == {"id": 9}
    assert len(server.seen("/a")) == 1 and len(server.seen("/b")) == 2 and len(sleeps) == 1


def test_post_with_connection_refused_is_retried() -> None:
    with FakeServer(listen=False) as srv:
        srv.script("/orders", Reply(201, json={"id": 5}))
        sleeps: list[float] = []

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            srv.start()  # the server comes up while the client waits

        client = HttpClient(HttpSettings(srv.url, timeout=FAST, retries=2), sleep=sleep)
        with client:
            assert client.post("/orders", json={"n": 1}).json() == {"id": 5}
        assert len(sleeps) == 1 and len(srv.seen("/orders", "POST")) == 1


def test_connection_refused_names_host_and_port() -> None:
    with FakeServer(listen=False) as srv:
        sleeps: list[float] = []
        with make(srv.url, sleeps, retries=1) as client, pytest.raises(RetryableError) as caught:
            client.get("/x")
    assert f"connection refused by 127.0.0.1:{srv.port}" in str(caught.value)
    assert len(sleeps) == 1


@pytest.mark.parametrize("reply", [Reply(200, delay=30), Reply(drop=True)], ids=["timeout", "dropped"])
def test_get_read_failure_is_retried(server: FakeServer, reply: Reply) -> None:
    server.script("/x", reply, Reply(200, json={"ok": 1}))
    sleeps: list[float] = []
    with make(server.url, sleeps, timeout=FAST) as client:
        assert client.get("/x").json() == {"ok": 1}
    assert len(server.seen("/x")) == 2 and len(sleeps) == 1


def test_get_timeout_after_retries_says_how_long(server: FakeServer) -> None:
    server.script("/x", Reply(200, delay=30))
    with make(server.url, retries=0) as client, pytest.raises(RetryableError) as caught:
        client.get("/x")
    assert type(caught.value) is RetryableError
    assert f"no answer from 127.0.0.1:{server.port}: timed out after 0.5 s" in str(caught.value)


def test_backoff_grows_and_is_capped(server: FakeServer) -> None:
    server.script("/x", Reply(503))
    sleeps: list[float] = []
    client = make(server.url, sleeps, jitter=1.0, retries=5, backoff_base=0.5, backoff_max=3.0)
    with client, pytest.raises(RetryableError):
        client.get("/x")
    assert sleeps == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_backoff_is_jittered_below_the_ceiling(server: FakeServer) -> None:
    server.script("/x", Reply(500))
    sleeps: list[float] = []
    client = make(server.url, sleeps, retries=4, backoff_base=1.0, backoff_max=4.0)
    with client, pytest.raises(RetryableError):
        client.get("/x")
    ceilings = [1.0, 2.0, 4.0, 4.0]
    assert len(sleeps) == 4 and all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


def test_retries_are_logged_as_warnings(server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    server.script("/x", Reply(503), Reply(200))
    caplog.set_level(logging.DEBUG, logger="erpsync.http")
    with make(server.url, jitter=1.0, backoff_base=0.5) as client:
        client.get("/x")
    ours = [r for r in caplog.records if r.name == "erpsync.http"]
    assert [r.getMessage() for r in ours if r.levelno == logging.WARNING] == [
        f"retrying GET {server.url}/x in 0.5 s (retry 1 of 2): answered 503 Service Unavailable"
    ]
    # an endpoint at INFO writes no request/reply lines even when the logger would take them
    assert not [r for r in ours if r.levelno == logging.DEBUG]


def test_no_secret_reaches_the_log(server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    token, client_token, api_key, password, extra = (
        "bearer-tok-123456", "client-tok-abcdef", "key-zyx987", "hunter2-pw", "literal-secret-42")
    server.script("/login", Reply(200, json={"access_token": "fresh-access-999", "note": f"hi {extra}"}))
    server.script("/fail", Reply(400, json={"message": f"bad password {password} for {extra}"}))
    caplog.set_level(logging.DEBUG)  # every logger: httpx's own lines must not leak either
    caplog.set_level(logging.DEBUG, logger="erpsync")  # an in-process `erpsync` run may have set it to INFO
    # the token is known through its auth, the client token and api key only by their names
    client = make(server.url, auth=BearerAuth(token), secrets=(password, extra),
                  headers={"X-Client-Token": client_token}, log_level="DEBUG")
    with client:
        client.post("/login", params={"api_key": api_key, "page": 1},
                    json={"user": "ann", "password": password, "comment": extra})
        with pytest.raises(PermanentError) as caught:
            client.post("/fail", json={"password": password})
    seen = server.seen("/login")[0]
    assert seen.headers["authorization"] == f"Bearer {token}" and seen.json()["password"] == password
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP request POST" in text and "HTTP reply 200" in text
    assert "'x-client-token': '***'" in text
    assert "Bearer ***" in text and "page=1" in text and '"user": "ann"' in text
    for secret in (token, client_token, api_key, password, extra, "fresh-access-999"):
        assert secret not in text
        assert secret not in str(caught.value) and secret not in (caught.value.details or "")


def test_api_key_in_query_stays_out_of_error_messages(server: FakeServer) -> None:
    server.script("/x", Reply(404))
    client = make(server.url, auth=ApiKeyAuth("key", "qk-555-secret", in_="query"))
    with client, pytest.raises(NotFoundError) as caught:
        client.get("/x")
    assert server.seen("/x")[0].query["key"] == ["qk-555-secret"]
    assert "qk-555-secret" not in str(caught.value)


def test_tls_certificate_is_verified(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    with FakeServer(tls=(cert, key)) as srv:
        srv.script("/x", Reply(200, json={"tls": True}))
        sleeps: list[float] = []
        with make(srv.url, sleeps) as client, pytest.raises(RetryableError) as caught:
            client.get("/x")
        assert "TLS certificate verification failed for 127.0.0.1" in str(caught.value)
        assert sleeps == []  # a second try cannot make the certificate trusted
        with make(srv.url, verify=str(cert)) as client:  # the CA bundle path trusts it
            assert client.get("/x").json() == {"tls": True}


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"base_url": "erp.example.com/api"}, "http:// or https://"),
        ({"base_url": "ftp://erp.example.com"}, "http:// or https://"),
        ({"base_url": "https://h", "timeout": 0}, "timeout"),
        ({"base_url": "https://h", "retries": -1}, "retries"),
        ({"base_url": "https://h", "log_level": "LOUD"}, "log level"),
        ({"base_url": "https://h", "verify": "/no/such/ca.pem"}, "CA bundle"),
    ],
)
def test_bad_settings_are_refused_clearly(kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        HttpSettings(**kwargs)


def test_settings_are_frozen() -> None:
    settings = HttpSettings("https://erp.example.com")
    assert (settings.timeout, settings.retries, settings.verify, settings.proxy) == (30.0, 3, True, None)
    with pytest.raises(AttributeError):
        settings.timeout = 1  # type: ignore[misc]


# -- translation details, without a server --------------------------------------------------------------

def _reply(status: int, body: str, content_type: str = "application/json") -> httpx.Response:
    request = httpx.Request("GET", "https://erp.example.com/api/x?token=t-1")
    return httpx.Response(status, content=body.encode(), headers={"Content-Type": content_type},
                          request=request)


@pytest.mark.parametrize(
    ("body", "content_type", "details"),
    [
        ('{"error": "invalid_grant", "error_description": "Token expired"}', "application/json",
         "invalid_grant; Token expired"),
        ('{"code": "INVALID_DATA", "message": "invalid id", "status": "error", "details": {"id": "7"}}',
         "application/json", "invalid id"),
        ('{"status": "bad", "n": 3, "password": "pw-1"}', "application/json",
         '{"status": "bad", "n": 3, "password": "***"}'),
        ("<html><head><style>b{}</style></head><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
         "text/html", "502 Bad Gateway nginx"),
        ("  \n ", "text/plain", None),
    ],
)
def test_error_details_from_bodies(body: str, content_type: str, details: str | None) -> None:
    assert error_details(_reply(400, body, content_type)) == details


def test_error_details_are_cut_and_redacted() -> None:
    details = error_details(_reply(400, "x" * 50 + " lit-3 " + "y" * 600, "text/plain"), ["lit-3"])
    assert details is not None and len(details) == 300 and "lit-3" not in details and "***" in details
    error = error_for_response(_reply(400, "{}"), ["t-1"])
    assert "t-1" not in str(error) and "https://erp.example.com/api/x" in str(error)


def test_unresolvable_host_is_named() -> None:
    request = httpx.Request("GET", "https://erp.nowhere.invalid/api")
    exc = httpx.ConnectError("[Errno -2] Name or service not known", request=request)
    exc.__cause__ = socket.gaierror(-2, "Name or service not known")
    error = error_for_exception(exc, method="GET", url=request.url, timeout=30.0)
    assert isinstance(error, RetryableError) and error.message == "cannot resolve host erp.nowhere.invalid"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), ("1.5", 1.5), ("-4", 0.0), ("Wed, 15 Jan 2027 08:00:30 GMT", 30.0),
     ("Wed, 15 Jan 2027 07:00:00 GMT", 0.0), ("soon", None), ("", None), (None, None), ("nan", None)],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    now = datetime.datetime(2027, 1, 15, 8, 0, 0, tzinfo=datetime.UTC).timestamp()
    assert parse_retry_after(value, now) == seconds


def test_json_bodies_carry_decimals_dates_and_uuids(server: FakeServer) -> None:
    server.script("/x", Reply(201))
    payload = {"price": Decimal("12.30"), "qty": Decimal("3"), "day": datetime.date(2026, 5, 1),
               "ref": uuid.UUID(int=1), "name": "Čapek"}
    with make(server.url) as client:
        client.post("/x", json=payload, headers={"content-type": "application/vnd.erp+json"})
        with pytest.raises(MappingError, match="type object"):
            client.post("/x", json={"bad": object()})
    seen = server.seen("/x")
    assert len(seen) == 1 and seen[0].headers["content-type"] == "application/vnd.erp+json"
    assert seen[0].json() == {"price": 12.3, "qty": 3, "day": "2026-05-01",
                              "ref": "00000000-0000-0000-0000-000000000001", "name": "Čapek"}


def test_explicit_proxy_carries_the_requests(server: FakeServer) -> None:
    server.script("/api/x", Reply(200, json={"via": "proxy"}))
    with make("http://erp.invalid/api", proxy=server.url) as client:
        assert client.get("x").json() == {"via": "proxy"}
    assert server.seen("/api/x")[0].headers["host"] == "erp.invalid"


def test_system_proxy_is_used(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.script("/api/x", Reply(200, json={"via": "system proxy"}))
    monkeypatch.setenv("HTTP_PROXY", server.url)
    with make("http://erp.invalid/api") as client:
        assert client.get("x").json() == {"via": "system proxy"}



def test_per_field_validation_messages_reach_the_error() -> None:
    body = '{"error": "Validation failed", "fields": {"customer_number": "must be text"}}'
    assert error_details(_reply(422, body, "application/json")) == \
        "Validation failed; customer_number: must be text"
