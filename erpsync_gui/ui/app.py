"""Start-up of the desktop app in a clear order: Qt application and look, one instance per data directory,
store, secrets, the log file, service, run manager, scheduler, then the window and the tray. `--demo` opens the
demo profile (sandbox ERP + demo CRM database); otherwise the window opens on the profile used last.
`--minimized` (start at login) leaves the window hidden behind the tray icon when there is a tray."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

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


class _FirstPaint(QObject):
    """Logs "Main window shown" once, when the window is first painted: the end of start-up as a person sees it
    (the frozen build's start-up time is measured up to this line)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            log.info("Main window shown")
        return False


def _single_instance(directory: Path):
    """The primary-instance guard (one app per user and data directory), or None when not in this build."""
    try:
        from erpsync_gui.ui.single_instance import SingleInstance
    except ImportError:
        return None
    return SingleInstance(f"{APP_NAME}:{directory.resolve()}")


def run_gui(args: argparse.Namespace) -> int:
    from erpsync_gui.app.demo import DEMO_SECRETS
    from erpsync_gui.app.log_files import close_log_file, open_log_file
    from erpsync_gui.paths import data_dir, log_dir

    app = make_application()
    directory = data_dir(getattr(args, "data_dir", None))
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    # first, so the log file also tells about a second launch that only brought the first one forward
    log_file = open_log_file(log_dir(directory), secrets.known_secret_values)
    try:
        return _run_window(app, args, directory, secrets)
    finally:
        close_log_file(log_file)


def _run_window(app: QApplication, args: argparse.Namespace, directory: Path, secrets: SecretStore) -> int:
    from erpsync_gui.app.demo import setup_demo
    from erpsync_gui.app.run_context import RunContextFilter
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.http.ratelimit import keep_counts_in
    from erpsync_gui.store.db import open_store
    from erpsync_gui.store.log_handler import StoreLogHandler
    from erpsync_gui.ui.bridge import RunBridge
    from erpsync_gui.ui.context import ProfileState, UiContext
    from erpsync_gui.ui.main_window import MainWindow
    from erpsync_gui.ui.webhook_hosting import start_webhooks

    instance = _single_instance(directory)
    if instance is not None and not instance.is_primary():
        log.info("%s is already running; brought it to the front", APP_NAME)
        return 0
    try:
        store = open_store(data_dir=directory)
    except ERPSyncError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 2
    keep_counts_in(directory)  # a daily quota spent by a scheduled erpsync or an earlier session stays spent
    # the Logs page and the dashboard read the log table: every run's lines go there, redacted
    store_log = StoreLogHandler(store, secrets=secrets.known_secret_values)
    # lines of code that knows nothing of runs (HTTP retries) still name the run they belong to
    store_log.addFilter(RunContextFilter())
    logging.getLogger("erpsync").addHandler(store_log)
    logging.getLogger("erpsync").setLevel(logging.INFO)
    service = SyncService(store, secrets, directory)
    runs = RunManager(service)
    window = tray = scheduler = webhooks = remote_schedule = None
    try:
        profile = setup_demo(store, secrets, directory).name if getattr(args, "demo", False) else None
        scheduler = _start_scheduler(service, runs, store)
        ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(profile),
                        data_dir=directory, scheduler=scheduler)
        webhooks = start_webhooks(ctx)
        window = MainWindow(ctx)
        # connected to a service, the tray's Pause and next run are the service's (the pages keep none)
        remote_schedule = _remote_schedule(service) if scheduler is None else None
        tray = _attach_tray(ctx, window, scheduler or remote_schedule, app)
        if instance is not None:
            instance.activation_requested.connect(window.bring_to_front)
            instance.activation_requested.connect(lambda: log.info("Another launch brought the window forward"))
        if getattr(args, "minimized", False) and tray is not None and tray.available:
            log.info("%s started in the tray", APP_NAME)
        else:
            first_paint = _FirstPaint(window)
            window.installEventFilter(first_paint)
            window.show()
        tune_garbage_collection()
        return app.exec()
    except ERPSyncError as exc:
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 2
    finally:
        if window is not None:
            window.shutdown()
        else:
            runs.shutdown()
            if scheduler is not None:
                scheduler.shutdown()
        if tray is not None:
            tray.close()
        if remote_schedule is not None:
            remote_schedule.shutdown()
        if webhooks is not None:
            webhooks.stop()
        QThreadPool.globalInstance().waitForDone(30_000)
        service.close()
        logging.getLogger("erpsync").removeHandler(store_log)
        store_log.close()
        store.close()
        if instance is not None:
            instance.close()
