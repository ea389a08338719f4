"""Runs left "running" by a process that is gone (killed, crashed, the PC lost power) are closed as interrupted.

A run records the host and process id that run it. At start, a run of this host whose process no longer
exists is closed with its counts rebuilt from the outcomes it recorded. On a PostgreSQL store a run of
another host is closed when no session holds its entity's advisory lock (its process would hold it for the
whole run). The headless service's tasks, which know from their queue which runs are live, close the others
through `close_stale_runs`. The next run then carries on where the dead one stopped: its cursor never moved
past uncommitted work, and a create it announced but never saw answered is reconciled first.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from erpsync_gui.app.db_lock import EntityDbLock, uses_advisory_locks
from erpsync_gui.store.db import Store
from erpsync_gui.store.sync_state import OpenRun, SyncState, open_runs, this_process

log = logging.getLogger("erpsync.app")

#: a process that started this much after the run it is named by is another process with a reused id
_START_SLACK = timedelta(seconds=2)


@dataclass(frozen=True)
class ClosedRun:
    run_id: int
    entity: str
    counts: dict[str, int]
    message: str


def process_alive(pid: int, since: datetime | None = None) -> bool:
    """Does process `pid` of this host exist (and, where the system tells its start, did it start before
    `since`, so that a reused id is not taken for the run's process)?"""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _windows_alive(pid)
    proc = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            fields = proc.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return False
        if fields[0] in ("Z", "X"):  # a zombie has ended; only its exit status waits to be read
            return False
        started = _linux_start(int(fields[19]))
        return since is None or started is None or started <= since + _START_SLACK
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        return True
    return True


def _linux_start(ticks: int) -> datetime | None:
    """A process's start time from its start in clock ticks after boot."""
    try:
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return None
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)


def _windows_alive(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    # never taken (the caller asks on Windows only); past it the type checker knows ctypes' Windows parts
    if sys.platform != "win32":
        return False
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, as another user's process
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def close_stale_runs(store: Store, is_alive: Callable[[OpenRun], bool], *, profile_id: int | None = None,
                     entity: str | None = None) -> list[int]:
    """Close every running run (of the profile and entity, when given) for which `is_alive` says False, as
    interrupted with its counts rebuilt; returns their ids. For a caller that knows which runs are live (the
    task queue's lock tells a worker that no other job of the entity runs)."""
    closed = _close(store, lambda run: None if is_alive(run) else "the process running it stopped",
                    profile_id, entity)
    return [run.run_id for run in closed]


def _close(store: Store, gone: Callable[[OpenRun], str | None], profile_id: int | None,
           entity: str | None) -> list[ClosedRun]:
    """Close the open runs for which `gone` gives a reason."""
    closed = []
    for run in open_runs(store):
        if (profile_id is not None and run.profile_id != profile_id) or (entity is not None and run.entity != entity):
            continue
        reason = gone(run)
        if reason is None:
            continue
        message = f"interrupted: {reason} before the run finished; the next run carries on where it stopped"
        counts = SyncState(store, run.profile_id, run.entity).close_interrupted(run.id, message)
        if counts is not None:
            log.warning("%s: run %d closed as interrupted (%s); %d records were recorded", run.entity, run.id,
                        reason, counts["processed"], extra={"entity": run.entity, "run_id": run.id})
            closed.append(ClosedRun(run.id, run.entity, counts, message))
    return closed


class StaleRunCloser:
    """Finds runs whose process is gone and closes them as interrupted. `by_lock`: on a PostgreSQL store, a run
    of another host whose entity's database lock is free is taken for dead (false where runs do not take that
    lock, as the headless service's workers)."""

    def __init__(self, store: Store, *, alive: Callable[[int, datetime], bool] = process_alive,
                 host: str | None = None, by_lock: bool = True) -> None:
        self.store = store
        self.alive = alive
        self.host = host or this_process()[0]
        self.by_lock = by_lock

    def close(self, profile_id: int | None = None, entity: str | None = None, *,
              held: bool = False) -> list[ClosedRun]:
        """Close the stale runs (of one profile and entity when given); returns what was closed. `held`: the
        caller holds that entity's database lock, so no other PC can be running it."""
        held = held and entity is not None
        return _close(self.store, lambda run: self._gone(run, held=held), profile_id, entity)

    def _gone(self, run: OpenRun, *, held: bool) -> str | None:
        """Why the run's process is known to be gone, or None while it may still be running."""
        if run.host == self.host and run.pid is not None:
            if not self.alive(run.pid, run.started_at):
                return f"the process that ran it (pid {run.pid} on {run.host}) ended"
            return None
        if not self.by_lock or not uses_advisory_locks(self.store):
            return None
        # a run's process holds its entity's lock from before the run row is written until after it is closed
        if held or EntityDbLock(self.store, run.profile_id, run.entity).is_free():
            where = f"on {run.host}" if run.host else "elsewhere"
            return f"the process that ran it ({where}) no longer holds the entity's lock"
        return None
