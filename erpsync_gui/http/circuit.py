"""The circuit breaker of one endpoint: after N consecutive failed calls, further calls are refused at once
with one clear CircuitOpenError instead of each failing slowly on its own.

A failed call is one that ended in a retryable failure after its retries (no connection, a timed-out
read, 5xx; not a 429, which is throttling, nor a write whose outcome is unknown, which the engine handles);
any answer from the server (a success, a 4xx) closes the circuit again. After `cooldown` seconds one
trial call is let through (half-open): its success closes the circuit, its failure opens it again.
The breaker lives in one HttpClient, that is for one connector's life (one run).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from erpsync_gui.errors import CircuitOpenError, ConfigError

#: as many as the engine's failed writes in a row that stop a run
DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN = 30.0


class CircuitBreaker:
    """Counts consecutive failures of one endpoint; `failures=0` switches the breaker off."""

    def __init__(self, name: str, *, failures: int = DEFAULT_FAILURES, cooldown: float = DEFAULT_COOLDOWN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
            raise ConfigError(f"the circuit breaker's failures must be 0 (off) or more, not {failures!r}")
        if not isinstance(cooldown, int | float) or cooldown < 0:
            raise ConfigError(f"the circuit breaker's cooldown must be 0 or more seconds, not {cooldown!r}")
        self.name = name
        self.threshold = failures
        self.cooldown = float(cooldown)
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False
        self._last_cause = ""

    @property
    def state(self) -> str:
        """closed | open | half_open"""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._clock() - self._opened_at >= self.cooldown else "open"

    def before(self) -> None:
        """Raise CircuitOpenError when calls are refused; lets one trial call through after the cool-down."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if waited >= self.cooldown and not self._trial:
                self._trial = True
                return
            left = max(0.0, self.cooldown - waited)
            raise CircuitOpenError(
                f"{self.name} failed {self._failures} times in a row, so no more calls are sent for "
                f"{left:.0f} s; last cause: {self._last_cause}",
                hint="check that the system is up and reachable; the run stopped and the rest is retried "
                     "next run",
            )

    def success(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._trial = 0, None, False

    def failure(self, cause: str) -> None:
        """One more failed call; opens the circuit at the threshold (or at once after a failed trial)."""
        with self._lock:
            self._failures += 1
            self._last_cause = cause
            if self.threshold and (self._trial or self._failures >= self.threshold):
                self._opened_at = self._clock()
            self._trial = False

    def release_trial(self) -> None:
        """A trial call ended without telling anything about the endpoint (e.g. it was interrupted)."""
        with self._lock:
            self._trial = False
