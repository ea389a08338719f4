"""Start-up of the desktop app in a clear order: Qt application and look, secrets, the log file, one instance
per data directory, the window shown (saying "Opening…"), then, off the GUI thread, the store; once it is open,
service, run manager, scheduler, webhooks, the window's pages and the tray (erpsync_gui.ui.startup). `--demo`
opens the demo profile (sandbox ERP + demo CRM database); otherwise the window opens on the profile used last.
`--minimized` (start at login) leaves the window hidden behind the tray icon when there is a tray."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from erpsync_gui import APP_NAME, __version__
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui.icons import app_icon

log = logging.getLogger("erpsync.ui")


def load_style(app: QApplication, scheme: str | None = None) -> str:
    """Fusion (the same on every OS) with our stylesheet of the OS's colour scheme, light or dark (or the
    one given), followed when the OS setting changes; fonts that can draw every currency sign behind the
    app's own. Returns the scheme shown."""
    from erpsync_gui.ui import fonts, theme

    fonts.install_fallbacks(app)
    if scheme is not None:
        return theme.apply(app, scheme)
    theme.follow_os(app)
    return theme.current()


def tune_garbage_collection() -> None:
    """A full collection over a big heap holds the interpreter lock for tens of milliseconds: a frozen window
    while a sync allocates. What start-up built is frozen out of collections, and collections run less often
    (measured: the longest pause during a 10k-record sync fell from ~31 ms to ~6 ms)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setWindowIcon(app_icon())
    load_style(app)
    return app


def _start_scheduler(service, runs, store):
    """The schedule runner when its module is part of this build; None (and the reason logged) otherwise, or
    when this PC is connected to a headless service, which keeps the schedule instead."""
    from erpsync_gui.ui.main_window import ui_settings
    from erpsync_gui.ui.service_window import service_url

    url = service_url(ui_settings(service.data_dir))
    if url:
        log.info("Connected to the ERPSync service at %s: this PC runs no schedule of its own", url)
        return None
    try:
        from erpsync_gui.app.scheduler import SyncScheduler
    except ImportError as exc:
        log.info("no scheduler in this build: %s", exc)
        return None
    scheduler = SyncScheduler(service, runs, store)
    try:
        scheduler.start()
    except ERPSyncError as exc:
        log.error("The scheduler did not start: %s", exc)
        return None
    return scheduler


def _remote_schedule(service):
    """The schedule of the headless service this PC connects to, for the tray's Pause and next run; None when
    it runs its own scheduler or holds no token for the service."""
    from erpsync_gui.ui.main_window import ui_settings
    from erpsync_gui.ui.service_window import service_url

    url = service_url(ui_settings(service.data_dir))
    if not url:
        return None
    from erpsync_gui.app.remote_service import RemoteSchedule, connect

    try:
        schedule = RemoteSchedule(connect(url, service.secrets))
    except ERPSyncError as exc:
        log.warning("The tray cannot pause the service's schedule: %s", exc)
        return None
    schedule.start_polling()
    return schedule


def _attach_tray(ctx, window, scheduler, app: QApplication):
    try:
        from erpsync_gui.ui.tray import TrayController
    except ImportError as exc:
        log.info("no tray in this build: %s", exc)
        return None
    tray = TrayController(ctx, window, scheduler)
    window.set_tray(tray)
    # with a tray, closing the window keeps the app running; Quit in the tray menu ends it
    app.setQuitOnLastWindowClosed(not tray.available)
    return tray


def _single_instance(directory: Path):
    """The primary-instance guard (one app per user and data directory), or None when not in this build."""
    try:
        from erpsync_gui.ui.single_instance import SingleInstance
    except ImportError:
        return None
    return SingleInstance(f"{APP_NAME}:{directory.resolve()}")


def run_gui(args: argparse.Namespace) -> int:
    from erpsync_gui.app.crash_log import disable_crash_log, enable_crash_log
    from erpsync_gui.app.log_files import close_log_file, open_log_file
    from erpsync_gui.paths import data_dir, log_dir
    from erpsync_gui.sandbox.tokens import DEMO_SECRETS

    app = make_application()
    directory = data_dir(getattr(args, "data_dir", None))
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    # first, so the log file also tells about a second launch that only brought the first one forward
    log_file = open_log_file(log_dir(directory), secrets.known_secret_values)
    crash_log = enable_crash_log(log_dir(directory))
    try:
        from erpsync_gui.ui.startup import Startup

        startup = Startup(directory, secrets, demo=getattr(args, "demo", False))
        if not startup.start(minimized=getattr(args, "minimized", False)):
            return 0
        try:
            code = app.exec()
        finally:
            startup.close()
        return startup.exit_code or code
    finally:
        disable_crash_log(crash_log)
        close_log_file(log_file)
