"""The main window: a menu bar (File, Profiles, Sync, Tools, Help), a sidebar of pages with the profile
switcher above it and count badges where work waits, the pages in a stack, and a status bar with both sides'
health (from connection tests and from runs) and the next scheduled run."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui import APP_NAME
from erpsync_gui.app.attention import plural
from erpsync_gui.entities import label
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.store.open_work import OpenWork
from erpsync_gui.ui import icons
from erpsync_gui.ui.about_dialog import AboutDialog
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.help_window import HelpWindow
from erpsync_gui.ui.maintenance_dialog import MaintenanceDialog
from erpsync_gui.ui.pages.conflicts import ConflictsPage
from erpsync_gui.ui.pages.connections import ConnectionsPage
from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.pages.errors import ErrorsPage
from erpsync_gui.ui.pages.expired_banner import expired_text
from erpsync_gui.ui.pages.logs import LogsPage
from erpsync_gui.ui.pages.mappings import MappingsPage
from erpsync_gui.ui.pages.sync import SyncPage
from erpsync_gui.ui.quit_guard import confirm_quit
from erpsync_gui.ui.when import when_text
from erpsync_gui.ui.widgets.sidebar import BadgeDelegate, set_badge
from erpsync_gui.ui.widgets.status_badge import StatusBadge
from erpsync_gui.ui.window_menus import build_menus, fill_profiles

log = logging.getLogger("erpsync.ui")

PAGES = (DashboardPage, SyncPage, ConnectionsPage, MappingsPage, LogsPage, ErrorsPage, ConflictsPage)
SETTINGS_FILE = "erpsync-gui.ini"
_HEALTH = {"active": ("ok", "connected"), "expired": ("warn", "sign-in expired"), "error": ("error", "error")}


def ui_settings(data_dir: Path) -> QSettings:
    """The window's remembered state, in the data directory (never the registry), so tests stay isolated."""
    return QSettings(str(Path(data_dir) / SETTINGS_FILE), QSettings.Format.IniFormat)


class _Relay(QObject):
    """Carries scheduler callbacks (any thread) onto the GUI thread."""

    next_runs_changed = Signal()


class MainWindow(QMainWindow):
    """Built from a UiContext; `set_tray` wires the tray in when the app has one."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.settings = ui_settings(ctx.data_dir)
        self.tray = None
        self.help_window: HelpWindow | None = None
        self._quitting = False
        self._shut_down = False
        self._last_tests: dict[str, dict[Side, object]] = {}
        self._self_test: QProcess | None = None
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(icons.app_icon())
        self.setMinimumSize(QSize(760, 520))

        self.profiles = QComboBox()
        self.profiles.setAccessibleName("Profile")
        self.profiles.setToolTip("The CRM ↔ ERP pairing the pages show")
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setAccessibleName("Pages")
        self.sidebar.setItemDelegate(BadgeDelegate(self.sidebar))
        self.stack = QStackedWidget()
        self.pages: list[QWidget] = []
        for number, page_class in enumerate(PAGES, start=1):
            page = page_class(ctx)
            self.pages.append(page)
            self.stack.addWidget(page)
            item = QListWidgetItem(icons.icon(page_class.icon), page_class.title)
            item.setToolTip(f"{page_class.title} (Ctrl+{number})")
            item.setSizeHint(QSize(0, 40))
            self.sidebar.addItem(item)
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, activated=lambda n=number - 1: self.show_page(n))
            if hasattr(page, "open_page_requested"):
                page.open_page_requested.connect(self.show_page_named)

        side = QFrame()
        side.setObjectName("sidePanel")
        side.setFixedWidth(216)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 16, 12, 12)
        side_layout.setSpacing(8)
        brand = QLabel(APP_NAME)
        brand.setObjectName("brand")
        caption = QLabel("&Profile")
        caption.setObjectName("sideCaption")
        caption.setBuddy(self.profiles)
        side_layout.addWidget(brand)
        side_layout.addSpacing(6)
        side_layout.addWidget(caption)
        side_layout.addWidget(self.profiles)
        side_layout.addSpacing(8)
        side_layout.addWidget(self.sidebar, 1)
        body = QWidget()
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(0)
        body_layout.addWidget(side)
        body_layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.setTabOrder(self.profiles, self.sidebar)

        self.health = {side_: StatusBadge(f"{side_.value.upper()}: -", "idle") for side_ in Side}
        self.next_run = StatusBadge("Next run: -", "idle")
        self.expired_notice = QPushButton(icons.status_dot("warn"), "")
        self.expired_notice.setObjectName("expiredNotice")
        self.expired_notice.setFlat(True)
        self.expired_notice.setToolTip("Open Connections to sign in again")
        self.expired_notice.clicked.connect(self.show_connections)
        self.expired_notice.hide()
        status = self.statusBar()
        status.setSizeGripEnabled(True)
        status.addWidget(self.expired_notice)
        for badge in (*self.health.values(), self.next_run):
            badge.setContentsMargins(8, 0, 8, 0)
            status.addPermanentWidget(badge)

        self._relay = _Relay(self)
        self._relay.next_runs_changed.connect(self.update_next_run)
        scheduler = ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "listeners_changed"):
            scheduler.listeners_changed.append(self._relay.next_runs_changed.emit)
        self._clock = QTimer(self, interval=30_000)
        self._clock.timeout.connect(self.update_next_run)
        self._clock.start()

        self.sidebar.currentRowChanged.connect(self._page_chosen)
        self.profiles.currentIndexChanged.connect(self._profile_chosen)
        ctx.profile.changed.connect(self._profile_changed)
        ctx.profile.saved.connect(self._profile_saved)
        ctx.bridge.run_finished.connect(self._run_ended)
        ctx.bridge.run_failed.connect(self._run_ended)
        ctx.open_work.changed.connect(self.show_open_work)
        for page in self.pages:
            if isinstance(page, ConnectionsPage):
                page.tested.connect(self._tested)
                page.signed_in.connect(self._signed_in)

        self._build_menus()
        self.load_profiles()
        self._restore()
        ctx.open_work.refresh()

    # -- menus -----------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        menus = self.menus = build_menus(self)
        self.about_action = menus.about
        menus.about.triggered.connect(self.show_about)
        menus.user_guide.triggered.connect(lambda: self.show_help())
        menus.troubleshooting.triggered.connect(lambda: self.show_help("troubleshooting"))
        menus.export_log.triggered.connect(self._export_log)
        menus.export_errors.triggered.connect(self._export_errors)
        menus.close_window.triggered.connect(self.close)
        menus.quit.triggered.connect(lambda: self.quit_app())
        menus.sync_current.triggered.connect(self.sync_current_entity)
        menus.sync_all.triggered.connect(self.sync_all)
        menus.cancel_runs.triggered.connect(self.cancel_runs)
        menus.pause_schedule.triggered.connect(self._toggle_pause)
        menus.test_connections.triggered.connect(self._test_connections)
        menus.maintenance.triggered.connect(self.show_maintenance)
        menus.self_test.triggered.connect(self.run_self_test)
        menus.sync.aboutToShow.connect(self._update_sync_menu)
        self._update_sync_menu()

    def _update_sync_menu(self) -> None:
        running = bool(self.ctx.runs.running())
        self.menus.cancel_runs.setEnabled(running or self.ctx.sync_all.running)
        scheduler = self.ctx.scheduler
        self.menus.pause_schedule.setEnabled(scheduler is not None and hasattr(scheduler, "pause"))
        paused = bool(getattr(scheduler, "paused", False))
        self.menus.pause_schedule.setText("&Resume schedule" if paused else "&Pause schedule")

    def _page_of(self, page_class) -> QWidget:
        return next(p for p in self.pages if isinstance(p, page_class))

    def _export_log(self) -> None:
        self.show_page(self.pages.index(self._page_of(LogsPage)))
        self._page_of(LogsPage).export()

    def _export_errors(self) -> None:
        self.show_page(self.pages.index(self._page_of(ErrorsPage)))
        self._page_of(ErrorsPage).export_csv()

    def _test_connections(self) -> None:
        page = self._page_of(ConnectionsPage)
        self.show_page(self.pages.index(page))
        page.test_connection()

    def _toggle_pause(self) -> None:
        self._page_of(SyncPage).schedule.toggle_pause()

    def show_about(self) -> AboutDialog:
        """The About dialog (window-modal, closed with the window)."""
        dialog = AboutDialog(self.ctx.data_dir, self.ctx.store.url, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_help(self, topic: str | None = None) -> HelpWindow:
        """The user guide at `topic`, else at the page shown (F1)."""
        if self.help_window is None:
            self.help_window = HelpWindow(self)
        page = self.current_page()
        self.help_window.show_topic(topic or getattr(page, "help_topic", None) or type(page).title.lower())
        return self.help_window

    def show_maintenance(self) -> MaintenanceDialog:
        dialog = MaintenanceDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.statistics_reset.connect(lambda: self._refresh(self._page_of(DashboardPage)))
        dialog.open()
        return dialog

    def run_self_test(self) -> None:
        """The installation's self-test in a process of its own (it opens windows offscreen); its report shown."""
        if self._self_test is not None:
            return
        report = Path(tempfile.mkstemp(prefix="erpsync-self-test-", suffix=".txt")[1])
        process = QProcess(self)
        frozen = getattr(sys, "frozen", False)
        args = [] if frozen else ["-m", "erpsync_gui"]
        process.setProgram(sys.executable)
        process.setArguments([*args, "--self-test", "--report", str(report)])
        process.finished.connect(lambda code, _status: self._self_tested(code, report))
        self._self_test = process
        self.statusBar().showMessage("Self-test running…")
        process.start()

    def _self_tested(self, code: int, report: Path) -> None:
        self._self_test = None
        try:
            text = report.read_text(encoding="utf-8")
        except OSError as exc:
            text = f"The self-test wrote no report ({exc})"
        finally:
            report.unlink(missing_ok=True)
        self.statusBar().showMessage("Self-test passed" if code == 0 else "Self-test found problems", 10_000)
        box = QMessageBox(QMessageBox.Icon.Information if code == 0 else QMessageBox.Icon.Warning, "Self-test",
                          "Every check passed." if code == 0 else "Some checks failed.", parent=self)
        box.setDetailedText(text)
        box.open()

    # -- pages -----------------------------------------------------------------------------------

    def show_page(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.sidebar.setCurrentRow(index)

    def show_page_named(self, name: str) -> None:
        """Open the page of that name ("errors", "conflicts", "sync" …)."""
        for index, page_class in enumerate(PAGES):
            if page_class.title.lower() == name.lower():
                self.show_page(index)

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _page_chosen(self, index: int) -> None:
        if index < 0:
            return
        self.stack.setCurrentIndex(index)
        self._refresh(self.pages[index])

    @staticmethod
    def _refresh(page: QWidget) -> None:
        try:
            page.refresh()
        except ERPSyncError as exc:  # a page that cannot load says so; the window stays usable
            log.error("%s: %s", type(page).__name__, exc)

    # -- syncing from the menu and the keyboard --------------------------------------------------

    def current_entity(self) -> str | None:
        """The entity F5 syncs: the one the page shown is about, else the one the Sync page used last."""
        page = self.current_page()
        entity = page.current_entity() if hasattr(page, "current_entity") else None
        return entity or self._page_of(SyncPage).last_entity

    def sync_current_entity(self) -> bool:
        entity = self.current_entity()
        if entity is None:
            self.statusBar().showMessage("Choose an entity first: F5 syncs the entity of the page shown", 8000)
            return False
        started = self._page_of(SyncPage).start(entity)
        self.statusBar().showMessage(f"Syncing {label(entity)}…" if started else
                                     f"{label(entity)} is already syncing", 8000)
        return started

    def sync_all(self) -> bool:
        order = self.ctx.sync_all.start()
        if not order:
            self.statusBar().showMessage("Sync all is already running" if self.ctx.sync_all.running else
                                         "Nothing to sync in this profile", 8000)
            return False
        self.statusBar().showMessage(f"Syncing all: {', '.join(label(e) for e in order)}", 10_000)
        return True

    def cancel_runs(self) -> int:
        """Cancel Sync all and every run of the profile; returns how many runs were told to stop."""
        self.ctx.sync_all.cancel()
        count = sum(1 for key in self.ctx.runs.running() if self.ctx.runs.cancel(key.profile, key.entity))
        self.statusBar().showMessage(f"Cancelling {plural(count, 'run')} after the current batch…" if count else
                                     "No sync is running", 8000)
        return count

    # -- profiles --------------------------------------------------------------------------------

    def load_profiles(self) -> None:
        """Fill the switcher; keep the current profile, else the remembered one, else the first."""
        try:
            names = [p.name for p in self.ctx.service.config.list_profiles()]
        except ERPSyncError as exc:
            self.statusBar().showMessage(str(exc))
            names = []
        wanted = self.ctx.profile.name or self.settings.value("last_profile", "", str)
        if wanted not in names:
            wanted = names[0] if names else None
        self.profiles.blockSignals(True)
        self.profiles.clear()
        self.profiles.addItems(names)
        if wanted:
            self.profiles.setCurrentText(wanted)
        self.profiles.blockSignals(False)
        fill_profiles(self.menus, names, wanted, self.ctx.profile.select)
        if wanted:
            self.ctx.profile.select(wanted)
        self._update_title()
        self.update_health()
        self.update_next_run()

    def _profile_chosen(self, index: int) -> None:
        if index >= 0:
            self.ctx.profile.select(self.profiles.itemText(index))

    def _profile_changed(self, name: str) -> None:
        if self.profiles.currentText() != name:
            self.profiles.blockSignals(True)
            self.profiles.setCurrentText(name)
            self.profiles.blockSignals(False)
        for action in self.menus.profile_group.actions():
            action.setChecked(action.data() == name)
        self.settings.setValue("last_profile", name)
        self._update_title()
        self.update_health()
        self.update_next_run()
        page = self.current_page()
        if page is not None:
            self._refresh(page)

    def _profile_saved(self, name: str) -> None:
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "apply_profile"):
            try:
                scheduler.apply_profile(self.ctx.service.profile(name))
            except ERPSyncError as exc:
                self.statusBar().showMessage(f"Schedule not updated: {exc}", 10_000)
        self.update_health()
        self.update_next_run()

    def _update_title(self) -> None:
        name = self.ctx.profile.name
        self.setWindowTitle(f"{APP_NAME} — {name}" if name else APP_NAME)

    # -- badges and the status bar ---------------------------------------------------------------

    def show_open_work(self, work: OpenWork) -> None:
        """Count badges on Errors (open errors and failed runs) and Conflicts (decisions waiting)."""
        for index, page_class in enumerate(PAGES):
            item = self.sidebar.item(index)
            if page_class is ErrorsPage:
                count = work.open_errors + len(work.run_failures)
                set_badge(item, count, "error", page_class.title,
                          "open" if not work.run_failures else "open, runs failed included", f"Ctrl+{index + 1}")
            elif page_class is ConflictsPage:
                set_badge(item, work.open_conflicts, "warn", page_class.title, "waiting", f"Ctrl+{index + 1}")
        self.sidebar.viewport().update()

    def _run_ended(self, profile: str, *_args: object) -> None:
        # a run speaks for each side's health now: the stored status it left replaces the last test's
        self._last_tests.pop(profile, None)
        self.update_health()

    def _tested(self, name: str, results: dict) -> None:
        self._last_tests[name] = results
        self.update_health()

    def _signed_in(self, name: str, side: Side) -> None:
        self._last_tests.get(name, {}).pop(side, None)  # the stored status says "active" now
        self.update_health()

    def show_connections(self) -> None:
        self.show_page(self.pages.index(self._page_of(ConnectionsPage)))

    def update_health(self) -> None:
        """Each side's state: this session's last test, else the status stored by the last test or run."""
        name = self.ctx.profile.name
        if name is None:
            return
        try:
            profile = self.ctx.service.profile(name)
            stored = self.ctx.service.config.endpoint_status(profile.id)
        except ERPSyncError as exc:
            self.statusBar().showMessage(str(exc))
            return
        self._show_expired([side for side, status in stored.items() if status.status == "expired"])
        tested = self._last_tests.get(name, {})
        for side, badge in self.health.items():
            text = side.value.upper()
            result = tested.get(side)
            if result is not None:
                level = "ok" if result.ok else ("warn" if result.reachable else "error")
                word = "connected" if result.ok else ("not signed in" if result.reachable else "unreachable")
                latency = f", {result.latency_ms:.0f} ms" if result.ok and result.latency_ms is not None else ""
                badge.set_status(level, f"{text}: {word}{latency}", result.message)
                continue
            status = stored.get(side)
            if status is None or (status.status == "active" and not status.message):
                badge.set_status("idle", f"{text}: not tested", "Test it on the Connections page")
            else:
                level, word = _HEALTH.get(status.status, ("error", status.status))
                badge.set_status(level, f"{text}: {word}", status.message)

    def _show_expired(self, sides: list[Side]) -> None:
        """A warning in the status bar that leads to the Connections page while a sign-in has expired."""
        text = expired_text(sides)
        self.expired_notice.setText(text)
        self.expired_notice.setVisible(bool(text))

    def update_next_run(self) -> None:
        scheduler, name = self.ctx.scheduler, self.ctx.profile.name
        if scheduler is None or name is None or not hasattr(scheduler, "next_run"):
            self.next_run.set_status("idle", "Next run: no scheduler")
            return
        try:
            moment = scheduler.next_run(name)
        except Exception as exc:  # the status bar must not break on a scheduler hiccup
            log.warning("next run of %s unknown: %s", name, exc)
            moment = None
        paused = bool(getattr(scheduler, "paused", False))
        text = "Next run: paused" if paused else f"Next run: {when_text(moment)}"
        self.next_run.set_status("warn" if paused else ("busy" if moment else "idle"), text)

    # -- tray, geometry and closing --------------------------------------------------------------

    def set_tray(self, tray) -> None:
        """Use the tray: closing then hides the window; the tray's Quit really quits."""
        self.tray = tray
        if hasattr(tray, "quit_requested"):
            # the tray asked already while a sync ran
            tray.quit_requested.connect(lambda: self.quit_app(confirmed=True))

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self, confirmed: bool = False) -> bool:
        """Quit, after asking while a sync runs (finished batches are kept) unless that was `confirmed`; False
        when the admin keeps it running."""
        if not confirmed and not confirm_quit(self if self.isVisible() else None, self.ctx.runs):
            return False
        self._quitting = True
        self.close()
        QApplication.quit()
        return True

    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1240, 780)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)
        self.show_page(self.settings.value("page", 0, int))

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("page", self.sidebar.currentRow())
        if self.ctx.profile.name:
            self.settings.setValue("last_profile", self.ctx.profile.name)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        if self.tray is not None and getattr(self.tray, "available", False) and not self._quitting:
            event.ignore()
            self.hide()
            self.tray.notify_hidden_once()
            return
        # without a tray, closing the window quits: it asks first while a sync runs, as Quit does
        if not self._quitting and not self._shut_down and not confirm_quit(self, self.ctx.runs):
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop runs and the scheduler once; the caller closes the service and the store."""
        if self._shut_down:
            return
        self._shut_down = True
        self._clock.stop()
        self.ctx.sync_all.cancel()
        self.ctx.runs.shutdown()
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "shutdown"):
            scheduler.shutdown()
