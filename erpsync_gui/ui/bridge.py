"""Turns the run manager's thread callbacks into Qt signals, delivered on the GUI thread.

Progress is coalesced: a run reports every batch, the window hears of it at most every `progress_interval_ms`
(the newest counts), at once when a run's phase or total changes, and always before the run's end. While a run
goes, the interpreter is tuned for the GUI thread's sake: it hands its lock over sooner, and collects garbage in
shorter steps, over what the run made only.
"""

from __future__ import annotations

import gc
import sys
import threading

from PySide6.QtCore import QObject, QTimer, Signal

from erpsync_gui.app.run_manager import RunKey, RunManager
from erpsync_gui.engine.types import ProgressEvent
from erpsync_gui.ui.progress_mailbox import ProgressMailbox

#: how often, at most, the window hears a run's progress: a few updates a second read as live
PROGRESS_INTERVAL_MS = 250
#: while a run goes, how long a thread may hold the interpreter lock while another waits for it. Every call from
#: Qt into Python on the GUI thread (a slot, a timer, a paint of a Python widget, a model's data()) waits for the
#: lock; against a worker busy in Python it waits up to this long each time (the default 5 ms made a repaint that
#: calls into Python ten times a 50 ms stall)
RUN_SWITCH_INTERVAL_S = 0.001
#: while a run goes, the garbage collector's thresholds: a collection holds the interpreter lock throughout, and a
#: worker's young objects are mostly its batch in flight. Smaller young generations make shorter collections
#: (measured over a 100,000-record import: the longest young collection took 1.8 ms of CPU instead of 14.7 ms, the
#: longest middle one 16 ms instead of 35 ms, and no full collection came in either)
RUN_GC_THRESHOLD = (2_000, 10, 100)
#: What the process holds when a run starts (the window, its pages and what they read) is frozen out of the
#: collector until the last run ends: a full collection during the run walks only what the run made (measured over
#: 100,000-record imports from the window: their one full collection took 19-31 ms of CPU instead of 39-61 ms, every
#: other thread waiting for the lock meanwhile).
#: Unfrozen at the end, so that cyclic garbage among those objects is still collected once no run goes.


class RunBridge(QObject):
    """Signals (queued across threads by Qt): connect widgets here, never to the manager directly."""

    run_started = Signal(str, str, str)  # profile, entity, trigger
    run_progressed = Signal(object)  # ProgressEvent, coalesced
    run_finished = Signal(str, str, object)  # profile, entity, RunResult
    run_failed = Signal(str, str, str)  # profile, entity, message
    #: a worker put progress in the mailbox: deliver it now (True) or at the next tick
    _progress_waiting = Signal(bool)

    def __init__(self, runs: RunManager, parent: QObject | None = None,
                 progress_interval_ms: int = PROGRESS_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._mailbox = ProgressMailbox()
        self._tick = QTimer(self)
        self._tick.setSingleShot(True)
        self._tick.setInterval(progress_interval_ms)
        self._tick.timeout.connect(self._deliver)
        self._progress_waiting.connect(self._wake)
        self._guard = threading.Lock()
        self._running: set[int] = set()
        self._idle_interval = sys.getswitchinterval()
        self._idle_gc = gc.get_threshold()
        runs.listeners.started.append(self._started)
        runs.listeners.progress.append(self._progressed)
        runs.listeners.finished.append(self._finished)
        runs.listeners.failed.append(self._failed)

    @property
    def busy(self) -> bool:
        """Whether a run goes now (the window leaves work it can do later for when none does)."""
        with self._guard:
            return bool(self._running)

    # -- on the worker threads -------------------------------------------------------------------
    def _started(self, key: RunKey, trigger: str) -> None:
        with self._guard:
            if not self._running:
                self._idle_interval, self._idle_gc = sys.getswitchinterval(), gc.get_threshold()
                sys.setswitchinterval(min(self._idle_interval, RUN_SWITCH_INTERVAL_S))
                gc.set_threshold(*RUN_GC_THRESHOLD)
                gc.freeze()
            self._running.add(threading.get_ident())
        self.run_started.emit(key.profile, key.entity, trigger)

    def _progressed(self, event: ProgressEvent) -> None:
        wake = self._mailbox.put(event)
        if wake is not None:
            self._progress_waiting.emit(wake.urgent)

    def _finished(self, key: RunKey, result) -> None:
        self._ended()
        self.run_finished.emit(key.profile, key.entity, result)

    def _failed(self, key: RunKey, exc: Exception) -> None:
        self._ended()
        self.run_failed.emit(key.profile, key.entity, str(exc))

    def _ended(self) -> None:
        """The run of this thread ended: its last progress goes out before its end does (both queued, in order)."""
        last = self._mailbox.end_of_thread_run()
        if last is not None:
            self.run_progressed.emit(last)
        with self._guard:
            self._running.discard(threading.get_ident())
            if not self._running:
                sys.setswitchinterval(self._idle_interval)
                gc.set_threshold(*self._idle_gc)
                gc.unfreeze()

    # -- on the GUI thread -----------------------------------------------------------------------
    def _wake(self, urgent: bool) -> None:
        if urgent:
            self._tick.stop()
            self._deliver()
        elif not self._tick.isActive():
            self._tick.start()

    def _deliver(self) -> None:
        for event in self._mailbox.take():
            self.run_progressed.emit(event)
