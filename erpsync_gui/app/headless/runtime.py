"""What the tasks of one worker process work with: the state store, the application service and the queue's
client app. Installed once by the process that runs the workers; tasks find it through `current()`."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from erpsync_gui.app.service import SyncService
from erpsync_gui.errors import ConfigError
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import Store


class _NoLock:
    """The queue's lock on (profile, entity) already holds across processes and machines."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class WorkerSyncService(SyncService):
    """The application service as workers use it: one entity's runs are kept apart by the task queue's lock
    instead of a file lock, which would only hold on one machine."""

    guards_runs_in_database = False

    def process_lock(self, profile_name: str, entity: str) -> Any:
        return _NoLock()

    def _lock(self, profile_name: str, entity: str) -> threading.Lock:
        # a lock per call: the parts of a read in parts run side by side in one worker, under their own
        # queue locks, and a second whole run of the entity never reaches a worker while one runs
        return threading.Lock()


@dataclass
class Runtime:
    store: Store
    service: SyncService
    #: the queue's client app (erpsync_gui.app.headless.queue.client_app)
    client: Any
    #: how often a running sync asks whether it was cancelled, in seconds
    abort_poll_s: float = 1.0


_current: Runtime | None = None
_guard = threading.Lock()


def build_runtime(store: Store, secrets: SecretStore, data_dir: Path, client: Any) -> Runtime:
    return Runtime(store, WorkerSyncService(store, secrets, data_dir), client)


def install(runtime: Runtime | None) -> None:
    """Make `runtime` the one this process's tasks use (None to remove it)."""
    global _current
    with _guard:
        _current = runtime


def current() -> Runtime:
    with _guard:
        runtime = _current
    if runtime is None:
        raise ConfigError("an ERPSync task ran in a process that is not an ERPSync worker",
                          hint="run the workers with `erpsync service run`")
    return runtime
