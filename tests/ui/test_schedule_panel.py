"""The Sync page's Schedule panel against the real scheduler (APScheduler with its job store in the state
database): a saved schedule lands in the database and the scheduler, minute presets and the next five run
times, a bad cron line is refused inline, Pause/Resume follows the scheduler, the entities caption says what
is covered, and start at login writes the XDG autostart entry."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from itertools import pairwise

import pytest
from PySide6.QtCore import Qt, QTime

from erpsync_gui.app.scheduler import SyncScheduler
from erpsync_gui.app.sync_window import SyncWindow
from erpsync_gui.profile import Schedule
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.ui.pages.schedule_panel import SchedulePanel, next_run_text
from erpsync_gui.ui.pages.sync import SyncPage
from tests.ui._helpers import settle

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.fixture
def scheduler(ui_ctx, tmp_path):
    sched = SyncScheduler(ui_ctx.service, ui_ctx.runs, ui_ctx.store, state_dir=tmp_path)
    sched.start()
    ui_ctx.scheduler = sched
    yield sched
    sched.shutdown()


@pytest.fixture
def panel(qtbot, ui_ctx, scheduler) -> SchedulePanel:
    page = SyncPage(ui_ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    settle(qtbot)
    assert page.schedule.profile is not None and page.schedule.profile.name == "demo"
    return page.schedule


def _check_only(panel: SchedulePanel, entity: str) -> None:
    offered = []
    for row in range(panel.entities.count()):
        item = panel.entities.item(row)
        offered.append(item.data(Qt.ItemDataRole.UserRole))
        item.setCheckState(Qt.CheckState.Checked if offered[-1] == entity else Qt.CheckState.Unchecked)
    assert entity in offered


def test_a_saved_schedule_reaches_the_database_and_the_scheduler(qtbot, panel, ui_ctx, scheduler):
    assert not panel.enabled.isChecked() and not panel.save_button.isEnabled()
    assert panel.next_run.text() == "Next run: not scheduled"
    panel.enabled.click()
    panel.interval.setCurrentIndex(panel.interval.findData(12))
    panel.window_on.click()
    panel.window_from.setTime(QTime(19, 0))
    panel.window_to.setTime(QTime(7, 0))
    for day in WEEKDAYS:
        panel.days[day].setChecked(True)
    _check_only(panel, "clients")
    assert panel.save_button.isEnabled()

    with qtbot.waitSignal(panel.saved, timeout=10_000):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)

    stored = ConfigRepo(ui_ctx.store).get_profile("demo").schedule
    assert stored == Schedule(enabled=True, interval_hours=12, cron=None, window="19:00-07:00",
                              window_days=WEEKDAYS, entities=("clients",))
    assert [job.id for job in scheduler.jobs()] == ["sync:demo"]
    moment = scheduler.next_run("demo")
    assert moment is not None
    assert SyncWindow.parse("19:00-07:00", WEEKDAYS).contains(moment.astimezone())
    assert moment.astimezone().weekday() < 5 and moment.astimezone().strftime("%H:%M") == "19:00"
    assert panel.next_run.text() == next_run_text(moment, paused=False, enabled=True)
    assert not panel.save_button.isEnabled() and not panel.is_dirty()


def test_a_bad_cron_line_is_marked_and_cannot_be_saved(qtbot, panel, ui_ctx):
    panel.enabled.setChecked(True)
    panel.interval.setCurrentIndex(panel.interval.findData("cron"))
    assert not panel.cron.isHidden()
    qtbot.keyClicks(panel.cron, "61 * * * *")
    assert panel.cron.property("invalid") is True
    assert not panel.cron_error.isHidden() and "Not a valid cron line" in panel.cron_error.text()
    assert not panel.save_button.isEnabled()
    assert not panel.save()

    panel.cron.clear()
    qtbot.keyClicks(panel.cron, "0 */4 * * 1-5")
    assert panel.cron.property("invalid") is False and panel.cron_error.isHidden()
    assert panel.save_button.isEnabled()
    with qtbot.waitSignal(panel.saved, timeout=10_000):
        panel.save()
    stored = ConfigRepo(ui_ctx.store).get_profile("demo").schedule
    assert stored.cron == "0 */4 * * 1-5" and stored.interval_hours is None


def test_pause_and_resume_follow_the_scheduler(qtbot, panel, scheduler):
    scheduler.apply_profile(dataclasses.replace(panel.profile, schedule=Schedule(enabled=True, interval_hours=4)))
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.pause_button.text() == "Resume schedule", timeout=10_000)
    assert scheduler.paused and panel.next_run.text() == "Next run: schedule paused"
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.pause_button.text() == "Pause schedule", timeout=10_000)
    assert not scheduler.paused


def test_start_at_login_writes_and_removes_the_autostart_entry(qtbot, panel, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    entry = tmp_path / "config" / "autostart" / "erpsync.desktop"
    panel.refresh_autostart()
    assert not panel.autostart.isChecked()
    panel.autostart.click()
    assert entry.is_file() and panel.autostart.isChecked()
    text = entry.read_text(encoding="utf-8")
    assert "[Desktop Entry]" in text and "erpsync_gui" in text
    panel.autostart.click()
    assert not entry.exists() and not panel.autostart.isChecked()


def test_minute_presets_are_saved_and_the_next_five_runs_listed(qtbot, panel, ui_ctx, scheduler):
    offered = [panel.interval.itemText(i) for i in range(panel.interval.count())]
    assert offered[:3] == ["Every 5 minutes", "Every 15 minutes", "Every 30 minutes"]
    assert "Every 1 hour" in offered and "Every 4 hours" in offered
    assert not panel.next_slots.isVisible()  # the schedule is off: no run times to list
    qtbot.mouseClick(panel.enabled, Qt.MouseButton.LeftButton)
    panel.interval.setCurrentIndex(panel.interval.findText("Every 15 minutes"))
    slots = panel.upcoming()
    assert len(slots) == 5
    assert all((b - a).total_seconds() == 15 * 60 for a, b in pairwise(slots))
    assert panel.next_slots.isVisible() and panel.next_slots.text().startswith("Next runs: ")
    assert panel.next_slots.text().count(",") == 4

    with qtbot.waitSignal(panel.saved, timeout=10_000):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    stored = ConfigRepo(ui_ctx.store).get_profile("demo").schedule
    assert stored.interval_hours == pytest.approx(0.25)
    moment = scheduler.next_run("demo")
    assert moment is not None and 0 < (moment - datetime.now(moment.tzinfo)).total_seconds() <= 15 * 60
    # saved, the list starts at the scheduler's own next run
    assert panel.upcoming()[0] == moment
    panel.load(ConfigRepo(ui_ctx.store).get_profile("demo"))
    assert panel.interval.currentText() == "Every 15 minutes"


def test_the_window_moves_the_listed_runs_into_it(qtbot, panel):
    qtbot.mouseClick(panel.enabled, Qt.MouseButton.LeftButton)
    panel.interval.setCurrentIndex(panel.interval.findData(4))
    qtbot.mouseClick(panel.window_on, Qt.MouseButton.LeftButton)
    panel.window_from.setTime(QTime(19, 0))
    panel.window_to.setTime(QTime(7, 0))
    window = SyncWindow.parse("19:00-07:00")
    assert all(window.contains(slot.astimezone()) for slot in panel.upcoming())


def test_the_entities_caption_says_what_the_schedule_covers(qtbot, panel):
    count = panel.entities.count()
    assert count > 2
    for row in range(count):
        panel.entities.item(row).setCheckState(Qt.CheckState.Checked)
    assert panel.entities_caption.text() == "&Entities: all enabled"
    _check_only(panel, "clients")
    assert panel.entities_caption.text() == f"&Entities: 1 of {count}"
    for row in range(count):
        panel.entities.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert panel.entities_caption.text() == "&Entities: all enabled"
