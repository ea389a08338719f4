"""Webhook events in service mode: the receiver's syncs become queued tasks, so the queue's lock keeps them
apart from scheduled and manual runs of the same entity on every worker."""

from __future__ import annotations

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.headless.runtime import Runtime
from erpsync_gui.app.webhooks.receiver import SyncFn, SyncOutcome
from erpsync_gui.records import Side
from erpsync_gui.store.queries import recent_runs

#: how long the receiver's dispatcher waits for a queued webhook run before it reports it as queued
WAIT_S = 600.0


def queued_sync(runtime: Runtime, profile_name: str, *, side: Side = Side.CRM, wait_s: float = WAIT_S) -> SyncFn:
    """Queue the given records of one entity as a webhook run, wait for it, and say what it did."""

    def sync(entity: str, ids: list[str]) -> SyncOutcome:
        profile = runtime.service.profile(profile_name)
        earlier = recent_runs(runtime.store, profile.stored_id, limit=1, entity=entity)
        floor = earlier[0].id if earlier else 0
        job_id = jobs.defer_sync(runtime.client, profile.name, entity, trigger="webhook", only={side.value: ids})
        assert job_id is not None  # only scheduled runs have a queueing lock
        status = jobs.wait_for_job(runtime.client, job_id, timeout=wait_s)
        if status in ("todo", "doing"):
            return SyncOutcome(None, "queued", f"queued as job {job_id}; not done after {wait_s:.0f} s")
        runs = [r for r in recent_runs(runtime.store, profile.stored_id, limit=20, entity=entity)
                if r.id > floor and r.trigger == "webhook"]
        if status != "succeeded" or not runs:
            return SyncOutcome(runs[0].id if runs else None, "failed", f"job {job_id} {status}")
        run = runs[0]
        return SyncOutcome(run.id, run.status, run.message, read=run.processed)

    return sync
