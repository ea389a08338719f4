"""Debouncing: events for one record that come close together become one sync, after a quiet time.

Pure bookkeeping with an injected clock; the receiver's dispatcher asks it what is due. A record that
keeps changing still syncs once `max_wait_s` has passed since its first waiting event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class _Waiting:
    first: float
    last: float
    items: list[int] = field(default_factory=list)


class Debouncer:
    def __init__(self, quiet_s: float, *, max_wait_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet_s = quiet_s
        self.max_wait_s = max_wait_s if max_wait_s is not None else max(60.0, quiet_s * 10)
        self._clock = clock
        self._waiting: dict[Hashable, _Waiting] = {}

    def add(self, key: Hashable, item: int) -> None:
        now = self._clock()
        waiting = self._waiting.get(key)
        if waiting is None:
            waiting = self._waiting[key] = _Waiting(now, now)
        waiting.last = now
        waiting.items.append(item)

    def touch(self, key: Hashable) -> bool:
        """Restart the quiet time of a waiting key (another event for it came); False when it is not waiting."""
        waiting = self._waiting.get(key)
        if waiting is None:
            return False
        waiting.last = self._clock()
        return True

    def _due_at(self, waiting: _Waiting) -> float:
        return min(waiting.last + self.quiet_s, waiting.first + self.max_wait_s)

    def take_due(self, *, everything: bool = False) -> list[tuple[Hashable, list[int]]]:
        """The keys whose quiet time is over (all of them with `everything`), with their items, oldest first."""
        now = self._clock()
        due = [(key, w) for key, w in self._waiting.items() if everything or self._due_at(w) <= now]
        due.sort(key=lambda pair: pair[1].first)
        for key, _waiting in due:
            del self._waiting[key]
        return [(key, waiting.items) for key, waiting in due]

    def next_due_in(self) -> float | None:
        """Seconds until the next key is due (0 when one is due now); None when nothing waits."""
        if not self._waiting:
            return None
        return max(0.0, min(self._due_at(w) for w in self._waiting.values()) - self._clock())

    def __len__(self) -> int:
        return len(self._waiting)
