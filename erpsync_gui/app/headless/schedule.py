"""The schedule in service mode: each profile's schedule is one of procrastinate's periodic tasks.

Every process that runs workers registers them; the queue defers each slot once, whichever process gets there
first. A slot's job queues the profile's entities (see tasks.run_schedule). Cron slots are read in UTC; the
sync window is checked in the server's own time when a slot comes due. A maintenance task every five minutes
clears finished jobs older than three days, and also makes the deferrer look at the schedules again soon after
they change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from erpsync_gui.app.headless import jobs
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig, Schedule

log = logging.getLogger("erpsync.service")

MAINTENANCE_CRON = "*/5 * * * *"


def cron_of(schedule: Schedule) -> str:
    """The schedule as a five-field cron expression: its own, or its interval in whole hours."""
    if schedule.cron and schedule.cron.strip():
        return schedule.cron.strip()
    hours = schedule.interval_hours
    if hours is None or hours <= 0:
        raise ConfigError("The schedule needs an interval in hours or a custom cron expression")
    whole = round(hours)
    if whole < 1 or whole != hours or (whole < 24 and 24 % whole) or (whole >= 24 and whole != 24):
        raise ConfigError(f"an interval of {hours:g} h cannot run as a service schedule",
                          hint="choose 1, 2, 3, 4, 6, 8, 12 or 24 hours, or a cron expression")
    return "0 0 * * *" if whole == 24 else ("0 * * * *" if whole == 1 else f"0 */{whole} * * *")


def register_schedules(app: Any, profiles: Iterable[ProfileConfig]) -> dict[str, str]:
    """Bring the app's periodic tasks in line with the profiles' schedules; profile name -> cron registered."""
    registry = app.periodic_registry
    task = app.tasks[jobs.SCHEDULE_TASK]
    wanted: dict[str, str] = {}
    for profile in profiles:
        if not profile.schedule.enabled:
            continue
        try:
            wanted[profile.name] = cron_of(profile.schedule)
        except ConfigError as exc:
            log.error("The schedule of profile %r cannot run in the service: %s", profile.name, exc,
                      extra={"profile_id": profile.id})
    for key, periodic in list(registry.periodic_tasks.items()):
        if key[0] == task.name and wanted.get(key[1]) != periodic.cron:
            del registry.periodic_tasks[key]
    for name, cron in wanted.items():
        if (task.name, name) not in registry.periodic_tasks:
            registry.register_task(task=task, cron=cron, periodic_id=name,
                                   configure_kwargs={"task_kwargs": {"profile": name},
                                                     "queueing_lock": f"schedule:{name}"})
    if (jobs.MAINTENANCE_TASK, "") not in registry.periodic_tasks:
        registry.register_task(task=app.tasks[jobs.MAINTENANCE_TASK], cron=MAINTENANCE_CRON, periodic_id="",
                               configure_kwargs={"queueing_lock": "maintenance"})
    return wanted
