"""The tray: its menu (a status line from the store, entity labels, Sync all, Cancel running sync) drives real
runs of the demo, a scheduled job fires and a scheduled failure is notified, the tooltip says what waits, and
Quit asks first while a sync runs. Offscreen (no tray host) in this process, and again under a real tray host
(Xvfb + trayer) in a subprocess, which is skipped when those programs are missing - except on CI, where it
must run."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from erpsync_gui.app.demo import DEMO_ENTITIES
from erpsync_gui.app.scheduler import SyncScheduler
from erpsync_gui.entities import label
from erpsync_gui.profile import Schedule
from erpsync_gui.records import Direction
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.ui.tray import TrayController
from tests.ui._helpers import answering, change_entity, crm_database

RUN_TIMEOUT_MS = 60_000
MENU = ["Open", "Sync now", "Sync all", "Cancel running sync", "Pause schedule", "Start at login", "Quit"]
_REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scheduler(ui_ctx):
    profile = ui_ctx.service.profile("demo")
    ConfigRepo(ui_ctx.store).save_profile(dataclasses.replace(
        profile, schedule=Schedule(enabled=True, interval_hours=4, entities=("clients",))))
    sched = SyncScheduler(ui_ctx.service, ui_ctx.runs, ui_ctx.store)
    sched.start()
    ui_ctx.scheduler = sched
    yield sched
    sched.shutdown()


@pytest.fixture
def tray(qtbot, ui_ctx, scheduler):
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    qtbot.addWidget(window)
    controller = TrayController(ui_ctx, window, scheduler)
    yield controller
    controller.close()


def test_without_a_tray_host_it_says_so_and_still_offers_its_menu(qtbot, tray, ui_ctx):
    assert not tray.available  # offscreen has no tray: the window's close must quit instead
    qtbot.waitUntil(lambda: tray.menu_texts()[0] == "Nothing waits · no run yet", timeout=RUN_TIMEOUT_MS)
    assert tray.menu_texts()[1:] == MENU
    assert not tray.status_action.isEnabled()  # a line to read, not a command
    enabled = [cfg.entity for cfg in ui_ctx.service.profile("demo").entities if cfg.enabled]
    assert [a.text() for a in tray.sync_actions()] == [label(e) for e in enabled]
    assert "Product groups" in [a.text() for a in tray.sync_actions()]
    assert not tray.notify_hidden_once()


def test_the_status_line_says_what_waits_after_a_run_that_ended_well(qtbot, tray, ui_ctx):
    change_entity(ui_ctx, "clients", policy="manual")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'"))
    waiting = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT).counts["conflicts"]
    assert waiting > 1
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        next(a for a in tray.sync_actions() if a.data() == "leads").trigger()
    assert finished.args[2].status == "success"  # leads ended well; the clients' conflicts still wait
    line = f"{waiting} conflicts wait · last run "
    qtbot.waitUntil(lambda: tray.menu_texts()[0].startswith(line), timeout=RUN_TIMEOUT_MS)
    assert tray.menu_texts()[0].endswith(" success")
    tooltip = tray.icon.toolTip()
    assert line in tooltip and "Idle" not in tooltip


def test_sync_all_and_cancel_from_the_menu(qtbot, tray, ui_ctx):
    change_entity(ui_ctx, "clients", batch_size=5)
    erp = ui_ctx.service.sandbox.start()
    erp.faults.configure(latency_ms=40)
    assert not tray.cancel_action.isEnabled()
    with qtbot.waitSignal(ui_ctx.bridge.run_progressed, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda e: e.entity == "clients" and e.processed > 0):
        tray.sync_all_action.trigger()
    assert tray.cancel_action.isEnabled() and ui_ctx.sync_all.running
    assert "Syncing Clients…" in tray.icon.toolTip()
    with qtbot.waitSignal(ui_ctx.sync_all.finished, timeout=RUN_TIMEOUT_MS) as done:
        tray.cancel_action.trigger()
    erp.faults.clear()
    outcomes = done.args[1]
    # what ran before the clients (currencies, units, warehouses, client groups) had finished; the clients and
    # all after them stopped
    assert outcomes["clients"] == "cancelled" and set(outcomes.values()) <= {"success", "cancelled"}
    before = set(DEMO_ENTITIES[:DEMO_ENTITIES.index("clients")])
    assert {name for name, status in outcomes.items() if status == "success"} <= before
    qtbot.waitUntil(lambda: not tray.cancel_action.isEnabled(), timeout=RUN_TIMEOUT_MS)


def test_quit_during_a_sync_asks_first(qtbot, tray, ui_ctx):
    change_entity(ui_ctx, "clients", batch_size=5)
    erp = ui_ctx.service.sandbox.start()
    erp.faults.configure(latency_ms=40)
    quits: list[bool] = []
    tray.quit_requested.connect(lambda: quits.append(True))
    with qtbot.waitSignal(ui_ctx.bridge.run_progressed, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda e: e.processed > 0):
        next(a for a in tray.sync_actions() if a.data() == "clients").trigger()
    with answering("Keep running") as asked:
        tray.quit_action.trigger()
    assert quits == [] and "finished are kept" in asked[0]
    with answering("Quit"):
        tray.quit_action.trigger()
    assert quits == [True]
    erp.faults.clear()
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS):
        tray.cancel_running()


def test_sync_now_in_the_menu_runs_the_entity(qtbot, tray, ui_ctx):
    states: list[str] = []
    tray.state_changed.connect(states.append)
    clients = next(a for a in tray.sync_actions() if a.text() == "Clients")
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        clients.trigger()
    profile, entity, result = finished.args
    assert (profile, entity, result.status) == ("demo", "clients", "success")
    qtbot.waitUntil(lambda: tray.state == "idle", timeout=RUN_TIMEOUT_MS)
    assert states == ["running", "idle"]


def test_a_scheduled_job_fires_and_runs_through_the_run_manager(qtbot, tray, ui_ctx, scheduler):
    with qtbot.waitSignal(ui_ctx.bridge.run_started, timeout=RUN_TIMEOUT_MS) as started, \
            qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        assert scheduler.trigger_now("demo")  # the stored job made due now: job store, executor, run_scheduled
    assert started.args == ["demo", "clients", "scheduled"]
    assert finished.args[2].status == "success"
    assert tray.notifications == []


def test_a_failed_scheduled_run_is_notified_and_shows_the_error_icon(qtbot, tray, ui_ctx, scheduler):
    profile = ui_ctx.service.profile("demo")
    broken = dataclasses.replace(profile.erp, url="http://127.0.0.1:9/", retries=0)
    ConfigRepo(ui_ctx.store).save_profile(dataclasses.replace(profile, erp=broken))
    scheduler.trigger_now("demo")
    qtbot.waitUntil(lambda: bool(tray.notifications), timeout=RUN_TIMEOUT_MS)
    title, message = tray.notifications[0]
    assert title == "Scheduled sync of Clients failed"
    assert "connection refused" in message
    assert tray.state == "error"
    assert "The last run failed" in tray.icon.toolTip()
    qtbot.waitUntil(lambda: tray.menu_texts()[0].startswith("Clients failed · last run "), timeout=RUN_TIMEOUT_MS)


def test_a_held_scheduled_run_is_notified_and_the_click_opens_its_review(qtbot, ui_ctx, scheduler):
    from erpsync_gui.ui.main_window import MainWindow
    from erpsync_gui.ui.pages.brake_dialog import BrakeDialog
    from erpsync_gui.ui.pages.sync import SyncPage

    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    tray = TrayController(ui_ctx, window, scheduler)
    change_entity(ui_ctx, "clients", brake_percent=5.0, brake_min=0)
    assert ui_ctx.service.sync("clients", profile_name="demo").status in ("success", "partial")  # first: not held
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Everywhere'"))
    window.show_page_named("dashboard")

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        assert scheduler.trigger_now("demo")
    assert finished.args[2].held
    qtbot.waitUntil(lambda: bool(tray.notifications), timeout=RUN_TIMEOUT_MS)
    title, message = tray.notifications[-1]
    assert title == "Scheduled sync of Clients is held for review"
    assert message.startswith("This run would change ") and message.endswith("Click to review it on the Sync page.")
    assert tray.state != "error"  # held is not a failure: it waits for a person

    tray.icon.messageClicked.emit()  # what the desktop sends when the notification is clicked
    page = window.current_page()
    assert isinstance(page, SyncPage)
    assert isinstance(page.preview_dialog, BrakeDialog) and page.preview_dialog.isVisible()
    tray.close()


def test_pause_and_resume_from_the_menu(qtbot, tray, scheduler):
    tray.pause_action.trigger()
    qtbot.waitUntil(lambda: tray.pause_action.text() == "Resume schedule", timeout=10_000)
    assert scheduler.paused and scheduler.next_run("demo") is None
    assert "Schedule paused" in tray.icon.toolTip()
    tray.pause_action.trigger()
    qtbot.waitUntil(lambda: tray.pause_action.text() == "Pause schedule", timeout=10_000)
    assert not scheduler.paused and scheduler.next_run("demo") is not None


def test_start_at_login_in_the_menu_writes_the_autostart_entry(tray, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    entry = tmp_path / "config" / "autostart" / "erpsync.desktop"
    tray.menu.aboutToShow.emit()
    assert tray.autostart_action.isCheckable() and not tray.autostart_action.isChecked()
    tray.autostart_action.trigger()
    assert entry.is_file() and "Exec=" in entry.read_text(encoding="utf-8")
    assert tray.autostart_action.isChecked()
    tray.autostart_action.trigger()
    assert not entry.exists() and not tray.autostart_action.isChecked()


def test_quit_in_the_menu_asks_the_app_to_quit(qtbot, tray):
    with qtbot.waitSignal(tray.quit_requested, timeout=1000):
        tray.quit_action.trigger()


# -- under a real tray host ----------------------------------------------------------------------


def _missing_tray_host() -> list[str]:
    return [tool for tool in ("Xvfb", "trayer") if shutil.which(tool) is None]


def _start_display() -> tuple[subprocess.Popen, str]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel runs never collide."""
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    number = xvfb.stdout.readline().strip()  # written once the server accepts clients
    if not number.isdigit():
        xvfb.kill()
        raise RuntimeError("Xvfb did not start")
    return xvfb, f":{number}"


def test_under_a_real_tray_host(tmp_path):
    missing = _missing_tray_host()
    if missing:
        reason = f"{' and '.join(missing)} not installed (Debian: apt-get install xvfb trayer)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the tray test must run on CI: {reason}", pytrace=False)
        pytest.skip(reason)
    xvfb, display = _start_display()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(_REPO_ROOT)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # the XEmbed tray of trayer, not a desktop's D-Bus tray
    trayer = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                               "--height", "32", "--SetDockType", "true", "--transparent", "false"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("tray_driver.py")),
                               str(tmp_path / "data")], env=env, cwd=_REPO_ROOT, capture_output=True,
                              text=True, timeout=180, check=False)
    finally:
        for process in (trayer, xvfb):
            process.terminate()
            process.wait(timeout=10)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["tray_available"] and found["icon_visible"], done.stderr[-3000:]
    assert found["menu"][1:] == MENU
    assert "Clients" in found["sync_entries"]
    assert found["menu_run"]["started"] == [["clients", "manual"]]
    assert found["menu_run"]["finished"] == [["clients", "success"]]
    assert found["menu_run"]["states"][:2] == ["running", "idle"]
    assert found["trigger_now"]
    assert found["scheduled_run"]["started"] == [["clients", "scheduled"]]
    assert found["scheduled_run"]["finished"] == [["clients", "success"]]
    assert found["failure"]["finished"] == [["clients", "failed"]]
    assert found["failure"]["notifications"][0][0] == "Scheduled sync of Clients failed"
    assert found["failure"]["state"] == "error"
    assert found["failure"]["balloon"], "no notification balloon appeared"
    assert found["hidden_notice"] == [True, False, False]
    assert found["paused"] == [True, "Resume schedule"]
    assert found["resumed"] == [False, "Pause schedule"]
