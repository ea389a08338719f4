"""Drives the tray under a real tray host (test_tray.py starts Xvfb and trayer and runs this with
QT_QPA_PLATFORM=xcb). Usage: tray_driver.py DATA_DIR. Prints one JSON object of findings and exits 0;
a finding that could not be made is reported, not raised, so the test shows what went wrong."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import keyring
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.scheduler import SyncScheduler
from erpsync_gui.app.service import SyncService
from erpsync_gui.profile import Schedule
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.ui.bridge import RunBridge
from erpsync_gui.ui.context import ProfileState, UiContext
from erpsync_gui.ui.tray import TrayController
from tests.memory_keyring import MemoryKeyring

DEADLINE_S = 60


def wait_for(app: QApplication, predicate, what: str) -> bool:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            print(f"timed out waiting for {what}", file=sys.stderr)
            return False
        app.processEvents()
        time.sleep(0.01)
    return True


def balloon_shown(app: QApplication) -> bool:
    """Qt's own notification balloon (what an XEmbed tray without a notification service shows)."""
    return any(w.metaObject().className() == "QBalloonTip" and w.isVisible() for w in app.topLevelWidgets())


def main(data_dir: Path) -> dict:
    keyring.set_keyring(MemoryKeyring())
    app = QApplication(sys.argv)
    found: dict = {"tray_available": wait_for(app, QSystemTrayIcon.isSystemTrayAvailable, "the tray host")}
    store = open_store(data_dir=data_dir)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), data_dir, time_gate_s=0)
    profile = setup_demo(store, service.secrets, data_dir)
    repo = ConfigRepo(store)
    repo.save_profile(dataclasses.replace(profile, schedule=Schedule(enabled=True, interval_hours=4,
                                                                      entities=("clients",))))
    runs = RunManager(service)
    bridge = RunBridge(runs)
    ctx = UiContext(service, runs, bridge, ProfileState(profile.name), data_dir)
    scheduler = SyncScheduler(service, runs, store)
    scheduler.start()
    window = QWidget()
    tray = TrayController(ctx, window, scheduler)
    states: list[str] = []
    tray.state_changed.connect(states.append)
    finished: list[tuple[str, str]] = []
    bridge.run_finished.connect(lambda _p, entity, result: finished.append((entity, result.status)))
    started: list[tuple[str, str]] = []
    bridge.run_started.connect(lambda _p, entity, trigger: started.append((entity, trigger)))
    try:
        found["icon_visible"] = wait_for(app, tray.icon.isVisible, "the tray icon")
        found["menu"] = tray.menu_texts()
        found["sync_entries"] = [a.text() for a in tray.sync_actions()]

        # Sync now > Clients from the tray menu
        next(a for a in tray.sync_actions() if a.data() == "clients").trigger()
        wait_for(app, lambda: finished, "the run started from the menu")
        found["menu_run"] = {"started": started[:1], "finished": finished[:1], "states": list(states)}

        # the scheduled job fires: made due now, it goes through the job store and the executor
        started.clear()
        finished.clear()
        found["trigger_now"] = scheduler.trigger_now(profile.name)
        wait_for(app, lambda: finished, "the scheduled run")
        found["scheduled_run"] = {"started": started[:1], "finished": finished[:1], "state": tray.state}

        # a scheduled run that fails shows a notification and the error icon
        current = repo.get_profile(profile.name)
        repo.save_profile(dataclasses.replace(current, erp=dataclasses.replace(
            current.erp, url="http://127.0.0.1:9/", retries=0)))
        finished.clear()
        scheduler.trigger_now(profile.name)
        wait_for(app, lambda: tray.notifications, "the failure notification")
        wait_for(app, lambda: balloon_shown(app), "the notification balloon")
        found["failure"] = {"finished": finished[:1], "notifications": tray.notifications[:1],
                            "state": tray.state, "balloon": balloon_shown(app)}

        # the close-to-tray notice: once, remembered across restarts
        first, again = tray.notify_hidden_once(), tray.notify_hidden_once()
        tray.close()
        later = TrayController(ctx, window, scheduler)
        found["hidden_notice"] = [first, again, later.notify_hidden_once()]
        later.close()

        # Pause / Resume from the menu
        tray = TrayController(ctx, window, scheduler)
        tray.pause_action.trigger()
        wait_for(app, lambda: tray.pause_action.text() == "Resume schedule", "the paused menu entry")
        found["paused"] = [scheduler.paused, tray.pause_action.text()]
        tray.pause_action.trigger()
        wait_for(app, lambda: tray.pause_action.text() == "Pause schedule", "the resumed menu entry")
        found["resumed"] = [scheduler.paused, tray.pause_action.text()]
        tray.close()
    finally:
        scheduler.shutdown()
        runs.shutdown()
        service.close()
        store.close()
    return found


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))), flush=True)
    sys.stderr.flush()
    # as erpsync-gui does: the interpreter's final collection can crash in the Qt bindings after the work is done
    os._exit(0)
