"""Client-side rate limits per endpoint: requests per second / minute / hour / day and concurrent requests.

Each period is a rolling window of request times, in memory, per process, in `REGISTRY`, shared by every client
of the same endpoint. The hourly and daily counts are also written to the data directory's QuotaLedger (once the
app installs it with `REGISTRY.use_ledger`), so a restart of the app or a scheduled `erpsync` process starts
from the requests already spent. A server's own 429 still applies on top.
A wait longer than `max_wait` is not waited out: it raises QuotaExhaustedError with the moment the
next slot opens, so the run ends as partial and the next run carries on from its cursor.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erpsync_gui.errors import ConfigError, QuotaExhaustedError, RateLimitedError, RetryableError
from erpsync_gui.http.quota_ledger import BUCKET_SECONDS, QuotaLedger, ledger_in

#: period names, their length in seconds and how messages speak of them
PERIODS: tuple[tuple[str, float, str], ...] = (
    ("per_second", 1.0, "second"),
    ("per_minute", 60.0, "minute"),
    ("per_hour", 3600.0, "hour"),
    ("per_day", 86400.0, "day"),
)
DEFAULT_MAX_WAIT = 90.0
#: windows at least this long are kept in the ledger across restarts
LEDGER_MIN_WINDOW = 3600.0
#: the longest wait for a free concurrent slot before the request gives up (a RateLimitedError)
DEFAULT_CONCURRENCY_WAIT = 120.0


@dataclass(frozen=True)
class RateLimits:
    """The limits of one endpoint; None means no limit of that kind."""

    per_second: int | None = None
    per_minute: int | None = None
    per_hour: int | None = None
    per_day: int | None = None
    concurrent: int | None = None
    #: the longest wait for a slot within one request; beyond it the quota counts as used up
    max_wait: float = DEFAULT_MAX_WAIT

    def __post_init__(self) -> None:
        for name in ("per_second", "per_minute", "per_hour", "per_day", "concurrent"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(f"the rate limit {name} must be a whole number of 1 or more, not {value!r}",
                                  hint="leave it out for no limit")
        if not isinstance(self.max_wait, int | float) or self.max_wait < 0:
            raise ConfigError(f"the rate limit max_wait must be 0 or more seconds, not {self.max_wait!r}")

    @property
    def windows(self) -> tuple[tuple[int, float, str], ...]:
        """(limit, seconds, period word) of every windowed limit that is set."""
        return tuple((getattr(self, name), seconds, word) for name, seconds, word in PERIODS
                     if getattr(self, name) is not None)

    @property
    def unlimited(self) -> bool:
        return not self.windows and self.concurrent is None

    def merged(self, override: Mapping[str, Any]) -> RateLimits:
        """These limits with `override`'s keys replacing them (None removes a limit)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(override) - known)
        if unknown:
            raise ConfigError(f"unknown rate limit setting {', '.join(map(str, unknown))}",
                              hint=f"use {', '.join(sorted(known))}")
        return dataclasses.replace(self, **dict(override))


#: limits per connector preset: QuickBooks Online allows 500 requests a minute and 10 a second per company
#: (realm), at most 10 at once; Zoho CRM's Standard edition allows 50,000 API credits per rolling 24 h (one
#: credit per list or write call) and 10 concurrent calls; SAP Business One's Service Layer documents no quota,
#: so only a modest concurrency; generic REST has none.
PRESETS: dict[str, RateLimits] = {
    "quickbooks": RateLimits(per_second=10, per_minute=500, concurrent=10),
    "zoho": RateLimits(per_day=50000, concurrent=10),
    "sap_b1": RateLimits(concurrent=8),
    "rest": RateLimits(),
}


class RateLimiter:
    """The rolling windows and the concurrency count of one endpoint; thread-safe."""

    def __init__(self, limits: RateLimits, *, name: str = "the endpoint",
                 clock: Callable[[], float] = time.time, ledger: QuotaLedger | None = None,
                 key: str = "") -> None:
        self.name = name
        self._clock = clock
        self._cond = threading.Condition()
        self._active = 0
        self._stamps: dict[float, deque[float]] = {}
        self._ledger = ledger
        self._key = key
        self.limits = limits
        self.update(limits)

    def update(self, limits: RateLimits) -> None:
        """Change the limits; the requests already counted stay counted."""
        with self._cond:
            self.limits = limits
            for _limit, seconds, _word in limits.windows:
                if seconds not in self._stamps:
                    self._stamps[seconds] = self._spent(seconds)
            self._cond.notify_all()

    def _spent(self, seconds: float) -> deque[float]:
        """The requests of the last `seconds` another process (or an earlier run) recorded in the ledger.
        Only hours and days: a per-minute ledger cannot speak for a per-second window, and a short window
        lost at a restart costs nothing. Each request counts at its minute's end, so none expires early."""
        stamps: deque[float] = deque()
        if self._ledger is None or seconds < LEDGER_MIN_WINDOW:
            return stamps
        now = self._clock()
        for start, requests in self._ledger.recent(self._key):
            at = min(start + BUCKET_SECONDS, now)
            if at > now - seconds:
                stamps.extend([at] * requests)
        return stamps

    def reserve(self) -> float:
        """Take a slot now and return 0, or return the seconds until one opens. Raises
        QuotaExhaustedError when that is longer than `max_wait`."""
        with self._cond:
            now = self._clock()
            wait, blocking = 0.0, None
            for limit, seconds, word in self.limits.windows:
                stamps = self._stamps[seconds]
                while stamps and stamps[0] <= now - seconds:
                    stamps.popleft()
                if len(stamps) >= limit:
                    opens = stamps[len(stamps) - limit] + seconds - now
                    if opens > wait:
                        wait, blocking = opens, (limit, word)
            if blocking is None:
                for _limit, seconds, _word in self.limits.windows:
                    self._stamps[seconds].append(now)
                if self._ledger is not None and any(s >= LEDGER_MIN_WINDOW for _l, s, _w in self.limits.windows):
                    self._ledger.add(self._key, now)
                return 0.0
            if wait > self.limits.max_wait:
                limit, word = blocking
                resumes = datetime.datetime.fromtimestamp(now + wait, datetime.UTC)
                raise QuotaExhaustedError(
                    f"the limit of {limit} requests per {word} for {self.name} is used up",
                    retry_after=wait, resumes_at=resumes,
                    hint="the run carries on from where it stopped once the quota allows",
                )
            return max(wait, 0.001)

    def used(self, period: str = "per_day") -> int:
        """Requests counted in the current window of `period` (for status displays and tests)."""
        seconds = dict((n, s) for n, s, _w in PERIODS)[period]
        with self._cond:
            now = self._clock()
            return sum(1 for t in self._stamps.get(seconds, ()) if t > now - seconds)

    def enter(self, stopped: Callable[[], bool], timeout: float = DEFAULT_CONCURRENCY_WAIT) -> None:
        """Wait (bounded, and woken by `wake`) for a concurrent slot and take it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.limits.concurrent is not None and self._active >= self.limits.concurrent:
                if stopped():
                    raise RetryableError(f"the request to {self.name} was stopped before it was sent")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RateLimitedError(
                        f"{self.limits.concurrent} requests to {self.name} were still running after "
                        f"{timeout:g} s of waiting for a free slot", retry_after=None,
                        hint="lower the batch size or raise the concurrent limit in the endpoint settings")
                self._cond.wait(remaining)
            self._active += 1

    def leave(self) -> None:
        with self._cond:
            self._active = max(0, self._active - 1)
            self._cond.notify()

    def wake(self) -> None:
        """Wake every waiter so an interrupted one can give up."""
        with self._cond:
            self._cond.notify_all()


class LimiterRegistry:
    """One RateLimiter per endpoint key for the whole process."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._limiters: dict[str, RateLimiter] = {}
        self.ledger: QuotaLedger | None = None

    def use_ledger(self, ledger: QuotaLedger | None) -> None:
        """Keep hourly and daily counts in `ledger` from now on (the app does this once it knows its data
        directory). Limiters made before are dropped, so the next client starts from the ledger's counts."""
        with self._lock:
            if ledger is not None and self.ledger is not None and ledger.path == self.ledger.path:
                ledger.close()
                return
            if self.ledger is not None:
                self.ledger.close()
            self.ledger = ledger
            self._limiters.clear()

    def get(self, key: str, limits: RateLimits, name: str = "the endpoint") -> RateLimiter:
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = RateLimiter(limits, name=name, clock=self.clock,
                                                            ledger=self.ledger, key=key)
            elif limiter.limits != limits:
                limiter.update(limits)
            return limiter

    def clear(self) -> None:
        with self._lock:
            self._limiters.clear()


REGISTRY = LimiterRegistry()


def keep_counts_in(data_dir: Path) -> None:
    """Keep this process's hourly and daily request counts in the data directory's ledger."""
    REGISTRY.use_ledger(ledger_in(data_dir))
