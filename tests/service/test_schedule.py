"""The service's schedule on PostgreSQL: a tick with the clock given starts a 5 h schedule at its slots, under
its queueing lock; a saved schedule reaches the running service within seconds, without a tick; the tray's
Pause reaches the service through the control API and outlasts a restart of the service."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from erpsync_gui.app.headless import jobs, queue, schedule
from erpsync_gui.app.headless.process import HeadlessService
from erpsync_gui.app.headless.settings import control_token
from erpsync_gui.app.remote_service import RemoteSchedule, RemoteService
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from tests.service.fleet import make_profile, wait_until
from tests.service.test_service import quick_settings

pytestmark = [pytest.mark.postgres]

T0 = datetime(2026, 3, 2, 9, 17, tzinfo=UTC)
#: a tick that never comes during a test: what reaches the service does so by the notice of the save
NO_TICK = "0 0 1 1 *"


@pytest.fixture
def office(pg_store, sandboxes, tmp_path):
    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    profile = make_profile(pg_store, SecretStore(), tmp_path, "office", erp, clients=1, entities=("clients",))
    five = dataclasses.replace(profile.schedule, enabled=True, interval_hours=5)
    return ConfigRepo(pg_store).save_profile(dataclasses.replace(profile, schedule=five))


@pytest.fixture
def client(pg_store, pg_store_url):
    app = queue.client_app(pg_store_url)
    queue.ensure_schema(pg_store, app)
    yield app
    app.close()


def _scheduled_jobs(client) -> list:
    return list(client.job_manager.list_jobs(task=jobs.SCHEDULE_TASK, status="todo"))


def test_a_five_hour_schedule_is_started_at_its_slots_and_does_not_pile_up(pg_store, client, office):
    profiles = [office]
    defer = schedule.defer_schedule(client)
    started = [moment for moment in (T0 + timedelta(minutes=m) for m in range(0, 11 * 60, 7))
               if schedule.tick(pg_store, profiles, defer, moment, UTC)]
    assert started == [T0 + timedelta(hours=5, minutes=1), T0 + timedelta(hours=10, minutes=2)]  # ticks 7 min apart
    # the first slot's job has not run (no worker here): the second was refused by the queueing lock
    waiting = _scheduled_jobs(client)
    assert [job.task_kwargs["profile"] for job in waiting] == ["office"]
    assert waiting[0].task_kwargs["timestamp"] == int((T0 + timedelta(hours=5, minutes=1)).timestamp())
    view = schedule.view(pg_store, profiles, T0, UTC)
    assert view.profiles[0].next_run == T0 + timedelta(hours=15)


def test_a_paused_schedule_starts_nothing_and_resumes_at_its_next_slot(pg_store, client, office):
    from erpsync_gui.app.headless.service_state import set_paused

    defer = schedule.defer_schedule(client)
    schedule.tick(pg_store, [office], defer, T0, UTC)
    set_paused(pg_store, True)
    assert schedule.tick(pg_store, [office], defer, T0 + timedelta(hours=5), UTC) == []
    assert schedule.view(pg_store, [office], T0, UTC).profiles[0].next_run is None
    set_paused(pg_store, False)
    assert schedule.tick(pg_store, [office], defer, T0 + timedelta(hours=5, minutes=1), UTC) == []
    assert schedule.view(pg_store, [office], T0, UTC).profiles[0].next_run == T0 + timedelta(hours=10)
    assert schedule.tick(pg_store, [office], defer, T0 + timedelta(hours=10), UTC) == ["office"]
    assert _scheduled_jobs(client) != []


def _next_run(remote: RemoteService) -> datetime | None:
    return remote.schedule().profiles[0].next_run


@pytest.mark.slow
def test_a_saved_interval_moves_the_next_run_within_seconds_and_a_pause_outlasts_a_restart(
        pg_store, pg_store_url, office, data_dir):
    secrets = SecretStore()
    settings = quick_settings(pg_store_url, tick_cron=NO_TICK, webhooks=False)
    with HeadlessService(settings, secrets=secrets, data_dir=data_dir) as service:
        remote = RemoteService(service.control.url, control_token(secrets))
        try:
            first = _next_run(remote)
            assert first is not None and timedelta(hours=4, minutes=59) < first - datetime.now(UTC) <= timedelta(
                hours=5)
            hourly = dataclasses.replace(office.schedule, interval_hours=1)
            ConfigRepo(pg_store).save_profile(dataclasses.replace(office, schedule=hourly))
            saved_at = datetime.now(UTC)
            wait_until(lambda: _next_run(remote) != first, 10, "the saved schedule to reach the service")
            moved = _next_run(remote)
            assert moved is not None and abs(moved - (saved_at + timedelta(hours=1))) < timedelta(seconds=10)

            tray = RemoteSchedule(remote)
            heard: list[bool] = []
            tray.listeners_changed.append(lambda: heard.append(tray.paused))
            tray.refresh()
            assert not tray.paused and tray.next_run("office") == moved
            tray.pause()
            assert heard[-1] is True and tray.next_run("office") is None
        finally:
            remote.close()
    with HeadlessService(settings, secrets=secrets, data_dir=data_dir) as service:
        remote = RemoteService(service.control.url, control_token(secrets))
        try:
            assert remote.schedule().paused
            tray = RemoteSchedule(remote)
            tray.resume()
            assert not tray.paused and tray.next_run("office") == moved
        finally:
            remote.close()


def test_a_run_that_came_due_before_a_pause_is_skipped_when_a_worker_takes_it(pg_store, client, office, data_dir):
    from erpsync_gui.app.headless import tasks
    from erpsync_gui.app.headless.runtime import build_runtime, install
    from erpsync_gui.app.headless.service_state import set_paused

    runtime = build_runtime(pg_store, SecretStore(), data_dir, client)
    install(runtime)
    try:
        set_paused(pg_store, True)
        assert tasks.run_schedule(None, int(T0.timestamp()), "office") == {"queued": None}
        set_paused(pg_store, False)
        assert tasks.run_schedule(None, int(T0.timestamp()), "office")["queued"] is not None
        assert [j.task_kwargs["entity"] for j in client.job_manager.list_jobs(task=jobs.SYNC_TASK)] == ["clients"]
    finally:
        install(None)
        runtime.service.close()
