"""Scheduled syncs: APScheduler 3 with its SQLAlchemy job store in the state database.

One job per profile ("sync:<profile>"), stored by reference to `run_scheduled` so it survives restarts;
`coalesce` plus a long misfire grace turn any number of slots missed during sleep or downtime into one
catch-up run. The sync window, the back-off after failures and the meeting with manual runs are decided
when a job fires. No Qt: `listeners_changed` callbacks run on any thread; the GUI adapts them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.events import (
    EVENT_JOB_ADDED,
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_MODIFIED,
    EVENT_JOB_REMOVED,
    EVENT_JOB_SUBMITTED,
)
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.exc import SQLAlchemyError
from tzlocal import get_localzone

from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.scheduled_run import ScheduledRunner
from erpsync_gui.app.service import SyncService
from erpsync_gui.app.sync_window import SyncWindow, build_trigger, interval_text, place_run, schedule_signature
from erpsync_gui.errors import ConfigError, StoreError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.store.db import Store

log = logging.getLogger("erpsync.scheduler")

JOB_FUNC = "erpsync_gui.app.scheduler:run_scheduled"
JOB_TABLE = "apscheduler_jobs"
STATE_FILE = "scheduler.json"
#: a slot missed by up to a week (sleep, app closed) still gives one catch-up run when the app is back
CATCH_UP_GRACE_S = 7 * 24 * 3600
#: after this many failed scheduled runs in a row the next slot is skipped
FAILURES_BEFORE_BACKOFF = 3
#: a wall clock that ran this much further than the process's own clock means the machine slept
SLEEP_JUMP_S = 60.0
WATCH_INTERVAL_S = 15.0
#: how long a scheduled run waits for a run of the same entity already going on before it skips it
BUSY_WAIT_S = 600.0

_live: SyncScheduler | None = None
_live_guard = threading.Lock()


def run_scheduled(profile_name: str) -> None:
    """The stored jobs' function: hands the due run to the scheduler running in this process."""
    with _live_guard:
        scheduler = _live
    if scheduler is None:
        log.warning("A scheduled sync of profile %r came due while no scheduler runs; skipped", profile_name)
        return
    scheduler.fire(profile_name)


def _job_id(profile_name: str) -> str:
    return f"sync:{profile_name}"


def _deferred_id(profile_name: str) -> str:
    return f"sync:{profile_name}:deferred"


class SyncScheduler:
    """Keeps each profile's schedule as a persistent job and runs its entities when it comes due."""

    def __init__(self, service: SyncService, runs: RunManager, store: Store, *,
                 clock: Callable[[], datetime] | None = None, monotonic: Callable[[], float] = time.monotonic,
                 busy_wait_s: float = BUSY_WAIT_S, state_dir: Path | None = None) -> None:
        self.service = service
        self.runs = runs
        self.store = store
        self.tz = get_localzone()
        self._clock = clock or (lambda: datetime.now(self.tz))
        self._monotonic = monotonic
        self.listeners_changed: list[Callable[[], None]] = []
        self._state_path = Path(state_dir or service.data_dir) / STATE_FILE
        self._paused = bool(self._read_state().get("paused", False))
        self._stopping = threading.Event()
        self._runner = ScheduledRunner(runs, self._stopping, busy_wait_s)
        self._failures: dict[str, int] = {}
        self._skip_next: set[str] = set()
        self._profile_locks: dict[str, threading.Lock] = {}
        #: each scheduled profile's window, so `next_run` (asked by the GUI) reads no profile from the database
        self._windows: dict[str, SyncWindow | None] = {}
        self._guard = threading.Lock()
        self._last_clock: tuple[datetime, float] | None = None
        self._watch: threading.Thread | None = None
        self._scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=JOB_TABLE)},
            job_defaults={"coalesce": True, "misfire_grace_time": CATCH_UP_GRACE_S, "max_instances": 1},
            timezone=self.tz,
        )
        self._scheduler.add_listener(lambda _event: self._changed(),
                                     EVENT_JOB_ADDED | EVENT_JOB_REMOVED | EVENT_JOB_MODIFIED | EVENT_JOB_SUBMITTED
                                     | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> None:
        """Load the stored jobs, bring them in line with every profile, then let due ones (catch-up) run.
        StoreError when the job store cannot be read or written."""
        global _live
        with _live_guard:
            if _live is not None and _live is not self:
                raise ConfigError("Another scheduler is already running in this process")
            _live = self
        try:
            self._start()
        except SQLAlchemyError as exc:
            with _live_guard:
                _live = None
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            raise StoreError(f"The schedule's job store in the state database cannot be used: {exc}") from exc

    def _start(self) -> None:
        self._scheduler.start(paused=True)
        profiles = self.service.config.list_profiles()
        names = {p.name for p in profiles}
        for job in self._scheduler.get_jobs():
            if job.args and job.args[0] not in names:
                self._scheduler.remove_job(job.id)
        for profile in profiles:
            try:
                self.apply_profile(profile)
            except ConfigError as exc:
                log.error("The schedule of profile %r is not valid: %s", profile.name, exc,
                          extra={"profile_id": profile.id})
        self._set_jobs_paused(self._paused)
        self._last_clock = (self._clock(), self._monotonic())
        self._watch = threading.Thread(target=self._watch_clock, name="erpsync-clock-watch", daemon=True)
        self._watch.start()
        self._scheduler.resume()
        log.info("Scheduler started%s", " (paused)" if self._paused else "")

    def shutdown(self) -> None:
        """Stop scheduling; a scheduled run in progress stops waiting (the run manager cancels its runs)."""
        global _live
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self._watch is not None:
            self._watch.join(timeout=5)
        self._runner.close()
        with _live_guard:
            if _live is self:
                _live = None

    # -- schedules -------------------------------------------------------------------------------
    def apply_profile(self, profile: ProfileConfig) -> None:
        """Create, change or remove the profile's job. An unchanged schedule keeps its stored due time, so a
        run missed while the app was closed is still caught up. ConfigError for an invalid schedule."""
        schedule = profile.schedule
        if not schedule.enabled:
            self._windows.pop(profile.name, None)
            self._remove_jobs(profile.name)
            self._changed()
            return
        window = SyncWindow.parse(schedule.window, schedule.window_days)  # validated before the job is touched
        self._windows[profile.name] = window
        signature = schedule_signature(schedule)
        trigger = build_trigger(schedule, self.tz, self._clock())
        try:
            job = self._scheduler.get_job(_job_id(profile.name))
            if job is not None and job.name == signature:
                return
            self._scheduler.add_job(JOB_FUNC, trigger=trigger, args=(profile.name,), id=_job_id(profile.name),
                                    name=signature, replace_existing=True,
                                    **({"next_run_time": None} if self._paused else {}))
            self._remove_deferred(profile.name)
        except SQLAlchemyError as exc:
            raise StoreError(f"Saving the schedule of profile {profile.name!r} failed: {exc}") from exc
        log.info("Schedule of profile %r set: %s", profile.name, self._describe(profile),
                 extra={"profile_id": profile.id})

    def remove_profile(self, profile_name: str) -> None:
        self._windows.pop(profile_name, None)
        self._remove_jobs(profile_name)
        self._changed()

    def _remove_jobs(self, profile_name: str) -> None:
        for job_id in (_job_id(profile_name), _deferred_id(profile_name)):
            self._remove_job(job_id)

    def _remove_deferred(self, profile_name: str) -> None:
        self._remove_job(_deferred_id(profile_name))

    def _remove_job(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):  # not there, or a one-off job that has just run
            self._scheduler.remove_job(job_id)

    @staticmethod
    def _describe(profile: ProfileConfig) -> str:
        s = profile.schedule
        text = f"cron {s.cron!r}" if s.cron else interval_text(s.interval_hours or 0)
        window = SyncWindow.parse(s.window, s.window_days)
        return text + (f", window {window.describe()}" if window else "")

    # -- pause -----------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """No scheduled runs until `resume`; remembered across restarts."""
        self._paused = True
        self._write_state()
        self._set_jobs_paused(True)
        log.info("Schedule paused")
        self._changed()

    def resume(self) -> None:
        """Scheduled runs again from the next regular slot (no burst of the slots passed while paused)."""
        self._paused = False
        self._write_state()
        self._set_jobs_paused(False)
        log.info("Schedule resumed")
        self._changed()

    def _set_jobs_paused(self, paused: bool) -> None:
        for job in self._scheduler.get_jobs():
            if paused and job.next_run_time is not None:
                self._scheduler.pause_job(job.id)
            elif not paused and job.next_run_time is None:
                self._scheduler.resume_job(job.id)

    def _read_state(self) -> dict:
        try:
            return json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Cannot read %s (%s); the schedule starts unpaused", self._state_path, exc)
            return {}

    def _write_state(self) -> None:
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        partial = self._state_path.with_suffix(".tmp")
        partial.write_text(json.dumps({"paused": self._paused}), encoding="utf-8")
        partial.replace(self._state_path)

    # -- what comes next ---------------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return self._scheduler.get_jobs()

    def next_run(self, profile_name: str) -> datetime | None:
        """When the profile's next scheduled run will start (window and back-off applied); None when paused
        or not scheduled."""
        if self._paused:
            return None
        job = self._scheduler.get_job(_job_id(profile_name))
        deferred = self._scheduler.get_job(_deferred_id(profile_name))
        candidates = [deferred.next_run_time] if deferred is not None and deferred.next_run_time else []
        if job is not None and job.next_run_time is not None:
            slot = job.next_run_time
            if profile_name in self._skip_next:
                slot = job.trigger.get_next_fire_time(slot, slot) or slot
            candidates.append(place_run(slot, job.trigger, self._windows.get(profile_name)).when)
        return min(candidates) if candidates else None

    def trigger_now(self, profile_name: str) -> bool:
        """Make the profile's job due now (it runs through the job store and executor like any slot)."""
        if self._scheduler.get_job(_job_id(profile_name)) is None:
            return False
        self._scheduler.modify_job(_job_id(profile_name), next_run_time=datetime.now(self.tz))
        return True

    def _changed(self) -> None:
        for listener in list(self.listeners_changed):
            try:
                listener()
            except Exception:  # a broken listener must not break scheduling
                log.exception("a scheduler listener failed")

    # -- a job comes due -------------------------------------------------------------------------
    def fire(self, profile_name: str) -> None:
        """A job came due (scheduler thread): check the window and the back-off, then run the entities."""
        with self._guard:
            lock = self._profile_locks.setdefault(profile_name, threading.Lock())
        if not lock.acquire(blocking=False):
            log.info("Scheduled run of profile %r skipped: its previous scheduled run is still going on",
                     profile_name)
            return
        try:
            self._fire(profile_name)
        except Exception:  # an unexpected error must not stop later slots
            log.exception("Scheduled run of profile %r failed", profile_name)
        finally:
            lock.release()

    def _fire(self, profile_name: str) -> None:
        try:
            profile = self.service.profile(profile_name)
        except ConfigError as exc:
            log.warning("Scheduled run of profile %r skipped: %s", profile_name, exc)
            self._remove_jobs(profile_name)
            return
        extra = {"profile_id": profile.id}
        if self._paused:
            log.info("Scheduled run of profile %r skipped: the schedule is paused", profile_name, extra=extra)
            return
        if not profile.schedule.enabled:
            log.info("Scheduled run of profile %r skipped: its schedule is off", profile_name, extra=extra)
            return
        job = self._scheduler.get_job(_job_id(profile_name))
        now = self._clock()
        trigger = job.trigger if job is not None else build_trigger(profile.schedule, self.tz, now)
        placement = place_run(now, trigger, SyncWindow.parse(profile.schedule.window, profile.schedule.window_days))
        if placement.action == "defer":
            self._scheduler.add_job(JOB_FUNC, trigger=DateTrigger(placement.when, timezone=self.tz),
                                    args=(profile_name,), id=_deferred_id(profile_name), name="deferred",
                                    replace_existing=True)
            log.info("Scheduled run of profile %r %s", profile_name, placement.reason, extra=extra)
            return
        if placement.action == "skip":
            log.info("Scheduled run of profile %r skipped: %s", profile_name, placement.reason, extra=extra)
            return
        self._remove_deferred(profile_name)  # this run does what a deferred one would have done
        if profile_name in self._skip_next:
            self._skip_next.discard(profile_name)
            log.warning("Scheduled run of profile %r skipped to back off after %d failed runs in a row",
                        profile_name, self._failures.get(profile_name, 0), extra=extra)
            self._changed()
            return
        log.info("Scheduled run of profile %r starts", profile_name, extra=extra)
        outcome = self._runner.run_profile(profile)
        self._count(profile, outcome.failed)
        self._changed()

    def _count(self, profile: ProfileConfig, failed: list[str]) -> None:
        extra = {"profile_id": profile.id}
        if not failed:
            self._failures.pop(profile.name, None)
            log.info("Scheduled run of profile %r finished", profile.name, extra=extra)
            return
        count = self._failures.get(profile.name, 0) + 1
        self._failures[profile.name] = count
        log.warning("Scheduled run of profile %r failed for %s (%d in a row)", profile.name, ", ".join(failed),
                    count, extra=extra)
        if count >= FAILURES_BEFORE_BACKOFF:
            self._skip_next.add(profile.name)
            log.warning("Backing off: the next scheduled slot of profile %r will be skipped", profile.name,
                        extra=extra)

    def failures_in_a_row(self, profile_name: str) -> int:
        return self._failures.get(profile_name, 0)

    # -- sleep -----------------------------------------------------------------------------------
    def _watch_clock(self) -> None:
        while not self._stopping.wait(WATCH_INTERVAL_S):
            self.check_clock()

    def check_clock(self) -> bool:
        """True (and due jobs looked at again at once) when the wall clock jumped ahead of the time this
        process was awake: the machine slept or hibernated."""
        wall, mono = self._clock(), self._monotonic()
        last, self._last_clock = self._last_clock, (wall, mono)
        if last is None:
            return False
        awake = min(mono - last[1], WATCH_INTERVAL_S)  # some systems' monotonic clock counts sleep too
        jump = (wall - last[0]).total_seconds() - awake
        if jump < SLEEP_JUMP_S:
            return False
        log.info("Resumed after about %s away; missed scheduled runs are caught up once",
                 timedelta(seconds=round(jump)))
        if self._scheduler.running:
            self._scheduler.wakeup()
        self._changed()
        return True
