"""Runs in the background: one worker thread per run, one run per (profile, entity) at a time.

No Qt here: listeners are plain callables, called from the worker threads. The GUI adapts them to
signals (erpsync_gui.ui.bridge); the scheduler calls `start` too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from erpsync_gui.app.service import EntityBusyError, SyncService
from erpsync_gui.engine.types import CancelToken, ProgressEvent, RunResult
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Direction, Side

log = logging.getLogger("erpsync.app")


@dataclass(frozen=True)
class RunKey:
    profile: str
    entity: str


@dataclass
class RunListeners:
    started: list[Callable[[RunKey, str], None]] = field(default_factory=list)  # key, trigger
    progress: list[Callable[[ProgressEvent], None]] = field(default_factory=list)
    finished: list[Callable[[RunKey, RunResult], None]] = field(default_factory=list)
    #: the run could not start or stopped before it had a result (settings, keyring, busy)
    failed: list[Callable[[RunKey, ERPSyncError], None]] = field(default_factory=list)


class RunManager:
    def __init__(self, service: SyncService, max_parallel: int = 4) -> None:
        self.service = service
        self.listeners = RunListeners()
        self._pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="erpsync-run")
        self._active: dict[RunKey, tuple[CancelToken, Future]] = {}
        self._guard = threading.Lock()

    def is_running(self, profile: str, entity: str) -> bool:
        with self._guard:
            return RunKey(profile, entity) in self._active

    def running(self) -> list[RunKey]:
        with self._guard:
            return list(self._active)

    def start(self, profile: str, entity: str, *, direction: Direction | None = None, dry_run: bool = False,
              trigger: str = "manual", only: Mapping[Side, Sequence[str]] | None = None,
              plan: RunResult | None = None, approved: bool = False) -> bool:
        """Queue a run; False (and nothing started) when this entity is already running. `plan`: apply that
        dry run's reviewed plan instead of syncing afresh. `approved`: a person chose Apply anyway on a held
        run's preview."""
        key = RunKey(profile, entity)
        token = CancelToken()
        with self._guard:
            if key in self._active:
                return False
            future = self._pool.submit(self._run, key, token, direction, dry_run, trigger, only, plan, approved)
            self._active[key] = (token, future)
        return True

    def cancel(self, profile: str, entity: str) -> bool:
        with self._guard:
            entry = self._active.get(RunKey(profile, entity))
        if entry is None:
            return False
        entry[0].cancel()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the runs going on now (for shutdown and tests)."""
        with self._guard:
            futures = [f for _t, f in self._active.values()]
        for future in futures:
            future.exception(timeout=timeout)

    def shutdown(self, timeout: float = 30.0) -> None:
        for key in self.running():
            self.cancel(key.profile, key.entity)
        self.wait(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, key: RunKey, token: CancelToken, direction, dry_run, trigger, only, plan,
             approved: bool = False) -> None:
        try:
            self._emit(self.listeners.started, key, trigger)
            try:
                result = self.service.sync(key.entity, profile_name=key.profile, direction=direction,
                                           dry_run=dry_run, trigger=trigger, cancel=token, only=only, plan=plan,
                                           approved=approved,
                                           progress=lambda e: self._emit(self.listeners.progress, e))
            except EntityBusyError as exc:  # a run from another caller (CLI in this process, scheduler)
                self._emit(self.listeners.failed, key, exc)
                return
            except ERPSyncError as exc:
                log.error("%s: %s", key.entity, self.service.redact(str(exc)),
                          extra={"entity": key.entity})
                self._emit(self.listeners.failed, key, exc)
                return
            except Exception as exc:  # a bug: the window must still hear that the run ended, and how
                log.exception("%s: the run crashed", key.entity, extra={"entity": key.entity})
                failure = ERPSyncError(self.service.redact(f"internal error: {type(exc).__name__}: {exc}"))
                self._emit(self.listeners.failed, key, failure)
                return
            self._emit(self.listeners.finished, key, result)
        finally:
            with self._guard:
                self._active.pop(key, None)

    @staticmethod
    def _emit(listeners, *args) -> None:
        for listener in list(listeners):
            try:
                listener(*args)
            except Exception:  # a broken listener must not kill the run's bookkeeping
                log.exception("a run listener failed")
