"""Screenshots of every page (and the dialogs) for the README: the app on the demo in a fresh data directory,
under Xvfb, in the light and the dark colour scheme.

    python packaging/screenshots.py [--out resources/screenshots] [--size 1366x768] [--scale 1.5]
                                    [--scheme light|dark|both] [--dialogs] [--keep-data DIR] [--launch]

Starts Xvfb (a display number it picks itself) at the screen size given unless --display is given, syncs every
demo entity so the pages have content (one CRM client with a country the ERP refuses, a manual-policy conflict
waiting), then selects each page in turn and saves <page>.png (and <page>-dark.png). The window takes the room a
maximized window has on that screen (without the taskbar and the title bar). --scale sets QT_SCALE_FACTOR (a
1920x1080 screen at 150 %: --size 1920x1080 --scale 1.5). --dialogs also saves the preview, value map, help,
maintenance and service windows. --launch saves only the window as launch shows it before the state database
is open (launch-opening.png) and when it cannot be opened (launch-failed.png). Needs the Debian packages xvfb and
the xcb libraries listed in packaging/quickstart.sh.
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
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZE = (1366, 768)
#: the Windows taskbar and a window's title bar, in logical pixels: what a maximized window leaves out
TASKBAR, TITLE_BAR = 40, 31
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


def _prepare_demo(data_dir: Path, store, secrets):
    """The demo with something on every page: a refused client (Errors), a waiting conflict (Conflicts), a
    schedule (the status bar's next run)."""
    from erpsync_gui.app.demo import setup_demo
    from erpsync_gui.profile import Schedule
    from erpsync_gui.store.config_repo import ConfigRepo

    profile = setup_demo(store, secrets, data_dir)
    with sqlite3.connect(data_dir / "demo" / "crm.sqlite") as crm:
        crm.execute("UPDATE tblclients SET country = 'Romania' WHERE userid = "
                    "(SELECT MIN(userid) FROM tblclients WHERE customer_number IS NULL)")
        crm.execute("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'")
    entities = tuple(dataclasses.replace(e, policy="manual") if e.entity == "clients" else e for e in profile.entities)
    schedule = Schedule(enabled=True, interval_hours=4, window="19:00-07:00", entities=profile.schedule.entities)
    return ConfigRepo(store).save_profile(dataclasses.replace(profile, schedule=schedule, entities=entities))


def _save(app, widget, path: Path, saved: list[Path]) -> None:
    pump(app, 0.3)  # paint what came back
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    saved.append(path)
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _dialogs(app, window, out: Path, suffix: str, saved: list[Path], data_dir: Path) -> None:
    """The preview of the clients (three edited in the CRM since the sync), the value map of the leads' status,
    the guide, Tools > Maintenance and Tools > Connect to a service."""
    from erpsync_gui.ui.main_window import PAGES
    from erpsync_gui.ui.pages.mappings import MappingsPage
    from erpsync_gui.ui.pages.sync import SyncPage
    from erpsync_gui.ui.pages.value_map_dialog import ValueMapDialog
    from erpsync_gui.ui.widgets.worker import running_tasks

    with sqlite3.connect(data_dir / "demo" / "crm.sqlite") as crm:
        crm.execute("UPDATE tblclients SET city = 'Brașov', phonenumber = '+40 268 000 111' WHERE userid IN "
                    "(SELECT userid FROM tblclients WHERE customer_number IS NULL ORDER BY userid DESC LIMIT 3)")
    sync = next(p for p in window.pages if isinstance(p, SyncPage))
    window.show_page(PAGES.index(SyncPage))
    sync.preview_dialog = None
    sync.preview("clients")
    pump(app, RUN_TIMEOUT_S, lambda: sync.preview_dialog is not None and sync.preview_dialog.isVisible())
    dialog = sync.preview_dialog
    dialog.resize(1000, 560)
    if dialog.tree.topLevelItemCount():
        dialog.tree.topLevelItem(0).setExpanded(True)
    _save(app, dialog, out / f"preview{suffix}.png", saved)
    dialog.close()
    mappings = next(p for p in window.pages if isinstance(p, MappingsPage))
    window.show_page(PAGES.index(MappingsPage))
    pump(app, SETTLE_TIMEOUT_S, lambda: running_tasks() == 0)
    value_map = ValueMapDialog("status ↔ status", {"1": "new", "2": "won"}, mappings,
                               erp_choices=("new", "contacted", "won", "lost"))
    value_map.show()
    _save(app, value_map, out / f"value-map{suffix}.png", saved)
    value_map.close()
    help_window = window.show_help("troubleshooting")
    _save(app, help_window, out / f"help{suffix}.png", saved)
    help_window.close()
    maintenance = window.show_maintenance()
    _save(app, maintenance, out / f"maintenance{suffix}.png", saved)
    maintenance.close()
    service = window.show_service()  # Tools > Connect to a service, before an address is given
    service.resize(900, 560)
    _save(app, service, out / f"service{suffix}.png", saved)
    service.close()


def shoot(out: Path, data_dir: Path, size: tuple[int, int] = SIZE, schemes: tuple[str, ...] = ("light", "dark"),
          dialogs: bool = False) -> list[Path]:
    from erpsync_gui.app.demo import DEMO_SECRETS
    from erpsync_gui.app.run_context import RunContextFilter
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.scheduled_run import dependency_order
    from erpsync_gui.app.scheduler import SyncScheduler
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.db import open_store
    from erpsync_gui.store.log_handler import StoreLogHandler
    from erpsync_gui.ui import theme
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
    handler.addFilter(RunContextFilter())
    logger = logging.getLogger("erpsync")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    profile = _prepare_demo(data_dir, store, secrets)
    runs = RunManager(service)
    scheduler = SyncScheduler(service, runs, store)
    scheduler.start()
    saved: list[Path] = []
    try:
        for entity in dependency_order([cfg.entity for cfg in profile.entities if cfg.enabled]):
            if not runs.start(profile.name, entity):
                raise SystemExit(f"{entity} could not start")
            if not pump(app, RUN_TIMEOUT_S, lambda e=entity: not runs.is_running(profile.name, e)):
                raise SystemExit(f"the sync of {entity} did not finish in {RUN_TIMEOUT_S} s")
        handler.flush()
        out.mkdir(parents=True, exist_ok=True)
        for scheme in schemes:
            theme.apply(app, scheme)  # before the window is built, so its icons are tinted for the scheme
            suffix = "" if scheme == theme.LIGHT else f"-{scheme}"
            ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs),
                            profile=ProfileState(profile.name), data_dir=data_dir, scheduler=scheduler)
            window = MainWindow(ctx)
            window.resize(size[0], size[1] - TASKBAR - TITLE_BAR)
            window.move(0, 0)
            window.show()
            pump(app, SETTLE_TIMEOUT_S, lambda: running_tasks() == 0)
            for index, page_class in enumerate(PAGES):
                window.show_page(index)
                pump(app, 1.0)  # let the page ask for its data
                if hasattr(window.current_page(), "test_connection"):
                    window.current_page().test_connection()  # as an admin would, before trusting the settings
                pump(app, SETTLE_TIMEOUT_S, lambda: running_tasks() == 0)
                _save(app, window, out / f"{page_class.title.lower()}{suffix}.png", saved)
            if dialogs:
                _dialogs(app, window, out, suffix, saved, data_dir)
            # the next scheme gets a window of its own; the runs and the scheduler stay
            window.hide()
            scheduler.listeners_changed.clear()
            window.deleteLater()
            pump(app, 0.3)
            window = None
    finally:
        runs.shutdown()
        scheduler.shutdown()
        logger.removeHandler(handler)
        handler.close()
        service.close()
        store.close()
    return saved


def shoot_launch(out: Path, data_dir: Path, size: tuple[int, int] = SIZE,
                 schemes: tuple[str, ...] = ("light", "dark")) -> list[Path]:
    """The window as launch shows it before the state database is open (launch-opening.png), and as it stays when
    the database cannot be opened (launch-failed.png)."""
    from erpsync_gui.paths import default_store_url
    from erpsync_gui.ui import theme
    from erpsync_gui.ui.app import make_application
    from erpsync_gui.ui.main_window import MainWindow

    app = make_application([sys.argv[0]])
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    for scheme in schemes:
        theme.apply(app, scheme)
        suffix = "" if scheme == theme.LIGHT else f"-{scheme}"
        window = MainWindow(data_dir=data_dir)
        window.resize(size[0], size[1] - TASKBAR - TITLE_BAR)
        window.move(0, 0)
        window.show()
        _save(app, window, out / f"launch-opening{suffix}.png", saved)
        window.show_store_failure(f"Cannot open the state database {default_store_url(data_dir)}: "
                                  "unable to open database file")
        _save(app, window, out / f"launch-failed{suffix}.png", saved)
        window.hide()
        window.deleteLater()
        pump(app, 0.3)
    return saved


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    p.add_argument("--size", type=_size, default=SIZE, help="the screen, e.g. 1366x768 (default) or 1920x1080")
    p.add_argument("--scale", type=float, default=1.0, help="the screen's scaling, e.g. 1.5 for 150 %%")
    p.add_argument("--scheme", choices=("light", "dark", "both"), default="both")
    p.add_argument("--dialogs", action="store_true", help="also the preview, value map, help and maintenance windows")
    p.add_argument("--display", help="an X display to use instead of starting Xvfb, e.g. :99")
    p.add_argument("--keep-data", type=Path, help="use (and keep) this data directory instead of a temporary one")
    p.add_argument("--launch", action="store_true",
                   help="only the window as launch shows it while the state database opens, and when it cannot")
    args = p.parse_args(argv)
    xvfb = None
    if args.display:
        os.environ["DISPLAY"] = args.display
    else:
        xvfb, os.environ["DISPLAY"] = start_xvfb(args.size)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    logical = (round(args.size[0] / args.scale), round(args.size[1] / args.scale))
    schemes = ("light", "dark") if args.scheme == "both" else (args.scheme,)
    what = shoot_launch if args.launch else partial(shoot, dialogs=args.dialogs)
    try:
        if args.keep_data:
            args.keep_data.mkdir(parents=True, exist_ok=True)
            what(args.out.resolve(), args.keep_data, logical, schemes)
        else:
            with tempfile.TemporaryDirectory(prefix="erpsync-shots-") as tmp:
                what(args.out.resolve(), Path(tmp), logical, schemes)
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
