"""When a profile's schedule is due in service mode, worked out from its anchor (the last slot it came due, or
when its schedule was last changed) rather than from a cron expression, so every interval the tray app accepts
(5 min, 5 h, 7 h, ...) runs in the service too. No database, no clock of its own: the caller gives `now`.

An interval counts from its anchor: from the moment the schedule was saved (the tray app's first run also comes
one interval after it), or, with a sync window, from the window's opening (19:00, 23:00, ... for every 4 h from
19:00). A custom cron expression is read in the server's time zone, as the tray app reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from erpsync_gui.app.sync_window import SyncWindow, schedule_signature
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import Schedule


@dataclass(frozen=True)
class Slot:
    """What the service keeps of one profile's schedule between ticks."""

    #: the schedule's timing when the anchor was set (a changed schedule is anchored anew)
    signature: str
    #: the last slot that came due, or when the schedule was first seen
    anchor: datetime
    #: when it comes due next (a derived value, kept so readers need not work it out)
    next_run: datetime


def _cron(schedule: Schedule, tz: tzinfo) -> CronTrigger | None:
    if not (schedule.cron and schedule.cron.strip()):
        return None
    try:
        return CronTrigger.from_crontab(schedule.cron.strip(), timezone=tz)
    except ValueError as exc:
        raise ConfigError(f"Custom schedule {schedule.cron!r} is not a valid cron expression: {exc}",
                          hint="five fields: minute hour day month weekday, e.g. '0 */4 * * *'") from None


def _interval(schedule: Schedule) -> timedelta:
    hours = schedule.interval_hours
    if hours is None or hours <= 0:
        raise ConfigError("The schedule needs an interval in hours or a custom cron expression",
                          hint="choose every 5, 15 or 30 minutes, or every 1 to 24 hours")
    return timedelta(hours=hours)


def next_after(schedule: Schedule, anchor: datetime, tz: tzinfo) -> datetime:
    """The first slot of the schedule after `anchor`."""
    cron = _cron(schedule, tz)
    if cron is not None:
        # cron slots fall on whole seconds: one second on is strictly after an anchor that is itself a slot
        found = cron.get_next_fire_time(None, anchor.astimezone(tz) + timedelta(seconds=1))
        if found is None:
            raise ConfigError(f"Custom schedule {schedule.cron!r} never comes due")
        return found
    return anchor + _interval(schedule)


def first_anchor(schedule: Schedule, now: datetime, tz: tzinfo) -> datetime:
    """The anchor of a schedule just seen or just changed: now, or with a window the window's last slot."""
    if _cron(schedule, tz) is not None:
        return now
    interval = _interval(schedule)
    window = SyncWindow.parse(schedule.window, schedule.window_days)
    if window is None:
        return now
    opening = window.last_opening(now.astimezone(tz))
    return opening + ((now - opening) // interval) * interval


def plan(schedule: Schedule, now: datetime, tz: tzinfo, kept: Slot | None) -> tuple[Slot, bool]:
    """The profile's slot after a tick at `now`, and whether it came due. Slots missed while the service was
    down come due once, not once each."""
    signature = schedule_signature(schedule)
    if kept is None or kept.signature != signature:
        anchor = first_anchor(schedule, now, tz)
        return Slot(signature, anchor, next_after(schedule, anchor, tz)), False
    due = next_after(schedule, kept.anchor, tz)
    if now < due:
        return Slot(signature, kept.anchor, due), False
    if _cron(schedule, tz) is not None:
        anchor = now
    else:
        interval = _interval(schedule)
        anchor = kept.anchor + ((now - kept.anchor) // interval) * interval
    return Slot(signature, anchor, next_after(schedule, anchor, tz)), True
