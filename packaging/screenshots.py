"""Screenshots of every page for the README: the app on the demo in a fresh data directory, under Xvfb.

    python packaging/screenshots.py [--out resources/screenshots] [--keep-data DIR]

Starts Xvfb (a display number it picks itself) unless --display is given, syncs every demo entity so the
pages have content, then selects each page in turn and saves <page>.png at 1280x800. Needs the Debian
packages xvfb and the xcb libraries listed in packaging/quickstart.sh (test mode).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZE = (1366, 768)
RUN_TIMEOUT_S = 120
SETTLE_TIMEOUT_S = 30


def start_xvfb(size: tuple[int, int] = SIZE) -> tuple[subprocess.Popen, str]:
    """Xvfb on a free display (-displayfd writes the number once it accepts clients)."""
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten",
                             "tcp"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    number = xvfb.stdout.readline().strip()
    if not number.isdigit():
        xvfb.kill()
        raise SystemExit("Xvfb did not start (Debian: apt-get install xvfb)")
    return xvfb, f":{number}"


def pump(app, seconds: float, until=None) -> bool:
    """Run the event loop until `until()` holds (or for `seconds` when no condition is given)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.01)
    return until is None


def shoot(out: Path, data_dir: Path) -> list[Path]:
    from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.scheduled_run import dependency_order
    from erpsync_gui.app.scheduler import SyncScheduler
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.profile import Schedule
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.config_repo import ConfigRepo
    from erpsync_gui.store.db import open_store
    from erpsync_gui.store.log_handler import StoreLogHandler
    from erpsync_gui.ui.app import make_application
    from erpsync_gui.ui.bridge import RunBridge
    from erpsync_gui.ui.context import ProfileState, UiContext
    from erpsync_gui.ui.main_window import PAGES, MainWindow
    from erpsync_gui.ui.widgets.worker import running_tasks

    app = make_application([sys.argv[0]])
    store = open_store(data_dir=data_dir)
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    service = SyncService(store, secrets, data_dir)
    handler = StoreLogHandler(store, secrets=secrets.known_secret_values, flush_interval=0.2)
    logger = logging.getLogger("erpsync")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    profile = setup_demo(store, secrets, data_dir)
    # one CRM client with a country the ERP refuses, so the Errors page shows what it is for
    with sqlite3.connect(data_dir / "demo" / "crm.sqlite") as crm:
        crm.execute("UPDATE tblclients SET country = 'Romania' WHERE userid = "
                    "(SELECT MIN(userid) FROM tblclients WHERE customer_number IS NULL)")
    # a schedule, so the status bar shows the next run as an administrator would see it
    schedule = Schedule(enabled=True, interval_hours=4, window="19:00-07:00", entities=profile.schedule.entities)
    profile = ConfigRepo(store).save_profile(dataclasses.replace(profile, schedule=schedule))
    runs = RunManager(service)
    scheduler = SyncScheduler(service, runs, store)
    scheduler.start()
    ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(profile.name),
                    data_dir=data_dir, scheduler=scheduler)
    window = MainWindow(ctx)
    window.resize(*SIZE)
    window.move(0, 0)
    window.show()
    saved: list[Path] = []
    try:
        pump(app, SETTLE_TIMEOUT_S, lambda: running_tasks() == 0)
        for entity in dependency_order([cfg.entity for cfg in profile.entities if cfg.enabled]):
            if not runs.start(profile.name, entity):
                raise SystemExit(f"{entity} could not start")
            if not pump(app, RUN_TIMEOUT_S, lambda e=entity: not runs.is_running(profile.name, e)):
                raise SystemExit(f"the sync of {entity} did not finish in {RUN_TIMEOUT_S} s")
        handler.flush()
        out.mkdir(parents=True, exist_ok=True)
        for index, page_class in enumerate(PAGES):
            window.show_page(index)
            pump(app, 1.0)  # let the page ask for its data
            if hasattr(window.current_page(), "test_connection"):
                window.current_page().test_connection()  # as an admin would, before trusting the settings
            pump(app, SETTLE_TIMEOUT_S, lambda: running_tasks() == 0)
            pump(app, 0.3)  # and paint what came back
            path = out / f"{page_class.title.lower()}.png"
            if not window.grab().save(str(path)):
                raise SystemExit(f"could not write {path}")
            saved.append(path)
            print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    finally:
        window.shutdown()
        window.close()
        logger.removeHandler(handler)
        handler.close()
        service.close()
        store.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    p.add_argument("--display", help="an X display to use instead of starting Xvfb, e.g. :99")
    p.add_argument("--keep-data", type=Path, help="use (and keep) this data directory instead of a temporary one")
    args = p.parse_args(argv)
    xvfb = None
    if args.display:
        os.environ["DISPLAY"] = args.display
    else:
        xvfb, os.environ["DISPLAY"] = start_xvfb()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    try:
        if args.keep_data:
            args.keep_data.mkdir(parents=True, exist_ok=True)
            shoot(args.out.resolve(), args.keep_data)
        else:
            with tempfile.TemporaryDirectory(prefix="erpsync-shots-") as tmp:
                shoot(args.out.resolve(), Path(tmp))
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
    return 0


if __name__ == "__main__":
    code = main()
    # as erpsync-gui does: skip the interpreter's final collection, where the Qt bindings can crash after the work
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
