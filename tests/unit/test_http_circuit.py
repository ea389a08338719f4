"""The circuit breaker: it opens after N failed calls in a row with one clear error, refuses calls without
sending them, lets one trial through after the cool-down, and is not tripped by answers or throttling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from erpsync_gui.errors import CircuitOpenError, NotFoundError, RetryableError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.circuit import CircuitBreaker
from erpsync_gui.http.ratelimit import LimiterRegistry
from tests.unit.http_fakes import FakeServer, Reply


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def client(server: FakeServer, clock: Clock, failures: int = 3) -> HttpClient:
    settings = HttpSettings(server.url, retries=1, name="the ERP endpoint")
    breaker = CircuitBreaker(settings.label, failures=failures, cooldown=30, clock=clock)
    return HttpClient(settings, breaker=breaker, sleep=lambda _s: None, limiters=LimiterRegistry())


def test_opens_after_n_failures_and_refuses_without_sending(server: FakeServer) -> None:
    server.script("/items", Reply(500, json={"error": "database is down"}))
    clock = Clock()
    with client(server, clock) as http:
        for _ in range(3):
            with pytest.raises(RetryableError) as caught:
                http.get("/items")
            assert not isinstance(caught.value, CircuitOpenError)
        sent = len(server.seen("/items"))
        with pytest.raises(CircuitOpenError) as refused:
            http.get("/items")
    assert len(server.seen("/items")) == sent == 6  # 3 calls with one retry each; the 4th never left
    message = str(refused.value)
    assert f"the ERP endpoint ({server.url}) failed 3 times in a row" in message
    assert "500" in message and "30 s" in message
    assert http.breaker.state == "open"


def test_half_open_trial_closes_or_reopens(server: FakeServer) -> None:
    server.script("/items", Reply(500))
    clock = Clock()
    with client(server, clock, failures=2) as http:
        for _ in range(2):
            with pytest.raises(RetryableError):
                http.get("/items")
        clock.now += 30
        assert http.breaker.state == "half_open"
        with pytest.raises(RetryableError) as trial:
            http.get("/items")  # the trial is sent, fails, and the circuit opens again at once
        assert not isinstance(trial.value, CircuitOpenError)
        with pytest.raises(CircuitOpenError):
            http.get("/items")
        clock.now += 30
        server.script("/items", Reply(200, json={"ok": True}))
        assert http.get("/items").json() == {"ok": True}
        assert http.breaker.state == "closed"


def test_answers_and_successes_reset_the_count(server: FakeServer) -> None:
    server.script("/items", Reply(500), Reply(500), Reply(404), Reply(500), Reply(500), Reply(200))
    clock = Clock()
    with client(server, clock) as http:
        with pytest.raises(RetryableError):
            http.get("/items")  # 500, 500
        with pytest.raises(NotFoundError):
            http.get("/items")  # a 404 is an answer: the endpoint is alive
        with pytest.raises(RetryableError):
            http.get("/items")  # 500, 500
        assert http.breaker.state == "closed"


def test_zero_failures_switches_it_off(server: FakeServer) -> None:
    server.script("/items", Reply(500))
    with client(server, Clock(), failures=0) as http:
        for _ in range(6):
            with pytest.raises(RetryableError) as caught:
                http.get("/items")
            assert not isinstance(caught.value, CircuitOpenError)
