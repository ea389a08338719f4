"""The newest progress of each run, kept between the worker threads that report it and the GUI thread that shows
it, so the window draws a few updates a second however many batches a run writes (2,000 for 100,000 records in
batches of 50). Each event carries the run's whole counts, so the newest one alone is the truth; the events
between two deliveries may go unseen."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from erpsync_gui.engine.types import ProgressEvent


@dataclass(frozen=True)
class Wake:
    """What the GUI thread is asked to do after a put: deliver now (`urgent`) or at its next tick."""

    urgent: bool


class ProgressMailbox:
    """Thread-safe: `put` from any worker, `take` on the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, ProgressEvent] = {}
        #: per run, the phase and total of its newest event: a change of either is shown at once
        self._shape: dict[int, tuple[str, int | None]] = {}
        #: per worker thread, the run it reports (a run that fails has only its thread to name it by)
        self._run_of_thread: dict[int, int] = {}

    def put(self, event: ProgressEvent) -> Wake | None:
        """Keep `event` as its run's newest; returns how to wake the GUI thread, None when a wake-up is owed
        already (nothing new to schedule)."""
        shape = (event.phase, event.total)
        with self._lock:
            urgent = self._shape.get(event.run_id) != shape
            self._shape[event.run_id] = shape
            self._run_of_thread[threading.get_ident()] = event.run_id
            was_empty = not self._pending
            self._pending[event.run_id] = event
        if urgent:
            return Wake(urgent=True)
        return Wake(urgent=False) if was_empty else None

    def take(self) -> list[ProgressEvent]:
        """Every run's newest event not delivered yet, oldest run first."""
        with self._lock:
            events = list(self._pending.values())
            self._pending.clear()
        return events

    def end_of_thread_run(self) -> ProgressEvent | None:
        """The run of the calling worker thread ended: its newest undelivered event (to deliver before its end),
        and the run is forgotten."""
        with self._lock:
            run_id = self._run_of_thread.pop(threading.get_ident(), None)
            if run_id is None:
                return None
            self._shape.pop(run_id, None)
            return self._pending.pop(run_id, None)
