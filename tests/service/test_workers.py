"""Several worker processes share the syncs of many profiles through the task queue on PostgreSQL: every job
runs once per trigger, never two at once for one (profile, entity), and a killed worker's job is finished by
another without a duplicate or a lost record."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.headless.queue import client_app, ensure_schema
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.store.models import LinkRow
from tests.service.fleet import ENTITIES, Workers, make_profile, overlapping, runs_of, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def client(pg_store, pg_store_url):
    app = client_app(pg_store_url)
    ensure_schema(pg_store, app)
    yield app
    app.close()


@pytest.fixture
def workers(tmp_path: Path, pg_store_url: str, shared_secrets):
    fleet = Workers(tmp_path / "workers", pg_store_url, tmp_path / "keyring.json")
    yield fleet
    fleet.stop_all()


def _queue_empty(client) -> bool:
    return not jobs.queued_runs(client)


def test_three_workers_run_each_job_of_20_profiles_once_and_never_two_of_one_key_at_once(
        pg_store, shared_secrets, client, workers, sandboxes, tmp_path):
    names = [f"office-{n:02d}" for n in range(20)]
    for name in names:
        erp = SandboxServer(seed=False).start()
        erp.faults.configure(latency_ms=5)
        sandboxes.append(erp)
        make_profile(pg_store, shared_secrets, tmp_path, name, erp, clients=3)
    for name in ("w1", "w2", "w3"):
        workers.start(name)
    # one trigger of every profile's schedule, as the periodic deferrer makes it
    for name in names:
        client.configure_task(jobs.SCHEDULE_TASK, queueing_lock=f"schedule:{name}").defer(timestamp=0, profile=name)
    # and, while they run, a manual run of one entity of each of five profiles: queued behind the lock
    for name in names[:5]:
        jobs.defer_sync(client, name, "contacts", trigger="manual")
    wait_until(lambda: _queue_empty(client) and len(runs_of(pg_store)) >= 105, 150, "every run")
    wait_until(lambda: _queue_empty(client), 30, "the queue to empty")
    runs = runs_of(pg_store)
    per_trigger = Counter((r.profile_id, r.entity, r.trigger) for r in runs)
    assert len(runs) == 105
    assert all(count == 1 for count in per_trigger.values()), per_trigger
    assert {e for (_p, e, _t) in per_trigger} == set(ENTITIES)
    assert overlapping(runs) == []
    assert {r.status for r in runs} == {"success"}
    # every client of every CRM reached its ERP once
    assert all(len(erp.records("clients")) == 3 for erp in sandboxes)


def test_a_scheduled_run_waiting_to_start_is_not_queued_twice(client, pg_store, shared_secrets, sandboxes, tmp_path):
    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    make_profile(pg_store, shared_secrets, tmp_path, "office", erp)
    first = jobs.defer_sync(client, "office", "clients", trigger="scheduled", scheduled=True)
    second = jobs.defer_sync(client, "office", "clients", trigger="scheduled", scheduled=True)
    manual = jobs.defer_sync(client, "office", "clients", trigger="manual")
    assert first is not None and second is None and manual is not None
    assert [r.job_id for r in jobs.queued_runs(client, "office")] == [first, manual]


def test_a_killed_worker_has_its_job_finished_by_another_with_nothing_duplicated_or_lost(
        pg_store, shared_secrets, client, workers, sandboxes, tmp_path):
    erp = SandboxServer(seed=False).start()
    erp.faults.configure(latency_ms=15)
    sandboxes.append(erp)
    profile = make_profile(pg_store, shared_secrets, tmp_path, "big", erp, clients=400, entities=("clients",),
                           batch=10)
    workers.start("doomed")
    job_id = jobs.defer_sync(client, "big", "clients", trigger="manual")
    wait_until(lambda: len(erp.records("clients")) >= 40, 60, "the first worker to be well into the run")
    workers.kill("doomed")
    written_by_the_dead = len(erp.records("clients"))
    assert written_by_the_dead < 400
    workers.start("rescuer")
    wait_until(lambda: jobs.job_status(client, job_id) == "succeeded", 40, "the job to be finished elsewhere")
    numbers = Counter(r["company"] for r in erp.records("clients"))
    assert len(numbers) == 400 and set(numbers.values()) == {1}  # 0 lost, 0 duplicates
    with pg_store.session() as s:
        links = s.scalar(select(func.count()).select_from(LinkRow).where(
            LinkRow.profile_id == profile.id, LinkRow.erp_id.is_not(None)))
    assert links == 400
    runs = runs_of(pg_store)
    assert [r.status for r in runs] == ["interrupted", "success"]
