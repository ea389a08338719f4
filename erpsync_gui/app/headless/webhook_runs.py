"""Webhook events in service mode: the receiver's syncs become queued tasks, so the queue's lock keeps them
apart from scheduled and manual runs of the same entity on every worker."""

from __future__ import annotations

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.headless.runtime import Runtime
from erpsync_gui.app.webhooks.poll import Poller
from erpsync_gui.app.webhooks.receiver import SyncFn, SyncOutcome
from erpsync_gui.app.webhooks.settings import WebhookSettings
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
        return SyncOutcome(run.id, run.status, run.message, read=run.processed, failed=run.failed)

    return sync


def queued_poller(runtime: Runtime, profile_name: str, settings: WebhookSettings) -> Poller:
    """The poll in service mode: one queued chain of the profile's enabled entities in their order, so the
    orders that wait for a client are retried after the clients' run. The chain is named by its first
    entity; a poll while the last one still waits to start queues nothing."""
    profile = runtime.service.profile(profile_name)
    names = [e.entity for e in profile.entities if e.enabled]

    def chain(_first: str) -> SyncOutcome:
        job_id = jobs.defer_chain(runtime.client, profile.name, names, trigger="poll", scheduled=True)
        if job_id is None:
            return SyncOutcome(None, "busy", "the last poll's runs still wait to start", busy=True)
        return SyncOutcome(None, "queued", f"queued as job {job_id}: {', '.join(names)}")

    return Poller(chain, names[:1], interval_minutes=settings.poll_minutes)
