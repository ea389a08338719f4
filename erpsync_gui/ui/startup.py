"""The desktop app's start-up once the Qt application exists: the main window is shown first (saying
"Opening…"), then the state store opens on a pool thread; once it is open the services, the run manager, the
scheduler, the webhooks and the tray are made and the window gets its pages. A store that cannot be opened is
said in the window. Nothing of the store, the engine or Alembic is imported before the window is painted."""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QApplication

from erpsync_gui import APP_NAME
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui.app import (
    _attach_tray,
    _remote_schedule,
    _single_instance,
    _start_scheduler,
    tune_garbage_collection,
)
from erpsync_gui.ui.widgets.worker import run_in_background

if TYPE_CHECKING:
    from erpsync_gui.app.run_manager import RunManager
    from erpsync_gui.app.service import SyncService
    from erpsync_gui.store.db import Store
    from erpsync_gui.ui.main_window import MainWindow

log = logging.getLogger("erpsync.ui")

#: the state store opens once the window is painted, or after this long (ms) when no paint comes
OPEN_ANYWAY_MS = 1_000


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


def _import_connectors(service: SyncService) -> None:
    """Import the connectors of the stored profiles, and what an HTTP client loads at its first request, while
    the window waits for the store anyway: the first run then holds no interpreter lock for imports while the
    window draws its progress (the first sync of a session stalled the window 90-220 ms on them)."""
    from erpsync_gui.config.kinds import kind_named

    modules, http = set(), False
    for profile in service.config.list_profiles():
        for endpoint in (profile.crm, profile.erp):
            kind = kind_named(endpoint.kind)
            if kind is not None:
                modules.add(kind.factory.partition(":")[0])
                http = http or kind.http
    if http:
        modules.update(("httpcore", "erpsync_gui.http.json_reply"))
    for name in sorted(modules):
        with contextlib.suppress(ImportError):  # a build without that kind's extra: its runs say so
            importlib.import_module(name)


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
    """Shows the window, opens the store off the GUI thread, then builds what runs on it; `close()` takes it all
    down again in reverse order."""

    #: the window has its context and all its pages
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
            # a window shown minimized (or fully covered) may not be painted for a long time: the store opens anyway
            QTimer.singleShot(OPEN_ANYWAY_MS, self, self.open_store)
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
            _import_connectors(service)
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
        except Exception as exc:  # the window says so (and the log has the traceback) instead of "Opening…" forever
            self._stop_started()
            self._failed(exc)

    def _stop_started(self) -> None:
        """What `_attach` started before it failed stops again: no scheduled run, webhook or remote poll goes on
        behind a window that says it failed and offers no page, menu or tray to see or stop it."""
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler = None
        if self.webhooks is not None:
            self.webhooks.stop()
            self.webhooks = None
        if self.remote_schedule is not None:
            self.remote_schedule.shutdown()
            self.remote_schedule = None

    def _pages_built(self) -> None:
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
        # listening before the scheduler starts: a catch-up run it lets go at once is heard beginning (the window
        # and the tray read what runs when they are built)
        bridge = RunBridge(runs)
        self.scheduler = scheduler = _start_scheduler(service, runs, opened.store)
        ctx = UiContext(service=service, runs=runs, bridge=bridge, profile=ProfileState(opened.profile),
                        data_dir=self.directory, scheduler=scheduler)
        self.webhooks = start_webhooks(ctx)
        self.window.pages_built.connect(self._pages_built)
        self.window.attach(ctx, gradual=True)
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
