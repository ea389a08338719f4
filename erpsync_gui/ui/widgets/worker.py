"""Runs a blocking callable on a pool thread and hands its result back on the GUI thread.

Connection tests, sample fetches and anything else that may wait on the network go through here, so the
window never freezes. The callbacks are skipped when the widget that asked has gone in the meantime.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

#: tasks still running; a task holds itself here so Python does not collect it mid-flight
_RUNNING: set[BackgroundTask] = set()


class BackgroundTask(QObject):
    """One call off the GUI thread. Lives on the GUI thread, so its signals arrive there (queued)."""

    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()

    def __init__(self, fn: Callable[[], Any], owner: QObject | None = None) -> None:
        super().__init__()
        self._fn = fn
        self._owner = owner
        self._on_done: Callable[[Any], None] | None = None
        self._on_error: Callable[[BaseException], None] | None = None
        self.succeeded.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)

    def _owner_alive(self) -> bool:
        return self._owner is None or shiboken6.isValid(self._owner)

    @Slot(object)
    def _deliver_result(self, value: Any) -> None:
        try:
            if self._on_done is not None and self._owner_alive():
                self._on_done(value)
        finally:
            self._end()

    @Slot(object)
    def _deliver_error(self, exc: BaseException) -> None:
        try:
            if self._on_error is not None and self._owner_alive():
                self._on_error(exc)
            elif self._on_error is None:
                log.error("background task failed: %s", exc)
        finally:
            self._end()

    def _end(self) -> None:
        _RUNNING.discard(self)
        self.finished.emit()

    def _call(self) -> None:
        """Runs on the pool thread: the emit is queued to the GUI thread by Qt."""
        try:
            value = self._fn()
        except Exception as exc:  # handed to the GUI as a value; the pool thread must not die
            self.failed.emit(exc)
        else:
            self.succeeded.emit(value)


class _Runnable(QRunnable):
    def __init__(self, task: BackgroundTask) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._call()


def run_in_background(fn: Callable[[], Any], *, owner: QObject | None = None,
                      on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None,
                      pool: QThreadPool | None = None) -> BackgroundTask:
    """Start `fn()` on a pool thread; `on_done(result)` or `on_error(exception)` then run on the GUI thread."""
    task = BackgroundTask(fn, owner)
    task._on_done, task._on_error = on_done, on_error
    _RUNNING.add(task)
    (pool or QThreadPool.globalInstance()).start(_Runnable(task))
    return task


def running_tasks() -> int:
    """How many background tasks have not delivered yet (for shutdown and tests)."""
    return len(_RUNNING)
