"""When a schedule is due in service mode, worked out from its last slot with the clock given: every interval
the tray app accepts runs, 5 h included, and slots missed while the service was down come due once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from erpsync_gui.app.headless.due import Slot, plan
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import Schedule

T0 = datetime(2026, 3, 2, 9, 17, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def _run(schedule: Schedule, moments: list[datetime], tz=UTC) -> tuple[list[datetime], Slot]:
    """Tick at each moment; the moments that came due, and the slot after the last."""
    slot: Slot | None = None
    fired = []
    for moment in moments:
        slot, is_due = plan(schedule, moment, tz, slot)
        if is_due:
            fired.append(moment)
    assert slot is not None
    return fired, slot


def test_a_five_hour_interval_comes_due_every_five_hours_from_when_it_was_first_seen():
    five = Schedule(enabled=True, interval_hours=5)
    minutes = [T0 + timedelta(minutes=m) for m in range(0, 16 * 60)]
    fired, slot = _run(five, minutes)
    assert fired == [T0 + timedelta(hours=5), T0 + timedelta(hours=10), T0 + timedelta(hours=15)]
    assert slot.next_run == T0 + timedelta(hours=20)


@pytest.mark.parametrize("hours", [5 / 60, 0.25, 0.5, 1, 5, 7, 24])
def test_every_interval_the_tray_offers_is_accepted(hours):
    first, _ = plan(Schedule(enabled=True, interval_hours=hours), T0, UTC, None)
    assert first.next_run == T0 + timedelta(hours=hours)


def test_slots_missed_while_the_service_was_down_come_due_once_and_keep_their_rhythm():
    five = Schedule(enabled=True, interval_hours=5)
    fired, slot = _run(five, [T0, T0 + timedelta(hours=17, minutes=3), T0 + timedelta(hours=17, minutes=4)])
    assert fired == [T0 + timedelta(hours=17, minutes=3)]
    assert (slot.anchor, slot.next_run) == (T0 + timedelta(hours=15), T0 + timedelta(hours=20))


def test_a_changed_interval_counts_from_the_change():
    slot, _ = plan(Schedule(enabled=True, interval_hours=4), T0, UTC, None)
    later = T0 + timedelta(hours=1)
    changed, is_due = plan(Schedule(enabled=True, interval_hours=1), later, UTC, slot)
    assert not is_due and changed.next_run == later + timedelta(hours=1)


def test_an_interval_with_a_window_counts_from_the_window_opening():
    night = Schedule(enabled=True, interval_hours=5, window="19:00-07:00")
    evening = datetime(2026, 3, 2, 21, 10, tzinfo=BERLIN)
    slot, _ = plan(night, evening, BERLIN, None)
    assert slot.next_run == datetime(2026, 3, 3, 0, 0, tzinfo=BERLIN)


def test_a_cron_schedule_is_read_in_the_servers_zone():
    weekdays = Schedule(enabled=True, cron="15 2 * * mon-fri")
    slot, _ = plan(weekdays, datetime(2026, 3, 6, 12, 0, tzinfo=BERLIN), BERLIN, None)  # a Friday
    assert slot.next_run == datetime(2026, 3, 9, 2, 15, tzinfo=BERLIN)
    fired, after = _run(weekdays, [datetime(2026, 3, 6, 12, 0, tzinfo=BERLIN),
                                   datetime(2026, 3, 9, 2, 15, tzinfo=BERLIN),
                                   datetime(2026, 3, 9, 2, 16, tzinfo=BERLIN)], BERLIN)
    assert fired == [datetime(2026, 3, 9, 2, 15, tzinfo=BERLIN)]
    assert after.next_run == datetime(2026, 3, 10, 2, 15, tzinfo=BERLIN)


def test_a_schedule_that_cannot_run_says_why():
    with pytest.raises(ConfigError, match="cron"):
        plan(Schedule(enabled=True, cron="not a cron"), T0, UTC, None)
    with pytest.raises(ConfigError, match="interval"):
        plan(Schedule(enabled=True, interval_hours=0), T0, UTC, None)
