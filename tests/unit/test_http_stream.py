"""HttpClient.stream: a reply read in pieces, with the client's usual retries, errors and redaction."""

from __future__ import annotations

import logging

import pytest

from erpsync_gui.errors import AuthError, PermanentError
from erpsync_gui.http import HttpClient, HttpSettings
from tests.unit.http_fakes import FakeServer, Reply


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def _client(url: str, **settings) -> HttpClient:
    return HttpClient(HttpSettings(url, timeout=5, retries=2, **settings), sleep=lambda _s: None)


def test_a_streamed_reply_is_read_in_pieces_after_a_retried_5xx():
    body = b"[" + b",".join(b'{"n":%d}' % n for n in range(2000)) + b"]"
    with FakeServer() as server:
        server.script("/list", Reply(503), Reply(200, body=body))
        with _client(server.url) as client, client.stream("GET", "list") as response:
            chunks = list(response.iter_bytes())
        assert b"".join(chunks) == body
        assert len(server.seen("/list")) == 2


def test_an_error_reply_of_a_stream_still_carries_the_servers_words():
    with FakeServer() as server:
        server.script("/list", Reply(401, json={"Message": "Authorization has been denied"}))
        with _client(server.url) as client, pytest.raises(AuthError) as caught, client.stream("GET", "list"):
            pass
        assert "denied" in (caught.value.details or "")
        server.script("/list", Reply(400, json={"Message": "bad filter"}))
        with _client(server.url) as client, pytest.raises(PermanentError, match="400"), client.stream("GET", "list"):
            pass


def test_the_debug_log_does_not_read_a_streamed_body(caplog):
    with FakeServer() as server:
        server.script("/list", Reply(200, body=b"[1,2,3]"))
        with caplog.at_level(logging.DEBUG, logger="erpsync.http"), \
                _client(server.url, log_level="DEBUG") as client, client.stream("GET", "list") as response:
            assert response.read() == b"[1,2,3]"
    assert any("body=<streamed>" in r.getMessage() for r in caplog.records)
