"""The per-hour limit: a rolling hour of request times, counted on its own (a request slower than the
per-minute limit still uses up the hour), waited out when the wait is short, a used-up quota past that."""

from __future__ import annotations

import datetime

import pytest

from erpsync_gui.config.http import HttpOptions
from erpsync_gui.errors import QuotaExhaustedError
from erpsync_gui.http.auth_factory import limits_for
from erpsync_gui.http.ratelimit import RateLimiter, RateLimits

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def test_the_hour_fills_with_requests_minutes_apart_and_opens_an_hour_after_the_first() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(per_minute=10, per_hour=3, max_wait=3600), clock=clock)
    for minute in (0, 10, 20):
        clock.now = START + minute * 60
        assert limiter.reserve() == 0
    assert limiter.used("per_hour") == 3 and limiter.used("per_minute") == 1

    clock.now = START + 30 * 60
    assert limiter.reserve() == pytest.approx(30 * 60)  # the first request leaves the hour at minute 60
    clock.now = START + 3600 - 1
    assert limiter.reserve() == pytest.approx(1)
    clock.now = START + 3600
    assert limiter.reserve() == 0
    assert limiter.used("per_hour") == 3  # minutes 10, 20 and 60


def test_a_used_up_hour_beyond_the_longest_wait_is_a_quota_that_resumes_on_the_hour() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimits(per_hour=2, max_wait=90), name="the ERP endpoint", clock=clock)
    limiter.reserve()
    clock.now += 600
    limiter.reserve()
    clock.now += 60

    with pytest.raises(QuotaExhaustedError) as caught:
        limiter.reserve()

    error = caught.value
    assert error.message == "the limit of 2 requests per hour for the ERP endpoint is used up"
    assert error.retry_after == pytest.approx(3600 - 660)
    assert error.resumes_at == datetime.datetime.fromtimestamp(START + 3600, datetime.UTC)
    assert limiter.used("per_hour") == 2  # the refused request took no slot


def test_an_endpoint_may_set_a_per_hour_limit() -> None:
    limits = limits_for("rest", HttpOptions.model_validate({"rate_limits": {"per_hour": 1000}}))
    assert limits.per_hour == 1000 and limits.windows == ((1000, 3600.0, "hour"),)
