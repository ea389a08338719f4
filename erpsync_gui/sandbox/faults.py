"""Switchable faults for the sandbox server, changeable while it runs.

Tests and the demo turn them on to show how the product copes with errors, rate limits, latency and
dropped connections. With a seed the random choices repeat, so tests are not flaky.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    """What the server does with one request before (or after) handling it."""

    SERVE = "serve"
    ERROR = "error"  # answer 500
    RATE_LIMIT = "rate_limit"  # answer 429 with Retry-After
    DROP = "drop"  # close the socket without any reply


@dataclass(frozen=True)
class Decision:
    action: Action
    latency_ms: float = 0.0
    retry_after: float = 1.0
    #: a write is applied and committed, then the connection is dropped (outcome unknown)
    drop_after_write: bool = False
    #: a write is applied and committed, but the reply names it with an id that is no id (a list, an
    #: object, infinity): what a broken gateway in front of an ERP sends
    bad_reply_id: object = None


#: ids a broken reply may carry instead of the record's own
_BAD_IDS = ([999], {"value": 77}, float("inf"), "", "x" * 400)


class FaultSettings:
    """Thread-safe fault switches plus per-(method, entity) request counters."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.error_rate = 0.0
        self.rate_limit_every = 0
        self.retry_after = 1.0
        self.latency_ms = 0.0
        self.drop_rate = 0.0
        self.drop_after_write = 0.0
        self.bad_reply_id = 0.0
        #: seconds the server's clock (its Date header) runs ahead of the host's; negative: behind
        self.clock_offset_s = 0.0
        self._seen = 0
        self._counts: Counter[tuple[str, str]] = Counter()

    def configure(
        self,
        *,
        error_rate: float | None = None,
        rate_limit_every: int | None = None,
        retry_after: float | None = None,
        latency_ms: float | None = None,
        drop_rate: float | None = None,
        drop_after_write: float | bool | None = None,
        bad_reply_id: float | None = None,
        seed: int | None = None,
    ) -> None:
        """Change several switches at once; None leaves a switch as it is."""
        with self._lock:
            if error_rate is not None:
                self.error_rate = float(error_rate)
            if rate_limit_every is not None:
                self.rate_limit_every = int(rate_limit_every)
            if retry_after is not None:
                self.retry_after = float(retry_after)
            if latency_ms is not None:
                self.latency_ms = float(latency_ms)
            if drop_rate is not None:
                self.drop_rate = float(drop_rate)
            if drop_after_write is not None:
                self.drop_after_write = float(drop_after_write)
            if bad_reply_id is not None:
                self.bad_reply_id = float(bad_reply_id)
            if seed is not None:
                self._rng.seed(seed)

    def clear(self) -> None:
        """Switch every fault off (counters stay)."""
        self.configure(error_rate=0, rate_limit_every=0, latency_ms=0, drop_rate=0, drop_after_write=0,
                       bad_reply_id=0)

    def decide(self, method: str, entity: str) -> Decision:
        """Count one request and choose its fate under the current switches."""
        with self._lock:
            self._seen += 1
            self._counts[(method.upper(), entity)] += 1
            action = Action.SERVE
            if self.drop_rate and self._rng.random() < self.drop_rate:
                action = Action.DROP
            elif self.rate_limit_every and self._seen % self.rate_limit_every == 0:
                action = Action.RATE_LIMIT
            elif self.error_rate and self._rng.random() < self.error_rate:
                action = Action.ERROR
            drop_write = (
                method.upper() in ("POST", "PUT")
                and bool(self.drop_after_write)
                and self._rng.random() < self.drop_after_write
            )
            bad_id = None
            if method.upper() in ("POST", "PUT") and self.bad_reply_id and self._rng.random() < self.bad_reply_id:
                bad_id = self._rng.choice(_BAD_IDS)
            return Decision(action, self.latency_ms, self.retry_after, drop_write, bad_id)

    def count(self, method: str | None = None, entity: str | None = None) -> int:
        """Requests seen, optionally only of one method and/or one entity."""
        with self._lock:
            return sum(
                n
                for (m, e), n in self._counts.items()
                if (method is None or m == method.upper()) and (entity is None or e == entity)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._seen = 0
