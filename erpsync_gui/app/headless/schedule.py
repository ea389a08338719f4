"""The schedule in service mode: one periodic task of procrastinate, a tick every minute, starts the profiles
whose schedule is due by their last slot (see due.py), so any interval works, not only those a cron expression
can say (5 h does not divide a day). Each process that runs workers registers the tick; the queue defers each
minute's tick once, whichever process gets there first.

A due profile gets one `run_schedule` job under the queueing lock "schedule:<profile>": while one waits, the
next is refused instead of piling up. The sync window is checked when that job runs. A saved profile reaches
the schedule at once through `reload` (called on PostgreSQL's notification of the save), not at the next tick.
While the schedule is paused (kept in the state database) slots pass without runs, and a resume starts from the
next slot. A maintenance task every five minutes clears finished jobs older than three days.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from erpsync_gui.app.headless import due, jobs, service_state
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.store.db import Store

log = logging.getLogger("erpsync.service")

MAINTENANCE_CRON = "*/5 * * * *"
#: the finest interval the tray app offers is 5 minutes: a tick each minute starts a run at most a minute late
TICK_CRON = "* * * * *"
TICK_PERIODIC_ID = "tick"


def register_schedules(app: Any, tick_cron: str = TICK_CRON) -> None:
    """Register the schedule's tick and the maintenance task as the app's periodic tasks."""
    registry = app.periodic_registry
    if (jobs.TICK_TASK, TICK_PERIODIC_ID) not in registry.periodic_tasks:
        registry.register_task(task=app.tasks[jobs.TICK_TASK], cron=tick_cron, periodic_id=TICK_PERIODIC_ID,
                               configure_kwargs={"queueing_lock": "schedule-tick"})
    if (jobs.MAINTENANCE_TASK, "") not in registry.periodic_tasks:
        registry.register_task(task=app.tasks[jobs.MAINTENANCE_TASK], cron=MAINTENANCE_CRON, periodic_id="",
                               configure_kwargs={"queueing_lock": "maintenance"})


@dataclass(frozen=True)
class ScheduledProfile:
    """One profile's schedule as the service sees it."""

    profile: str
    enabled: bool
    #: when its next scheduled run comes due; None when the schedule is off, paused or cannot run
    next_run: datetime | None
    #: why the schedule cannot run, when it cannot
    problem: str | None = None


@dataclass(frozen=True)
class ScheduleView:
    paused: bool
    profiles: tuple[ScheduledProfile, ...]


#: (profile id, schedule signature) pairs whose problem was already logged, so a tick each minute does not repeat it
_reported: set[tuple[int, str]] = set()


def _plan_all(tx: service_state.StateTx, profiles: list[ProfileConfig], now: datetime,
              tz: tzinfo) -> tuple[list[ProfileConfig], dict[str, str]]:
    """Bring every enabled profile's slot up to `now`; the profiles that came due, and the problems found."""
    came_due: list[ProfileConfig] = []
    problems: dict[str, str] = {}
    for profile in profiles:
        if not profile.schedule.enabled:
            continue
        try:
            slot, is_due = due.plan(profile.schedule, now, tz, tx.slot(profile.stored_id))
        except ConfigError as exc:
            problems[profile.name] = str(exc)
            key = (profile.stored_id, str(profile.schedule))
            if key not in _reported:
                _reported.add(key)
                log.error("The schedule of profile %r cannot run: %s", profile.name, exc,
                          extra={"profile_id": profile.id})
            continue
        tx.put_slot(profile.stored_id, slot)
        if is_due:
            came_due.append(profile)
    return came_due, problems


def tick(store: Store, profiles: list[ProfileConfig], defer: Callable[[str, datetime], int | None], now: datetime,
         tz: tzinfo) -> list[str]:
    """Start the profiles due at `now` (unless paused) through `defer(profile, now)`; their names."""
    with service_state.locked(store) as tx:
        paused = tx.paused()
        came_due, _problems = _plan_all(tx, profiles, now, tz)
    if paused:
        if came_due:
            log.info("Schedule paused: scheduled runs of %s skipped", ", ".join(repr(p.name) for p in came_due))
        return []
    started = []
    for profile in came_due:
        job_id = defer(profile.name, now)
        log.info("Scheduled run of profile %r due%s", profile.name,
                 f" (job {job_id})" if job_id is not None else "; one already waits to start",
                 extra={"profile_id": profile.id})
        started.append(profile.name)
    return started


def defer_schedule(client: Any) -> Callable[[str, datetime], int | None]:
    """The deferrer `tick` uses: one run_schedule job per profile under its queueing lock."""
    from procrastinate.exceptions import AlreadyEnqueued

    def defer(profile: str, now: datetime) -> int | None:
        try:
            return int(client.configure_task(jobs.SCHEDULE_TASK, queueing_lock=f"schedule:{profile}")
                       .defer(timestamp=int(now.timestamp()), profile=profile))
        except AlreadyEnqueued:
            return None

    return defer


def view(store: Store, profiles: list[ProfileConfig], now: datetime, tz: tzinfo) -> ScheduleView:
    """The schedule as the service last planned it (at its last tick or reload)."""
    with service_state.locked(store) as tx:
        paused = tx.paused()
        slots = tx.slots()
        problems = _problems(profiles, tz, now)
    entries = []
    for profile in profiles:
        slot = slots.get(profile.stored_id)
        on = profile.schedule.enabled and profile.name not in problems
        entries.append(ScheduledProfile(profile.name, profile.schedule.enabled,
                                        slot.next_run if on and slot is not None and not paused else None,
                                        problems.get(profile.name)))
    return ScheduleView(paused, tuple(entries))


def reload(store: Store, profiles: list[ProfileConfig], now: datetime, tz: tzinfo) -> list[str]:
    """Plan the schedules saved since the last look, at once; nothing is started (a slot that came due is left
    for the tick). The names of the profiles planned anew."""
    planned = []
    with service_state.locked(store) as tx:
        for profile in profiles:
            if not profile.schedule.enabled:
                continue
            kept = tx.slot(profile.stored_id)
            try:
                slot, _due = due.plan(profile.schedule, now, tz, kept)
            except ConfigError:
                continue
            if kept is None or kept.signature != slot.signature:
                tx.put_slot(profile.stored_id, slot)
                planned.append(profile.name)
    return planned


def _problems(profiles: list[ProfileConfig], tz: tzinfo, now: datetime) -> dict[str, str]:
    found = {}
    for profile in profiles:
        if profile.schedule.enabled:
            try:
                due.first_anchor(profile.schedule, now, tz)
                due.next_after(profile.schedule, now, tz)
            except ConfigError as exc:
                found[profile.name] = str(exc)
    return found
