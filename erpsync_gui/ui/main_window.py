"""The main window: a sidebar of pages with the profile switcher above it, the pages in a stack, and a
status bar with both sides' connection health and the next scheduled run."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui import APP_NAME
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.about_dialog import AboutDialog
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.connections import ConnectionsPage
from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.pages.errors import ErrorsPage
from erpsync_gui.ui.pages.expired_banner import expired_text
from erpsync_gui.ui.pages.logs import LogsPage
from erpsync_gui.ui.pages.mappings import MappingsPage
from erpsync_gui.ui.pages.sync import SyncPage
from erpsync_gui.ui.when import when_text
from erpsync_gui.ui.widgets.status_badge import StatusBadge

log = logging.getLogger("erpsync.ui")

PAGES = (DashboardPage, SyncPage, ConnectionsPage, MappingsPage, LogsPage, ErrorsPage)
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
        self._quitting = False
        self._shut_down = False
        self._last_tests: dict[str, dict[Side, object]] = {}
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

        side = QFrame()
        side.setObjectName("sidePanel")
        side.setFixedWidth(216)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 16, 12, 12)
        side_layout.setSpacing(8)
        brand = QLabel(APP_NAME)
        brand.setObjectName("brand")
        caption = QLabel("Profile")
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
        ctx.bridge.run_finished.connect(lambda *_: self.update_health())
        ctx.bridge.run_failed.connect(lambda *_: self.update_health())
        for page in self.pages:
            if isinstance(page, ConnectionsPage):
                page.tested.connect(self._tested)
                page.signed_in.connect(self._signed_in)

        self._add_help_menu()
        self.load_profiles()
        self._restore()

    # -- help ------------------------------------------------------------------------------------

    def _add_help_menu(self) -> None:
        service_menu = self.menuBar().addMenu("&Service")
        self.service_action = service_menu.addAction("&Connect to a service…")
        self.service_action.setToolTip("Show and control the runs of an ERPSync service on a server")
        self.service_action.triggered.connect(self.show_service)
        self.service_window = None
        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = help_menu.addAction(icons.app_icon(), f"&About {APP_NAME}")
        self.about_action.triggered.connect(self.show_about)

    def show_about(self) -> AboutDialog:
        """The About dialog (window-modal, closed with the window)."""
        dialog = AboutDialog(self.ctx.data_dir, self.ctx.store.url, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_service(self):
        """The window of the headless service this PC connects to (erpsync_gui.ui.service_window)."""
        from erpsync_gui.ui.service_window import open_service_window

        if self.service_window is None:
            self.service_window = open_service_window(self.ctx.data_dir, self.ctx.secrets, self)
        self.service_window.show()
        self.service_window.raise_()
        return self.service_window

    # -- pages -----------------------------------------------------------------------------------

    def show_page(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.sidebar.setCurrentRow(index)

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

    # -- status bar ------------------------------------------------------------------------------

    def _tested(self, name: str, results: dict) -> None:
        self._last_tests[name] = results
        self.update_health()

    def _signed_in(self, name: str, side: Side) -> None:
        self._last_tests.get(name, {}).pop(side, None)  # the stored status says "active" now
        self.update_health()

    def show_connections(self) -> None:
        for index, page in enumerate(self.pages):
            if isinstance(page, ConnectionsPage):
                self.show_page(index)

    def update_health(self) -> None:
        """Each side's state: this session's last test, else the status stored with the endpoint."""
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
            label = side.value.upper()
            result = tested.get(side)
            if result is not None:
                level = "ok" if result.ok else ("warn" if result.reachable else "error")
                word = "connected" if result.ok else ("not signed in" if result.reachable else "unreachable")
                latency = f", {result.latency_ms:.0f} ms" if result.ok and result.latency_ms is not None else ""
                badge.set_status(level, f"{label}: {word}{latency}", result.message)
                continue
            status = stored.get(side)
            if status is None or (status.status == "active" and not status.message):
                badge.set_status("idle", f"{label}: not tested", "Test it on the Connections page")
            else:
                level, word = _HEALTH.get(status.status, ("error", status.status))
                badge.set_status(level, f"{label}: {word}", status.message)

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
            tray.quit_requested.connect(self.quit_app)

    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        self._quitting = True
        self.close()
        from PySide6.QtWidgets import QApplication

        QApplication.quit()

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
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop runs and the scheduler once; the caller closes the service and the store."""
        if self._shut_down:
            return
        self._shut_down = True
        self._clock.stop()
        self.ctx.runs.shutdown()
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "shutdown"):
            scheduler.shutdown()
