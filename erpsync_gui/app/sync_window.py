"""When scheduled runs may happen: the profile's trigger (interval or cron) and its optional sync window.

Pure calculations over APScheduler triggers and aware datetimes, no clock of their own, so the scheduler's
window decisions can be tested at any instant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import Schedule

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")
#: how far ahead a search for the next slot inside a window goes before giving up
_SEARCH_DAYS = 8
_SEARCH_STEPS = 5000


def _clock_time(hours: str, minutes: str | None, text: str) -> time:
    h, m = int(hours), int(minutes or 0)
    if h > 23 or m > 59:
        raise ConfigError(f"Sync window {text!r} has an impossible time", hint="use 24-hour times like 19:00-07:00")
    return time(h, m)


@dataclass(frozen=True)
class SyncWindow:
    """Daily hours in which scheduled runs may start; `days` are weekday numbers (0 = Monday) on which a
    window opens (an overnight window belongs to the day it opens). Empty `days` means every day."""

    start: time
    end: time
    days: frozenset[int] = frozenset()

    @classmethod
    def parse(cls, text: str | None, days: Sequence[str] = ()) -> SyncWindow | None:
        """The window of a schedule, or None for "any time"; ConfigError with the accepted forms otherwise."""
        day_numbers = frozenset(_day_number(day) for day in days)
        if not text or not text.strip():
            if day_numbers and len(day_numbers) < 7:
                return cls(time(0, 0), time(0, 0), day_numbers)  # whole days, only on those days
            return None
        match = _WINDOW.match(text)
        if match is None:
            raise ConfigError(f"Sync window {text!r} is not understood",
                              hint="write it as HH:MM-HH:MM, e.g. 19:00-07:00")
        start = _clock_time(match.group(1), match.group(2), text)
        end = _clock_time(match.group(3), match.group(4), text)
        return cls(start, end, day_numbers)

    @property
    def length(self) -> timedelta:
        """From opening to closing; equal start and end mean a whole day."""
        minutes = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return timedelta(minutes=minutes % (24 * 60) or 24 * 60)

    def _opens_on(self, day: datetime) -> bool:
        return not self.days or day.weekday() in self.days

    def _opening(self, moment: datetime, day_offset: int) -> datetime:
        day = moment.date() + timedelta(days=day_offset)
        return datetime.combine(day, self.start, tzinfo=moment.tzinfo)

    def occurrence(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The (opening, closing) of the window that contains `moment`, or None when it is outside."""
        for offset in (0, -1):  # opened today, or yesterday and still open (overnight)
            opening = self._opening(moment, offset)
            if self._opens_on(opening) and opening <= moment < opening + self.length:
                return opening, opening + self.length
        return None

    def contains(self, moment: datetime) -> bool:
        return self.occurrence(moment) is not None

    def next_opening(self, moment: datetime) -> datetime:
        """The first opening after `moment`."""
        for offset in range(_SEARCH_DAYS + 1):
            opening = self._opening(moment, offset)
            if opening > moment and self._opens_on(opening):
                return opening
        raise ConfigError("The sync window never opens", hint="choose at least one day for it")

    def last_opening(self, moment: datetime) -> datetime:
        """The latest opening at or before `moment` (anchors interval schedules to the window)."""
        for offset in range(0, -_SEARCH_DAYS - 1, -1):
            opening = self._opening(moment, offset)
            if opening <= moment and self._opens_on(opening):
                return opening
        raise ConfigError("The sync window never opens", hint="choose at least one day for it")

    def describe(self) -> str:
        days = ", ".join(DAY_NAMES[d] for d in sorted(self.days)) if self.days else "every day"
        return f"{self.start:%H:%M}-{self.end:%H:%M} ({days})"


def _day_number(name: str) -> int:
    key = str(name).strip().lower()[:3]
    if key not in DAY_NAMES:
        raise ConfigError(f"Unknown day {name!r} in the sync window", hint=f"use {', '.join(DAY_NAMES)}")
    return DAY_NAMES.index(key)


def build_trigger(schedule: Schedule, tz: tzinfo, now: datetime) -> BaseTrigger:
    """The APScheduler trigger of a schedule: its cron string, else its interval. An interval is anchored
    to the window's opening (19:00, 23:00, ... for every 4 h from 19:00) or, without a window, to `now`."""
    if schedule.cron and schedule.cron.strip():
        try:
            return CronTrigger.from_crontab(schedule.cron.strip(), timezone=tz)
        except ValueError as exc:
            raise ConfigError(f"Custom schedule {schedule.cron!r} is not a valid cron expression: {exc}",
                              hint="five fields: minute hour day month weekday, e.g. '0 */4 * * *'") from None
    hours = schedule.interval_hours
    if hours is None or hours <= 0:
        raise ConfigError("The schedule needs an interval in hours or a custom cron expression",
                          hint="choose every 5, 15 or 30 minutes, or every 1 to 24 hours")
    interval = timedelta(hours=hours)
    window = SyncWindow.parse(schedule.window, schedule.window_days)
    local_now = now.astimezone(tz)
    anchor = window.last_opening(local_now) if window is not None else local_now + interval
    return IntervalTrigger(hours=hours, start_date=anchor, timezone=tz)


def interval_text(hours: float) -> str:
    """ "every 15 min", "every 4 h": an interval as people say it."""
    minutes = round(hours * 60)
    if minutes < 60 or minutes % 60:
        return f"every {minutes} min"
    return f"every {minutes // 60} h"


def schedule_signature(schedule: Schedule) -> str:
    """What the job's timing depends on: an unchanged signature keeps the stored job and its due time."""
    days = ",".join(schedule.window_days)
    return f"interval={schedule.interval_hours};cron={schedule.cron or ''};window={schedule.window or ''};days={days}"


def slots_after(trigger: BaseTrigger, moment: datetime, until: datetime) -> list[datetime]:
    """The trigger's fire times after `moment`, up to `until` (bounded)."""
    found: list[datetime] = []
    previous = moment
    for _ in range(_SEARCH_STEPS):
        nxt = trigger.get_next_fire_time(previous, previous)
        if nxt is None or nxt > until:
            break
        if nxt > moment:
            found.append(nxt)
        previous = nxt
    return found


@dataclass(frozen=True)
class Placement:
    """What to do with a run that is due now: run it, move it to `when`, or skip it for the slot at `when`."""

    action: Literal["run", "defer", "skip"]
    when: datetime
    reason: str


def place_run(moment: datetime, trigger: BaseTrigger, window: SyncWindow | None) -> Placement:
    """Inside the window (or without one) a run goes ahead. Outside, it is skipped when a regular slot of
    the schedule falls inside the window's next opening anyway, else moved to that opening."""
    if window is None or window.contains(moment):
        return Placement("run", moment, "")
    local = moment.astimezone(trigger.timezone) if getattr(trigger, "timezone", None) else moment
    opening = window.next_opening(local)
    closing = opening + window.length
    for slot in slots_after(trigger, local, closing):
        if slot >= opening and window.contains(slot):
            return Placement("skip", slot, f"outside the sync window {window.describe()}; "
                             f"the next scheduled run at {slot:%a %H:%M} is inside it")
    return Placement("defer", opening, f"outside the sync window {window.describe()}; "
                     f"moved to the window's opening at {opening:%a %H:%M}")


def next_slots(schedule: Schedule, tz: tzinfo, now: datetime, count: int = 5,
               first: datetime | None = None) -> list[datetime]:
    """The next `count` times a run of the schedule starts, with its window applied (a slot outside it moves to
    the window's opening, or is skipped when a slot inside comes anyway). `first`: the scheduler's own next
    run, which anchors an interval that was saved earlier."""
    interval = timedelta(hours=schedule.interval_hours or 0)
    anchor_now = first - interval if first is not None and not schedule.cron and interval else now
    trigger = build_trigger(schedule, tz, anchor_now)
    window = SyncWindow.parse(schedule.window, schedule.window_days)
    found: list[datetime] = []
    start = (first or now).astimezone(tz)
    slot = trigger.get_next_fire_time(None, start)
    for _ in range(_SEARCH_STEPS):
        if slot is None or len(found) >= count:
            break
        placement = place_run(slot, trigger, window)
        if placement.action != "skip" and (not found or placement.when > found[-1]):
            found.append(placement.when)
        slot = trigger.get_next_fire_time(slot, slot + timedelta(microseconds=1))
    return found
