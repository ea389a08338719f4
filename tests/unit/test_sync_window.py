"""The sync window and trigger calculations, at chosen instants (no clock involved)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from erpsync_gui.app.sync_window import SyncWindow, build_trigger, place_run, schedule_signature
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import Schedule

TZ = ZoneInfo("Europe/Bucharest")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 2026-03-02 (day 2 = Monday ... day 8 = Sunday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


def test_overnight_window_belongs_to_the_day_it_opens():
    window = SyncWindow.parse("19:00-07:00", ("mon", "tue", "wed", "thu", "fri"))
    assert window.length == timedelta(hours=12)
    assert window.contains(at(2, 19))  # Monday evening
    assert window.contains(at(3, 6, 59))  # Tuesday early: Monday's window
    assert not window.contains(at(3, 7))  # closing is exclusive
    assert not window.contains(at(3, 12))
    assert window.contains(at(7, 3))  # Saturday 03:00: Friday's window still open
    assert not window.contains(at(7, 20))  # Saturday's window does not open
    assert not window.contains(at(9, 2))  # nor Sunday's, so Monday 02:00 is outside
    assert window.next_opening(at(7, 10)) == at(9, 19)  # from Saturday: Monday evening


def test_window_forms_and_mistakes():
    assert SyncWindow.parse(None) is None
    assert SyncWindow.parse("") is None
    assert SyncWindow.parse("8-17").start == time(8, 0)
    weekend = SyncWindow.parse(None, ("Saturday", "sun"))
    assert weekend.contains(at(7, 12)) and not weekend.contains(at(6, 12))
    with pytest.raises(ConfigError, match="not understood"):
        SyncWindow.parse("evenings")
    with pytest.raises(ConfigError, match="impossible time"):
        SyncWindow.parse("25:00-07:00")
    with pytest.raises(ConfigError, match="Unknown day"):
        SyncWindow.parse("19:00-07:00", ("moonday",))


def test_a_run_inside_the_window_goes_ahead():
    trigger = IntervalTrigger(hours=4, start_date=at(2, 19), timezone=TZ)
    placement = place_run(at(2, 23), trigger, SyncWindow.parse("19:00-07:00"))
    assert placement.action == "run"
    assert place_run(at(2, 12), trigger, None).action == "run"


def test_a_run_outside_the_window_is_skipped_when_a_regular_slot_falls_inside_it():
    trigger = IntervalTrigger(hours=4, start_date=at(2, 19), timezone=TZ)
    placement = place_run(at(3, 15), trigger, SyncWindow.parse("19:00-07:00"))
    assert placement.action == "skip"
    assert placement.when == at(3, 19)
    assert "outside the sync window" in placement.reason


def test_a_run_outside_the_window_is_moved_to_its_opening_when_no_slot_falls_inside():
    trigger = IntervalTrigger(hours=24, start_date=at(2, 12), timezone=TZ)
    placement = place_run(at(3, 12), trigger, SyncWindow.parse("19:00-07:00"))
    assert placement.action == "defer"
    assert placement.when == at(3, 19)
    assert "moved to the window's opening" in placement.reason


def test_cron_schedule_and_window_days():
    trigger = CronTrigger.from_crontab("0 12 * * *", timezone=TZ)  # noon, every day
    window = SyncWindow.parse("19:00-23:00", ("fri",))
    placement = place_run(at(3, 12), trigger, window)  # Tuesday noon
    assert (placement.action, placement.when) == ("defer", at(6, 19))


def test_interval_is_anchored_to_the_window_opening():
    schedule = Schedule(enabled=True, interval_hours=4, window="19:00-07:00")
    trigger = build_trigger(schedule, TZ, at(3, 10, 17))
    assert trigger.get_next_fire_time(None, at(3, 10, 17)) == at(3, 11)  # 19, 23, 3, 7, 11, ...
    free = build_trigger(Schedule(enabled=True, interval_hours=2), TZ, at(3, 10, 17))
    assert free.get_next_fire_time(None, at(3, 10, 17)) == at(3, 12, 17)


def test_invalid_schedules_say_what_is_wrong():
    with pytest.raises(ConfigError, match="not a valid cron"):
        build_trigger(Schedule(enabled=True, cron="every day"), TZ, at(2, 0))
    with pytest.raises(ConfigError, match="interval in hours"):
        build_trigger(Schedule(enabled=True, interval_hours=None), TZ, at(2, 0))
    cron = build_trigger(Schedule(enabled=True, cron="30 2 * * mon-fri"), TZ, at(2, 0))
    assert cron.get_next_fire_time(None, at(7, 0)) == at(9, 2, 30)


def test_signature_follows_the_timing_only():
    base = Schedule(enabled=True, interval_hours=4, entities=("clients",))
    assert schedule_signature(base) == schedule_signature(Schedule(enabled=True, interval_hours=4))
    assert schedule_signature(base) != schedule_signature(Schedule(enabled=True, interval_hours=2))
    assert schedule_signature(base) != schedule_signature(Schedule(enabled=True, interval_hours=4, window="1-5"))
