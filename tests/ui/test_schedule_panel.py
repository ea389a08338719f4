"""The Sync page's Schedule panel against the real scheduler (APScheduler with its job store in the state
database): a saved schedule lands in the database and the scheduler, a bad cron line is refused inline,
Pause/Resume follows the scheduler, and start at login writes the XDG autostart entry."""

from __future__ import annotations

import dataclasses

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
