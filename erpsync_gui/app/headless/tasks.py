"""The service's tasks: a sync of one (profile, entity), a profile's scheduled run, and the partitions of a very
large entity. Registered on each worker app by `register_tasks`; they work with the process's `runtime`.

A job that fails for a reason worth another try (a network error, a busy entity) is retried by the queue with
exponential back-off. A job whose worker died is retried by another worker (see watchdog.py): its run is closed
as interrupted first, and the new run resumes from the stored cursor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.headless.runtime import current
from erpsync_gui.app.scheduled_run import scheduled_entities
from erpsync_gui.app.service import EntityBusyError
from erpsync_gui.app.stale_runs import close_stale_runs
from erpsync_gui.app.sync_window import SyncWindow
from erpsync_gui.engine.types import CancelToken
from erpsync_gui.errors import ERPSyncError, RetryableError, StoreError
from erpsync_gui.records import Side

log = logging.getLogger("erpsync.service")

#: error kinds of a failed run that make the queue try the job again
RETRIED_KINDS = frozenset({"retryable", "rate_limited", "circuit_open", "outcome_unknown", "connector", "store"})
MAX_ATTEMPTS = 5
#: seconds: 2, 4, 8, 16 between the attempts
BACKOFF_BASE_S = 2


class RunFailedError(ERPSyncError):
    """A run ended as failed for a reason another attempt may not meet (the queue retries the job)."""

    kind = "retryable"


class QueueAbortToken(CancelToken):
    """Cancelled when the run's job was asked to abort through the queue (looked up at most every `poll_s`)."""

    def __init__(self, context: Any, poll_s: float) -> None:
        super().__init__()
        self._context = context
        self._poll_s = poll_s
        self._checked = 0.0

    @property
    def cancelled(self) -> bool:
        if not super().cancelled and time.monotonic() - self._checked >= self._poll_s:
            self._checked = time.monotonic()
            if self._context.should_abort():
                self.cancel()
        return super().cancelled


def retry_strategy() -> Any:
    import procrastinate

    return procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS, exponential_wait=BACKOFF_BASE_S,
                                       retry_exceptions=[RetryableError, RunFailedError, EntityBusyError,
                                                         StoreError])


def register_tasks(app: Any) -> None:
    """Declare the tasks on `app` (each app gets its own task objects)."""
    retry = retry_strategy()
    app.task(name=jobs.SYNC_TASK, pass_context=True, retry=retry)(sync_entity)
    app.task(name=jobs.SCHEDULE_TASK, pass_context=True)(run_schedule)
    app.task(name=jobs.PARTITION_TASK, pass_context=True, retry=retry)(sync_partition)
    app.task(name=jobs.FINISH_PARTITIONS_TASK, pass_context=True, retry=_finish_retry())(finish_partitions)
    app.task(name=jobs.MAINTENANCE_TASK, pass_context=True)(maintenance)
    app.task(name=jobs.TICK_TASK, pass_context=True)(schedule_tick)


#: finished jobs are kept this long (the control API and the log name them), then deleted
KEEP_JOBS_HOURS = 72


async def maintenance(context: Any, timestamp: int) -> None:
    """Delete succeeded jobs older than KEEP_JOBS_HOURS (failed ones stay for a person to see)."""
    await context.app.job_manager.delete_old_jobs(nb_hours=KEEP_JOBS_HOURS)


def schedule_tick(context: Any, timestamp: int) -> dict[str, Any]:
    """The schedule's minute (a periodic job): start the profiles that are due (see schedule.py)."""
    from datetime import UTC, datetime

    from tzlocal import get_localzone

    from erpsync_gui.app.headless import schedule

    runtime = current()
    started = schedule.tick(runtime.store, runtime.service.config.list_profiles(),
                            schedule.defer_schedule(runtime.client), datetime.fromtimestamp(timestamp, UTC),
                            get_localzone())
    return {"started": started}


def _only(only: Mapping[str, Sequence[str]] | None) -> dict[Side, list[str]] | None:
    return None if only is None else {Side(side): list(ids) for side, ids in only.items()}


def _last_attempt(context: Any) -> bool:
    return int(context.job.attempts or 0) + 1 >= MAX_ATTEMPTS


def sync_entity(context: Any, profile: str, entity: str, trigger: str = "manual",
                only: Mapping[str, Sequence[str]] | None = None, then: Sequence[str] = (),
                scheduled: bool = False) -> dict[str, Any]:
    """One run of (profile, entity); then the next entity of `then` is queued."""
    runtime = current()
    config = runtime.service.profile(profile)
    busy = [run for run in jobs.queued_runs(runtime.client, profile)
            if run.entity == entity and run.task == jobs.PARTITION_TASK]
    if busy:
        raise EntityBusyError(f"{entity} of profile {profile!r} is being read in partitions",
                              hint="the queue tries this run again when they are done")
    # the queue's lock says no other job of this entity runs anywhere, and no partition waits or runs: a run
    # still open is a dead worker's
    closed = close_stale_runs(runtime.store, lambda _run: False, profile_id=config.id, entity=entity)
    if closed:
        log.warning("%s: run %s closed as interrupted (its worker stopped); this run resumes from the cursor",
                    entity, ", ".join(map(str, closed)), extra={"profile_id": config.id, "entity": entity})
    token = QueueAbortToken(context, runtime.abort_poll_s)
    result = runtime.service.sync(entity, profile_name=profile, trigger=trigger, only=_only(only), cancel=token,
                                  wait=True)
    if result.status == "failed" and result.error_kind in RETRIED_KINDS and not _last_attempt(context):
        raise RunFailedError(f"{entity} of profile {profile!r}: {result.message}")
    if then:
        jobs.defer_chain(runtime.client, profile, list(then), trigger=trigger, scheduled=scheduled)
    return {"run_id": result.run_id, "status": result.status}


def run_schedule(context: Any, timestamp: int, profile: str) -> dict[str, Any]:
    """A profile's schedule came due (deferred by the schedule's tick): queue its entities, one after another in
    dependency order, unless the schedule is off or paused, or the sync window is closed."""
    from erpsync_gui.app.headless import service_state

    runtime = current()
    config = runtime.service.profile(profile)
    schedule = config.schedule
    extra = {"profile_id": config.id}
    if not schedule.enabled:
        log.info("Scheduled run of profile %r skipped: its schedule is off", profile, extra=extra)
        return {"queued": None}
    with service_state.locked(runtime.store) as state:
        paused = state.paused()
    if paused:  # paused after this run came due, before a worker took it
        log.info("Scheduled run of profile %r skipped: the schedule is paused", profile, extra=extra)
        return {"queued": None}
    window = SyncWindow.parse(schedule.window, schedule.window_days)
    from datetime import datetime

    from tzlocal import get_localzone

    now = datetime.fromtimestamp(timestamp, get_localzone())
    if window is not None and not window.contains(now):
        log.info("Scheduled run of profile %r skipped: outside its sync window %s", profile, window.describe(),
                 extra=extra)
        return {"queued": None}
    job_id = jobs.defer_chain(runtime.client, profile, scheduled_entities(config), trigger="scheduled",
                              scheduled=True)
    log.info("Scheduled run of profile %r queued (job %s)", profile, job_id, extra=extra)
    return {"queued": job_id}


def sync_partition(context: Any, profile: str, entity: str, side: str, lo: int, hi: int, number: int) -> dict:
    """One id range of a partitioned read: its records are synced, the cursor is not touched."""
    from erpsync_gui.connectors.partitions import IdRange

    runtime = current()
    token = QueueAbortToken(context, runtime.abort_poll_s)
    result = runtime.service.sync(entity, profile_name=profile, trigger="partition", cancel=token, wait=True,
                                  partition=(Side(side), IdRange(lo, hi)))
    if result.status in ("failed", "cancelled"):
        raise RunFailedError(f"{entity} of profile {profile!r}, partition {number}: {result.message}")
    return {"run_id": result.run_id, "status": result.status}


def _finish_retry() -> Any:
    import procrastinate

    # waits for the partitions: every 2 s for up to a day of attempts
    return procrastinate.RetryStrategy(max_attempts=43_200, wait=2, retry_exceptions=[PartitionsPendingError])


class PartitionsPendingError(ERPSyncError):
    """Some partitions of a partitioned read have not committed yet."""

    kind = "busy"


def finish_partitions(context: Any, profile: str, entity: str, side: str, cursor: str | None,
                      job_ids: Sequence[int]) -> dict[str, Any]:
    """Move the cursor of a partitioned read once every partition committed; retried until they have."""
    from erpsync_gui.app.headless.partition_plan import store_cursor

    runtime = current()
    statuses = {job_id: jobs.job_status(runtime.client, job_id) for job_id in job_ids}
    pending = [job_id for job_id, status in statuses.items() if status in ("todo", "doing")]
    if pending:
        raise PartitionsPendingError(f"{len(pending)} of {len(job_ids)} partitions of {entity} still running")
    failed = [job_id for job_id, status in statuses.items() if status != "succeeded"]
    config = runtime.service.profile(profile)
    # every partition job has ended: a partition run still open belonged to a worker that died
    close_stale_runs(runtime.store, lambda run: run.trigger != "partition", profile_id=config.id, entity=entity)
    if failed:
        log.error("%s: %d of %d partitions failed; the cursor stays where it was and the next run reads again",
                  entity, len(failed), len(job_ids), extra={"profile_id": config.id, "entity": entity})
        return {"cursor_moved": False, "failed": failed}
    store_cursor(runtime.store, config, entity, Side(side), cursor)
    log.info("%s: all %d partitions committed; cursor moved", entity, len(job_ids),
             extra={"profile_id": config.id, "entity": entity})
    return {"cursor_moved": True, "failed": []}
