"""Hourly and daily request counts survive a restart: a new process (a new LimiterRegistry on the same data
directory) starts from the requests already spent, and a window that has passed gives them back."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from erpsync_gui.errors import QuotaExhaustedError
from erpsync_gui.http.quota_ledger import QuotaLedger, ledger_in
from erpsync_gui.http.ratelimit import LimiterRegistry, RateLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _process(data_dir: Path, clock: Clock) -> LimiterRegistry:
    """What a fresh app or `erpsync` process sets up: an empty registry keeping counts in the data directory."""
    registry = LimiterRegistry(clock=clock)
    registry.use_ledger(QuotaLedger(ledger_in(data_dir).path, clock=clock))
    return registry


def test_a_daily_quota_spent_by_one_process_stays_spent_for_the_next(tmp_path: Path) -> None:
    clock = Clock()
    limits = RateLimits(per_day=3)
    first = _process(tmp_path, clock).get("https://erp.example/api", limits)
    for _ in range(3):
        assert first.reserve() == 0.0
        clock.now += 1

    restarted = _process(tmp_path, clock).get("https://erp.example/api", limits)
    assert restarted.used("per_day") == 3
    with pytest.raises(QuotaExhaustedError, match="3 requests per day") as caught:
        restarted.reserve()
    # the slot opens a day after the first request, counted at the end of its minute
    assert caught.value.resumes_at.timestamp() == pytest.approx(1_800_000_000.0 // 60 * 60 + 60 + 86400)

    other = _process(tmp_path, clock).get("https://other.example/api", limits)
    assert other.reserve() == 0.0  # the counts are per endpoint


def test_the_quota_comes_back_when_the_day_has_passed(tmp_path: Path) -> None:
    clock = Clock()
    limits = RateLimits(per_day=2)
    spent = _process(tmp_path, clock).get("key", limits)
    spent.reserve()
    spent.reserve()
    clock.now += 86400 + 61
    assert _process(tmp_path, clock).get("key", limits).reserve() == 0.0


def test_hourly_counts_are_kept_too_but_not_per_second_ones(tmp_path: Path) -> None:
    clock = Clock()
    registry = _process(tmp_path, clock)
    registry.get("hourly", RateLimits(per_hour=1)).reserve()
    registry.get("fast", RateLimits(per_second=1)).reserve()
    again = _process(tmp_path, clock)
    with pytest.raises(QuotaExhaustedError):
        again.get("hourly", RateLimits(per_hour=1, max_wait=5)).reserve()
    assert again.get("fast", RateLimits(per_second=1)).reserve() == 0.0


def test_a_ledger_that_cannot_be_written_never_stops_a_sync(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data directory should be")
    clock = Clock()
    registry = LimiterRegistry(clock=clock)
    with caplog.at_level(logging.WARNING):
        registry.use_ledger(QuotaLedger(blocked / "request-counts.sqlite3", clock=clock))
        limiter = registry.get("key", RateLimits(per_day=2))
        assert limiter.reserve() == 0.0 and limiter.reserve() == 0.0
        with pytest.raises(QuotaExhaustedError):
            limiter.reserve()  # the limit still holds within the process
    assert "counted in memory" in caplog.text
