"""Turns the run manager's thread callbacks into Qt signals, delivered on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from erpsync_gui.app.run_manager import RunKey, RunManager


class RunBridge(QObject):
    """Signals (queued across threads by Qt): connect widgets here, never to the manager directly."""

    run_started = Signal(str, str, str)  # profile, entity, trigger
    run_progressed = Signal(object)  # ProgressEvent
    run_finished = Signal(str, str, object)  # profile, entity, RunResult
    run_failed = Signal(str, str, str)  # profile, entity, message

    def __init__(self, runs: RunManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        runs.listeners.started.append(lambda key, trigger: self.run_started.emit(key.profile, key.entity, trigger))
        runs.listeners.progress.append(self.run_progressed.emit)
        runs.listeners.finished.append(self._finished)
        runs.listeners.failed.append(lambda key, exc: self.run_failed.emit(key.profile, key.entity, str(exc)))

    def _finished(self, key: RunKey, result) -> None:
        self.run_finished.emit(key.profile, key.entity, result)
