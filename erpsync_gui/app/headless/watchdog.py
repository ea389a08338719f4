"""Finding the jobs of workers that died (no heartbeat for `stalled_after_s`) and giving them to another worker.

Runs beside the worker in every worker process; two watchdogs retrying the same job is harmless (the queue only
retries a job that is still `doing`). The retried job closes the dead run as interrupted before its own run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("erpsync.service")


async def retry_stalled(app: Any, stalled_after_s: float) -> list[int]:
    """Put every job of a dead worker back in the queue; their ids."""
    retried = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
        log.warning("Job %d (%s) was running on a worker that stopped answering; it goes to another worker",
                    job.id, job.task_name)
        await app.job_manager.retry_job(job)
        retried.append(int(job.id))
    return retried


async def watch(app: Any, *, interval_s: float, stalled_after_s: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await retry_stalled(app, stalled_after_s)
        except Exception:  # a database hiccup must not end the watch; the next round tries again
            log.exception("looking for jobs of stopped workers failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            continue
