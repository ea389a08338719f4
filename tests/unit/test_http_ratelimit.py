"""Rate limits per endpoint: rolling windows, waits through the client's (injected) sleep, a daily quota
that runs out as QuotaExhaustedError with the moment it resumes, bounded and interruptible slot waits."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator

import pytest

from erpsync_gui.config.http import HttpOptions
from erpsync_gui.errors import ConfigError, QuotaExhaustedError, RateLimitedError, RetryableError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import http_options, limits_for
from erpsync_gui.http.ratelimit import LimiterRegistry, RateLimiter, RateLimits
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.unit.http_fakes import FakeServer, Reply


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    sleeps: list[float]


@pytest.fixture
def clock() -> Clock:
    c = Clock()
    c.sleeps = []
    return c


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        srv.script("/items", Reply(200, json={"ok": True}))
        yield srv


def _options(**options) -> HttpOptions:
    return http_options(EndpointConfig(Side.ERP, "rest", "https://erp.example.com/", options=options))


def test_presets_and_overrides() -> None:
    assert limits_for("quickbooks", _options()) == RateLimits(per_second=10, per_minute=500, concurrent=10)
    assert limits_for("rest", _options()).unlimited
    assert limits_for("zoho", _options()).per_day == 50000
    custom = limits_for("rest", _options(rate_limit_preset="quickbooks", rate_limits={"per_day": 25000}))
    assert (custom.per_minute, custom.concurrent, custom.per_day) == (500, 10, 25000)
    assert limits_for("quickbooks", _options(rate_limits={"concurrent": None})).concurrent is None


@pytest.mark.parametrize("override, words", [
    ({"per_minit": 5}, "options.rate_limits.per_minit: unknown key; did you mean 'per_minute'?"),
    ({"per_minute": 0}, "options.rate_limits.per_minute: 0 is not a whole number of requests from 1 to 10000000"),
    ({"concurrent": "ten"}, "options.rate_limits.concurrent: 'ten' is not a whole number from 1 to 1000"),
])
def test_bad_limits_are_refused_clearly(override: dict, words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _options(rate_limits=override)
    assert words in str(refused.value)


def test_a_full_window_says_how_long_to_wait(clock: Clock) -> None:
    limiter = RateLimiter(RateLimits(per_second=2), clock=clock)
    assert limiter.reserve() == 0 and limiter.reserve() == 0
    clock.now += 0.25
    assert limiter.reserve() == pytest.approx(0.75)
    clock.now += 0.75
    assert limiter.reserve() == 0


def test_the_client_waits_for_a_slot_through_its_sleep(server: FakeServer, clock: Clock) -> None:
    registry = LimiterRegistry(clock=clock)
    settings = HttpSettings(server.url, rate_limits=RateLimits(per_minute=3))
    with HttpClient(settings, sleep=clock.sleep, limiters=registry) as client:
        for _ in range(5):
            client.get("/items")
    assert len(server.seen("/items")) == 5
    assert clock.sleeps == [pytest.approx(60.0)]  # the 4th request waited for the first minute to pass


def test_a_spent_daily_quota_raises_quota_exhausted_with_its_resume_time(server: FakeServer, clock: Clock) -> None:
    registry = LimiterRegistry(clock=clock)
    settings = HttpSettings(server.url, rate_limits=RateLimits(per_day=2))
    with HttpClient(settings, sleep=clock.sleep, limiters=registry) as client:
        client.get("/items")
        clock.now += 3600
        client.get("/items")
        with pytest.raises(QuotaExhaustedError) as caught:
            client.get("/items")
    error = caught.value
    assert "2 requests per day" in error.message and server.url in error.message
    assert error.resumes_at == datetime.datetime.fromtimestamp(clock.now - 3600 + 86400, datetime.UTC)
    assert len(server.seen("/items")) == 2 and clock.sleeps == []
    # the count belongs to the endpoint, not to one client: a new client of the same URL is refused too
    with HttpClient(settings, sleep=clock.sleep, limiters=registry) as again, pytest.raises(QuotaExhaustedError):
        again.get("/items")
    clock.now += 86400
    with HttpClient(settings, sleep=clock.sleep, limiters=registry) as later:
        assert later.get("/items").status_code == 200


def test_concurrency_is_capped_and_the_wait_bounded() -> None:
    limiter = RateLimiter(RateLimits(concurrent=1), name="the ERP endpoint")
    limiter.enter(lambda: False)
    with pytest.raises(RateLimitedError, match=r"still running after 0\.05 s"):
        limiter.enter(lambda: False, timeout=0.05)
    entered = threading.Event()

    def second() -> None:
        limiter.enter(lambda: False, timeout=10)
        entered.set()

    worker = threading.Thread(target=second)
    worker.start()
    assert not entered.wait(0.05)
    limiter.leave()
    assert entered.wait(5)
    worker.join()


def test_a_slot_wait_is_interrupted(server: FakeServer) -> None:
    registry = LimiterRegistry()
    settings = HttpSettings(server.url, rate_limits=RateLimits(concurrent=1))
    client = HttpClient(settings, limiters=registry)
    limiter = client.limiter
    limiter.enter(lambda: False)  # another request holds the only slot
    failure: list[BaseException] = []

    def call() -> None:
        try:
            client.get("/items")
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    worker.join(0.1)
    assert worker.is_alive()
    client.interrupt()
    worker.join(5)
    assert not worker.is_alive()
    assert isinstance(failure[0], RetryableError) and "stopped" in failure[0].message
    assert server.seen("/items") == []
    limiter.leave()
    client.close()


def test_a_rate_limit_wait_ends_at_once_when_interrupted(server: FakeServer) -> None:
    registry = LimiterRegistry()
    client = HttpClient(HttpSettings(server.url, rate_limits=RateLimits(per_minute=1)), limiters=registry)
    client.get("/items")
    threading.Timer(0.1, client.interrupt).start()
    with pytest.raises(RetryableError, match="stopped"):
        client.get("/items")  # would wait for a minute without the interrupt
    client.close()
