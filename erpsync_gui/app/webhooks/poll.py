"""Polling at an interval (5 minutes by default) that covers what webhooks miss: a plain helper with an
injected clock, called by the tray app's timer or the service's loop, independent of any scheduler."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from erpsync_gui.app.webhooks.receiver import SyncOutcome
from erpsync_gui.errors import ERPSyncError

log = logging.getLogger("erpsync.webhooks")


@dataclass(frozen=True)
class PollResult:
    entity: str
    #: the run's status, "busy" when another run of the entity was going on, "error" when it could not start
    status: str
    run_id: int | None = None
    message: str | None = None


class Poller:
    def __init__(self, sync: Callable[[str], SyncOutcome], entities: Sequence[str], *, interval_minutes: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if interval_minutes <= 0:
            raise ValueError("the polling interval must be more than 0 minutes")
        self._sync = sync
        self.entities = tuple(entities)
        self.interval_s = interval_minutes * 60.0
        self._clock = clock
        self._last: float | None = None

    def wait_first(self) -> None:
        """The next poll is one interval from now (a host that just started has its receiver for what comes)."""
        self._last = self._clock()

    def due(self) -> bool:
        return self._last is None or self._clock() - self._last >= self.interval_s

    def seconds_left(self) -> float:
        """Until the next poll is due (0 when it is due now)."""
        return 0.0 if self._last is None else max(0.0, self.interval_s - (self._clock() - self._last))

    def run_due(self) -> list[PollResult]:
        """Poll when the interval has passed; [] otherwise."""
        return self.run_now() if self.due() else []

    def run_now(self) -> list[PollResult]:
        """Sync each entity once, in order; one that fails does not stop the others."""
        self._last = self._clock()
        results = []
        for entity in self.entities:
            try:
                outcome = self._sync(entity)
            except ERPSyncError as exc:
                log.warning("polling %s failed: %s", entity, exc)
                results.append(PollResult(entity, "error", None, str(exc)))
                continue
            results.append(PollResult(entity, outcome.status, outcome.run_id, outcome.message))
        return results
