"""Deferring, finding and cancelling sync jobs in the task queue, from any thread (through the client app).

Keys: a job's `lock` is its (profile, entity), so the queue never runs two jobs of one entity at once, on any
worker; a scheduled job's `queueing_lock` is its (profile, entity) too, so while one scheduled run of an
entity waits to start, another scheduled one is refused instead of piling up behind it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("erpsync.service")

SYNC_TASK = "erpsync:sync_entity"
SCHEDULE_TASK = "erpsync:run_schedule"
PARTITION_TASK = "erpsync:sync_partition"
FINISH_PARTITIONS_TASK = "erpsync:finish_partitions"
MAINTENANCE_TASK = "erpsync:maintenance"
TICK_TASK = "erpsync:schedule_tick"
SYNC_TASKS = (SYNC_TASK, PARTITION_TASK)


def entity_lock(profile: str, entity: str) -> str:
    """The lock of every job that syncs the entity (JSON: profile names may hold any character)."""
    return "sync:" + json.dumps([profile, entity], ensure_ascii=False)


def scheduled_lock(profile: str, entity: str) -> str:
    return "scheduled:" + json.dumps([profile, entity], ensure_ascii=False)


def partition_lock(profile: str, entity: str, number: int) -> str:
    return "part:" + json.dumps([profile, entity, number], ensure_ascii=False)


@dataclass(frozen=True)
class QueuedRun:
    """A sync job waiting in the queue or running on a worker."""

    job_id: int
    profile: str
    entity: str
    trigger: str
    #: todo (waiting) or doing (running)
    status: str
    attempts: int
    task: str


def defer_sync(client: Any, profile: str, entity: str, *, trigger: str,
               only: Mapping[str, Sequence[str]] | None = None, then: Sequence[str] = (),
               scheduled: bool = False) -> int | None:
    """Queue a sync of one entity (then, one after another, of `then`); its job id, or None when a scheduled
    run of the entity already waits to start."""
    from procrastinate.exceptions import AlreadyEnqueued

    deferrer = client.configure_task(SYNC_TASK, lock=entity_lock(profile, entity),
                                     queueing_lock=scheduled_lock(profile, entity) if scheduled else None)
    kwargs: dict[str, Any] = {"profile": profile, "entity": entity, "trigger": trigger, "then": list(then),
                              "scheduled": scheduled}
    if only is not None:
        kwargs["only"] = {side: list(ids) for side, ids in only.items()}
    try:
        return int(deferrer.defer(**kwargs))
    except AlreadyEnqueued:
        log.info("Scheduled run of %s of profile %r not queued: one already waits to start", entity, profile)
        return None


def defer_chain(client: Any, profile: str, entities: Sequence[str], *, trigger: str,
                scheduled: bool = False) -> int | None:
    """Queue the first entity that is not already waiting, with the rest to follow it; None when none was."""
    names = list(entities)
    for index, entity in enumerate(names):
        job_id = defer_sync(client, profile, entity, trigger=trigger, then=names[index + 1:], scheduled=scheduled)
        if job_id is not None:
            return job_id
    return None


def _queued(job: Any) -> QueuedRun | None:
    kwargs = job.task_kwargs or {}
    if "profile" not in kwargs or "entity" not in kwargs:
        return None
    trigger = "partition" if job.task_name == PARTITION_TASK else str(kwargs.get("trigger", "manual"))
    return QueuedRun(int(job.id), str(kwargs["profile"]), str(kwargs["entity"]), trigger, str(job.status),
                     int(job.attempts or 0), str(job.task_name))


def queued_runs(client: Any, profile: str | None = None) -> list[QueuedRun]:
    """Sync jobs waiting or running, oldest first."""
    found: list[QueuedRun] = []
    for task in SYNC_TASKS:
        for status in ("doing", "todo"):
            for job in client.job_manager.list_jobs(task=task, status=status):
                run = _queued(job)
                if run is not None and (profile is None or run.profile == profile):
                    found.append(run)
    return sorted(found, key=lambda r: r.job_id)


def cancel_runs(client: Any, profile: str, entity: str) -> int:
    """Cancel the entity's waiting jobs and ask its running one to stop; how many were reached."""
    reached = 0
    for run in queued_runs(client, profile):
        if run.entity != entity:
            continue
        if client.job_manager.cancel_job_by_id(run.job_id, abort=run.status == "doing"):
            reached += 1
    return reached


def job_status(client: Any, job_id: int) -> str:
    return str(client.job_manager.get_job_status(job_id).value)


def wait_for_job(client: Any, job_id: int, *, timeout: float, poll_s: float = 0.2) -> str:
    """Block until the job ends (succeeded, failed, cancelled, aborted) or `timeout` passes; its status."""
    deadline = time.monotonic() + timeout
    while True:
        status = job_status(client, job_id)
        if status not in ("todo", "doing") or time.monotonic() >= deadline:
            return status
        time.sleep(poll_s)
