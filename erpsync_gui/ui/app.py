"""Start-up of the desktop app in a clear order: Qt application and look, secrets, the log file, one instance
per data directory, the window shown (saying "Opening…"), then, off the GUI thread, the store; once it is open,
service, run manager, scheduler, webhooks, the window's pages and the tray. `--demo` opens the
demo profile (sandbox ERP + demo CRM database); otherwise the window opens on the profile used last.
`--minimized` (start at login) leaves the window hidden behind the tray icon when there is a tray."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QApplication

from erpsync_gui import APP_NAME, __version__
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui.icons import app_icon
from erpsync_gui.ui.widgets.worker import run_in_background

if TYPE_CHECKING:
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.store.db import Store
    from erpsync_gui.ui.main_window import MainWindow

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
    (the start-up benchmarks measure up to this line); then `painted()` runs."""

    def __init__(self, painted: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._painted = painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            log.info("Main window shown")
            # after this paint has finished, not inside it
            QTimer.singleShot(0, self._painted)
        return False


def _single_instance(directory: Path):
    """The primary-instance guard (one app per user and data directory), or None when not in this build."""
    try:
        from erpsync_gui.ui.single_instance import SingleInstance
    except ImportError:
        return None
    return SingleInstance(f"{APP_NAME}:{directory.resolve()}")


def run_gui(args: argparse.Namespace) -> int:
    from erpsync_gui.app.log_files import close_log_file, open_log_file
    from erpsync_gui.paths import data_dir, log_dir
    from erpsync_gui.sandbox.tokens import DEMO_SECRETS

    app = make_application()
    directory = data_dir(getattr(args, "data_dir", None))
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    # first, so the log file also tells about a second launch that only brought the first one forward
    log_file = open_log_file(log_dir(directory), secrets.known_secret_values)
    try:
        startup = Startup(directory, secrets, demo=getattr(args, "demo", False))
        if not startup.start(minimized=getattr(args, "minimized", False)):
            return 0
        try:
            code = app.exec()
        finally:
            startup.close()
        return startup.exit_code or code
    finally:
        close_log_file(log_file)


def open_state_store(directory: Path) -> Store:
    """The state store of the data directory, opened and migrated (Alembic is imported only when behind)."""
    from erpsync_gui.store.db import open_store

    return open_store(data_dir=directory)


def _import_ahead() -> None:
    """Import what the window builds once the store is open (the services, the scheduler, the pages) while the
    GUI thread waits for the store anyway, so building them does not hold up the window."""
    from erpsync_gui.ui.page_list import page_modules

    for name in ("erpsync_gui.app.service", "erpsync_gui.app.run_manager", "erpsync_gui.ui.context", *page_modules()):
        importlib.import_module(name)
    with contextlib.suppress(ImportError):  # a build without the scheduler: _start_scheduler says so
        importlib.import_module("erpsync_gui.app.scheduler")


@dataclass(frozen=True)
class _Opened:
    """What the pool thread hands the window: the open store and the services on it."""

    store: Store
    store_log: logging.Handler
    service: SyncService
    runs: RunManager
    #: the demo profile, when it was set up
    profile: str | None


class Startup(QObject):
    """The desktop app's start-up: the window is shown first, then the state store opens on a pool thread (while
    the window says "Opening…"); once it is open the services, the run manager, the scheduler, the webhooks and
    the tray are made and the window gets its pages. A store that cannot be opened is said in the window.
    `close()` takes it all down again in reverse order."""

    #: the window has its context and its pages
    ready = Signal()
    #: the state store did not open, or the services on it did not start: the message shown
    failed = Signal(str)

    def __init__(self, directory: Path, secrets: SecretStore, *, demo: bool = False,
                 open_store: Callable[[Path], Store] = open_state_store) -> None:
        super().__init__()
        self.directory = directory
        self.secrets = secrets
        self.demo = demo
        self._open_store = open_store
        #: 2 once the store or the services failed; run_gui's exit code
        self.exit_code = 0
        self.window: MainWindow | None = None
        self.instance = None
        self.store: Store | None = None
        self.service: SyncService | None = None
        self.runs: RunManager | None = None
        self.scheduler = self.tray = self.webhooks = self.remote_schedule = None
        self.store_log: logging.Handler | None = None
        #: whether the window had been painted when the store began to open (start-up's order, for tests)
        self.painted_before_opening: bool | None = None
        self._painted = False
        self._opening = False
        self._minimized = False
        self._lock = threading.Lock()
        self._closed = False
        #: what the pool thread opened and the GUI thread has not taken yet
        self._pending: _Opened | None = None

    def start(self, *, minimized: bool = False) -> bool:
        """Show the window (or only the tray with `minimized`, where there is a tray) and begin opening the store
        once it is painted; False when another instance has this data directory (it was brought forward)."""
        from PySide6.QtWidgets import QSystemTrayIcon

        from erpsync_gui.ui.main_window import MainWindow

        self.instance = _single_instance(self.directory)
        if self.instance is not None and not self.instance.is_primary():
            log.info("%s is already running; brought it to the front", APP_NAME)
            return False
        self.window = window = MainWindow(data_dir=self.directory)
        if self.instance is not None:
            self.instance.activation_requested.connect(window.bring_to_front)
            self.instance.activation_requested.connect(lambda: log.info("Another launch brought the window forward"))
        self._minimized = minimized and QSystemTrayIcon.isSystemTrayAvailable()
        if self._minimized:
            log.info("%s started in the tray", APP_NAME)
            QTimer.singleShot(0, self.open_store)
        else:
            window.installEventFilter(_FirstPaint(self._shown, window))
            window.show()
        return True

    def _shown(self) -> None:
        self._painted = True
        self.open_store()

    def open_store(self) -> None:
        """Open the state store on a pool thread; `_opened` or `_failed` follow on the GUI thread."""
        if self._opening:
            return
        self._opening = True
        self.painted_before_opening = self._painted
        run_in_background(self._open_off_gui, owner=self, on_done=self._opened, on_error=self._failed)

    def _open_off_gui(self) -> _Opened:
        """On the pool thread: the store, its log handler, the service (it closes runs a stopped process left
        behind: queries) and the run manager; the demo set up when asked; the window's modules imported."""
        from erpsync_gui.app.run_context import RunContextFilter
        from erpsync_gui.app.run_manager import RunManager
        from erpsync_gui.app.service import SyncService
        from erpsync_gui.store.log_handler import StoreLogHandler

        store = self._open_store(self.directory)
        store_log = None
        try:
            # the Logs page and the dashboard read the log table: every run's lines go there, redacted
            store_log = StoreLogHandler(store, secrets=self.secrets.known_secret_values)
            # lines of code that knows nothing of runs (HTTP retries) still name the run they belong to
            store_log.addFilter(RunContextFilter())
            logging.getLogger("erpsync").addHandler(store_log)
            logging.getLogger("erpsync").setLevel(logging.INFO)
            service = SyncService(store, self.secrets, self.directory)
            profile = None
            if self.demo:
                from erpsync_gui.app.demo import setup_demo

                profile = setup_demo(store, self.secrets, self.directory).name
            _import_ahead()
        except BaseException:
            if store_log is not None:
                logging.getLogger("erpsync").removeHandler(store_log)
                store_log.close()
            store.close()
            raise
        opened = _Opened(store, store_log, service, RunManager(service), profile)
        # held until the GUI thread takes it: a window closed meanwhile leaves it to close()
        with self._lock:
            self._pending = opened
        return opened

    def _opened(self, opened: _Opened) -> None:
        with self._lock:
            # a window closed meanwhile is not built any further: the app is on its way out
            closed = self.window is None or not (self.window.isVisible() or self._minimized)
            if self._closed or self._pending is not opened or closed:
                return
            self._pending = None
        self.store, self.store_log, self.service = opened.store, opened.store_log, opened.service
        self.runs = opened.runs
        try:
            self._attach(opened)
        except ERPSyncError as exc:
            self._failed(exc)
            return
        tune_garbage_collection()
        log.info("Main window ready")
        self.ready.emit()

    def _attach(self, opened: _Opened) -> None:
        from erpsync_gui.http.ratelimit import keep_counts_in
        from erpsync_gui.ui.bridge import RunBridge
        from erpsync_gui.ui.context import ProfileState, UiContext
        from erpsync_gui.ui.webhook_hosting import start_webhooks

        assert self.window is not None
        keep_counts_in(self.directory)  # a daily quota spent by a scheduled erpsync or an earlier session stays spent
        service, runs = opened.service, opened.runs
        self.scheduler = scheduler = _start_scheduler(service, runs, opened.store)
        ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(opened.profile),
                        data_dir=self.directory, scheduler=scheduler)
        self.webhooks = start_webhooks(ctx)
        self.window.attach(ctx)
        # connected to a service, the tray's Pause and next run are the service's (the pages keep none)
        self.remote_schedule = _remote_schedule(service) if scheduler is None else None
        self.tray = _attach_tray(ctx, self.window, scheduler or self.remote_schedule, QApplication.instance())
        if self._minimized and (self.tray is None or not self.tray.available):
            self.window.show()

    def _failed(self, exc: BaseException) -> None:
        if self._closed or self.window is None:
            return
        if isinstance(exc, ERPSyncError):
            log.error("%s", exc)
            message = str(exc)
        else:  # a bug, not a state of the database: the traceback goes to the log file
            log.critical("The state database did not open", exc_info=exc)
            message = f"Unexpected error: {exc}"
        self.exit_code = 2
        self.window.show_store_failure(message)
        self.window.show()  # also when it started in the tray: the tray came with the store
        self.failed.emit(message)

    def close(self) -> None:
        """Stop what was started, newest first; wait for a store still opening and close it."""
        with self._lock:
            self._closed = True
        window = self.window
        if window is not None and window.attached:
            window.shutdown()
        else:
            if self.runs is not None:
                self.runs.shutdown()
            if self.scheduler is not None:
                self.scheduler.shutdown()
        if self.tray is not None:
            self.tray.close()
        if self.remote_schedule is not None:
            self.remote_schedule.shutdown()
        if self.webhooks is not None:
            self.webhooks.stop()
        QThreadPool.globalInstance().waitForDone(30_000)
        if self.service is not None:
            self.service.close()
        with self._lock:
            late, self._pending = self._pending, None
        if late is not None:
            late.runs.shutdown()
            late.service.close()
        for handler in (self.store_log, late and late.store_log):
            if handler is not None:
                logging.getLogger("erpsync").removeHandler(handler)
                handler.close()
        for store in (self.store, late and late.store):
            if store is not None:
                store.close()
        if self.instance is not None:
            self.instance.close()
