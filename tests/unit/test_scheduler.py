"""The scheduler against the real demo (sandbox ERP over HTTP, SQLite CRM), its job store in the state
database, and an injected clock for the window and sleep decisions."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from datetime import datetime, timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect, select
from tzlocal import get_localzone

from erpsync_gui.app import scheduler as scheduler_module
from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.scheduled_run import dependency_order
from erpsync_gui.app.scheduler import JOB_TABLE, SyncScheduler, run_scheduled
from erpsync_gui.app.service import SyncService
from erpsync_gui.profile import Schedule
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import RunRow

DEADLINE_S = 30


def _until(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Clock:
    """A wall clock the test moves by hand, plus a process clock that only moves when told."""

    def __init__(self, now: datetime) -> None:
        self.now, self.mono = now, 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def service(tmp_path):
    store = open_store(data_dir=tmp_path)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, service.secrets, tmp_path)
    yield service
    service.close()
    store.close()


@pytest.fixture
def runs(service):
    manager = RunManager(service)
    yield manager
    manager.shutdown()


@pytest.fixture
def make_scheduler(service, runs, tmp_path):
    made: list[SyncScheduler] = []

    def make(**kwargs) -> SyncScheduler:
        sched = SyncScheduler(service, runs, service.store, state_dir=tmp_path, **kwargs)
        made.append(sched)
        return sched

    yield make
    for sched in made:
        sched.shutdown()


def _schedule(service, name: str = "demo", **changes):
    repo = ConfigRepo(service.store)
    profile = repo.get_profile(name)
    schedule = dataclasses.replace(Schedule(enabled=True, interval_hours=4, entities=("clients",)), **changes)
    return repo.save_profile(dataclasses.replace(profile, schedule=schedule))


def _scheduled_runs(service) -> list[RunRow]:
    with service.store.session() as s:
        return list(s.scalars(select(RunRow).where(RunRow.trigger == "scheduled").order_by(RunRow.id)))


def test_jobs_live_in_the_state_database_and_a_restart_keeps_them(service, make_scheduler):
    profile = _schedule(service)
    first = make_scheduler()
    first.start()
    job = first.jobs()[0]
    assert (job.id, job.func_ref, job.args) == ("sync:demo", "erpsync_gui.app.scheduler:run_scheduled", ("demo",))
    assert job.coalesce and job.misfire_grace_time >= 24 * 3600
    assert JOB_TABLE in inspect(service.store.engine).get_table_names()
    due = first.next_run("demo")
    first.shutdown()

    second = make_scheduler()
    second.start()  # the same ids again: no ConflictingIdError, and the unchanged schedule keeps its due time
    assert second.next_run("demo") == due
    second.apply_profile(dataclasses.replace(profile, schedule=dataclasses.replace(profile.schedule,
                                                                                   interval_hours=1)))
    assert second.next_run("demo") < due
    second.apply_profile(dataclasses.replace(profile, schedule=Schedule(enabled=False)))
    assert second.jobs() == [] and second.next_run("demo") is None


def test_missed_slots_give_one_catch_up_run(service, make_scheduler):
    _schedule(service, interval_hours=1)
    first = make_scheduler()
    first.start()
    first.shutdown()
    # the app was closed for five slots: the stored job's due time lies 5 hours back
    jobs = SQLAlchemyJobStore(engine=service.store.engine, tablename=JOB_TABLE)
    jobs.start(BackgroundScheduler(), "default")
    job = jobs.lookup_job("sync:demo")
    job.next_run_time = datetime.now(first.tz) - timedelta(hours=5, minutes=1)
    jobs.update_job(job)

    second = make_scheduler()
    second.start()
    _until(lambda: len(_scheduled_runs(service)) == 1 and not second.runs.running()
           and second.next_run("demo") > datetime.now(second.tz), "the catch-up run")
    second.shutdown()
    assert [r.entity for r in _scheduled_runs(service)] == ["clients"]


def test_a_fired_job_runs_the_entities_in_dependency_order(service, make_scheduler):
    _schedule(service, entities=("contacts", "leads", "clients"))
    sched = make_scheduler()
    sched.start()
    assert sched.trigger_now("demo")
    _until(lambda: len(_scheduled_runs(service)) == 3 and not sched.runs.running(), "three scheduled runs")
    assert [r.entity for r in _scheduled_runs(service)] == ["clients", "contacts", "leads"]
    assert {r.status for r in _scheduled_runs(service)} == {"success"}
    assert dependency_order(["invoices", "products", "clients"]) == ["clients", "products", "invoices"]


def test_a_run_outside_the_window_is_moved_to_its_opening(service, make_scheduler, caplog):
    _schedule(service, interval_hours=24, window="19:00-07:00")
    tz = get_localzone()
    noon = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    sched = make_scheduler(clock=Clock(noon))
    sched.start()
    with caplog.at_level(logging.INFO, logger="erpsync.scheduler"):
        sched.fire("demo")  # due at noon tomorrow, as far as the scheduler can tell
    deferred = [j for j in sched.jobs() if j.id == "sync:demo:deferred"]
    assert deferred and deferred[0].next_run_time == noon.replace(hour=19)
    assert "moved to the window's opening" in caplog.text
    assert _scheduled_runs(service) == []


def test_a_scheduled_run_waits_for_a_manual_run_of_the_same_entity(service, runs, make_scheduler, caplog):
    _schedule(service)
    release = threading.Event()
    runs.listeners.started.append(lambda key, trigger: trigger == "manual" and release.wait(DEADLINE_S))
    sched = make_scheduler()
    sched.start()
    assert runs.start("demo", "clients", trigger="manual")
    with caplog.at_level(logging.INFO, logger="erpsync.scheduler"):
        firing = threading.Thread(target=sched.fire, args=("demo",))
        firing.start()
        _until(lambda: "waits: a run of it is already going on" in caplog.text, "the waiting notice")
        release.set()
        firing.join(DEADLINE_S)
    assert "starts after waiting" in caplog.text
    assert [r.entity for r in _scheduled_runs(service)] == ["clients"]


def test_a_scheduled_run_skips_an_entity_still_busy_and_says_so(service, runs, make_scheduler, caplog):
    _schedule(service)
    release = threading.Event()
    runs.listeners.started.append(lambda key, trigger: trigger == "manual" and release.wait(DEADLINE_S))
    sched = make_scheduler(busy_wait_s=0.3)
    sched.start()
    assert runs.start("demo", "clients", trigger="manual")
    try:
        with caplog.at_level(logging.INFO, logger="erpsync.scheduler"):
            sched.fire("demo")
    finally:
        release.set()
    assert "Scheduled run of clients skipped: the run already going on did not end" in caplog.text
    assert _scheduled_runs(service) == []
    assert sched.failures_in_a_row("demo") == 0


def test_the_engine_lock_held_elsewhere_skips_the_entity(service, make_scheduler, caplog):
    _schedule(service)
    sched = make_scheduler()
    sched.start()
    lock = service._lock("demo", "clients")  # a run from the command line in this process
    with lock, caplog.at_level(logging.INFO, logger="erpsync.scheduler"):
        sched.fire("demo")
    assert "Scheduled run of clients skipped: clients of profile 'demo' is already being synced" in caplog.text
    assert sched.failures_in_a_row("demo") == 0


def test_three_failed_runs_in_a_row_skip_the_next_slot(service, make_scheduler, caplog):
    profile = _schedule(service)
    broken = dataclasses.replace(profile.erp, url="http://127.0.0.1:9/", retries=0)
    ConfigRepo(service.store).save_profile(dataclasses.replace(profile, erp=broken))
    sched = make_scheduler()
    sched.start()
    regular = sched.next_run("demo")
    with caplog.at_level(logging.INFO, logger="erpsync.scheduler"):
        for _ in range(3):
            sched.fire("demo")
        assert sched.failures_in_a_row("demo") == 3
        assert sched.next_run("demo") == regular + timedelta(hours=4)  # the next slot is given up
        sched.fire("demo")
    assert "skipped to back off after 3 failed runs in a row" in caplog.text
    assert len(_scheduled_runs(service)) == 3
    assert {r.status for r in _scheduled_runs(service)} == {"failed"}


def test_pause_is_remembered_across_restarts(service, make_scheduler):
    _schedule(service)
    first = make_scheduler()
    first.start()
    changes: list[int] = []
    first.listeners_changed.append(lambda: changes.append(1))
    first.pause()
    assert first.paused and first.next_run("demo") is None and changes
    first.shutdown()

    second = make_scheduler()
    assert second.paused
    second.start()
    assert second.next_run("demo") is None
    assert all(job.next_run_time is None for job in second.jobs())
    second.resume()
    assert second.next_run("demo") > datetime.now(second.tz)


def test_a_wall_clock_jump_is_taken_for_sleep(service, make_scheduler, caplog):
    clock = Clock(datetime(2026, 3, 3, 12, 0).astimezone())
    sched = make_scheduler(clock=clock, monotonic=clock.monotonic)
    sched.start()
    clock.now += timedelta(seconds=15)
    clock.mono += 15
    assert not sched.check_clock()
    clock.now += timedelta(hours=3)  # the process did not run meanwhile
    with caplog.at_level(logging.INFO, logger="erpsync.scheduler"):
        assert sched.check_clock()
    assert "Resumed after about 3:00:00 away" in caplog.text


def test_a_job_due_with_no_scheduler_running_is_logged_not_lost_silently(caplog):
    with caplog.at_level(logging.WARNING, logger="erpsync.scheduler"):
        run_scheduled("demo")
    assert scheduler_module._live is None
    assert "while no scheduler runs" in caplog.text
