"""The main window: a menu bar (File, Profiles, Sync, Tools, Help), a sidebar of pages with the profile
switcher above it and count badges where work waits, the pages in a stack, and a status bar with both sides'
health (from connection tests and from runs) and the next scheduled run."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QSize, Qt
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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui import APP_NAME
from erpsync_gui.entities import label
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.ui import icons, theme
from erpsync_gui.ui.opening_panel import OpeningPanel
from erpsync_gui.ui.page_list import PAGE_ENTRIES, page_classes
from erpsync_gui.ui.quit_guard import confirm_quit
from erpsync_gui.ui.widgets.sidebar import BadgeDelegate, set_badge
from erpsync_gui.ui.window_menus import build_menus, connect_menus, fill_profiles

# the pages, the dialogs and the context pull in the store and the engine: imported once the store is open, so the
# window is drawn first
if TYPE_CHECKING:
    from erpsync_gui.store.open_work import OpenWork
    from erpsync_gui.ui.about_dialog import AboutDialog
    from erpsync_gui.ui.context import UiContext
    from erpsync_gui.ui.help_window import HelpWindow
    from erpsync_gui.ui.maintenance_dialog import MaintenanceDialog
    from erpsync_gui.ui.self_test_launcher import SelfTestLauncher

log = logging.getLogger("erpsync.ui")

SETTINGS_FILE = "erpsync-gui.ini"
#: shown in the window while the state database opens
OPENING_TEXT = "Opening the state database…"


def __getattr__(name: str) -> Any:
    # PAGES, the page classes in sidebar order, is imported on first use: the pages need the store
    if name == "PAGES":
        return page_classes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _page_class(title: str) -> type:
    return next(c for c, e in zip(page_classes(), PAGE_ENTRIES, strict=True) if e.title == title)


def ui_settings(data_dir: Path) -> QSettings:
    """The window's remembered state, in the data directory (never the registry), so tests stay isolated."""
    return QSettings(str(Path(data_dir) / SETTINGS_FILE), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """Built from a UiContext; `set_tray` wires the tray in when the app has one. At launch it is built from the
    data directory alone and shown while the state database opens ("Opening…" where the pages go), then
    `attach` gives it the context and builds the pages."""

    def __init__(self, ctx: UiContext | None = None, parent: QWidget | None = None, *,
                 data_dir: Path | None = None) -> None:
        super().__init__(parent)
        if ctx is None and data_dir is None:
            raise TypeError("MainWindow needs a UiContext or, until the store is open, the data directory")
        #: the services, the runs and the profile the pages show; None until the store is open (`attach`)
        self.ctx: UiContext | None = None
        self.settings = ui_settings(ctx.data_dir if ctx is not None else Path(str(data_dir)))
        self.tray = None
        self.help_window: HelpWindow | None = None
        self._quitting = False
        self._shut_down = False
        self._self_test: SelfTestLauncher | None = None
        self.service_window = None
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
        for number, entry in enumerate(PAGE_ENTRIES, start=1):
            item = QListWidgetItem(icons.icon(entry.icon), entry.title)
            item.setToolTip(f"{entry.title} (Ctrl+{number})")
            item.setSizeHint(QSize(0, 40))
            self.sidebar.addItem(item)
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, activated=lambda n=number - 1: self.show_page(n))
        #: where the pages go until they are built: "Opening…", or why the store did not open
        self.opening: OpeningPanel | None = OpeningPanel(OPENING_TEXT)
        self.stack.addWidget(self.opening)

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
        self.side_layout = side_layout
        body = QWidget()
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(0)
        body_layout.addWidget(side)
        body_layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.setTabOrder(self.profiles, self.sidebar)

        self.sidebar.currentRowChanged.connect(self._page_chosen)
        self.profiles.currentIndexChanged.connect(self._profile_chosen)
        theme.notifier.changed.connect(self._retint)
        self._build_menus()
        self._restore()
        if ctx is None:
            self.profiles.setEnabled(False)
            for menu in (self.menus.file, self.menus.profiles, self.menus.sync, self.menus.tools, self.menus.help):
                menu.setEnabled(False)
            self.statusBar().showMessage(OPENING_TEXT)
        else:
            self.attach(ctx)

    @property
    def attached(self) -> bool:
        """Whether the window has its context (the state database is open) and its pages."""
        return self.ctx is not None

    def attach(self, ctx: UiContext) -> None:
        """The state database is open: build the pages, the status bar's health and the profile switcher, and
        connect the menus, the pages and the context."""
        from erpsync_gui.ui.pages.connections import ConnectionsPage
        from erpsync_gui.ui.profiles.actions import ProfileActions
        from erpsync_gui.ui.status_health import StatusHealth

        self.ctx = ctx
        for index, page_class in enumerate(page_classes()):
            page = page_class(ctx)
            self.pages.append(page)
            self.stack.insertWidget(index, page)
            if hasattr(page, "open_page_requested"):
                page.open_page_requested.connect(self.show_page_named)
        if self.opening is not None:
            self.stack.removeWidget(self.opening)
            self.opening.deleteLater()
            self.opening = None
        self.profiles.setEnabled(True)
        for menu in (self.menus.file, self.menus.profiles, self.menus.sync, self.menus.tools, self.menus.help):
            menu.setEnabled(True)
        self.statusBar().clearMessage()

        self.status_health = StatusHealth(ctx, self.statusBar(), self)
        self.status_health.sign_in_wanted.connect(self.show_connections)
        #: each side's badge in the status bar
        self.health = self.status_health.badges
        self.next_run = self.status_health.next_run
        self.expired_notice = self.status_health.expired_notice

        ctx.profile.changed.connect(self._profile_changed)
        ctx.profile.saved.connect(self._profile_saved)
        ctx.bridge.run_finished.connect(self._run_ended)
        ctx.bridge.run_failed.connect(self._run_ended)
        ctx.open_work.changed.connect(self.show_open_work)
        for page in self.pages:
            if isinstance(page, ConnectionsPage):
                page.tested.connect(self.status_health.tested)
                page.signed_in.connect(self.status_health.signed_in)

        connect_menus(self, self.menus)
        self.load_profiles()
        # the Profiles menu's commands and, while there is no profile, the welcome page in front of the pages
        self.profile_actions = ProfileActions(self)
        self._page_chosen(self.sidebar.currentRow())
        ctx.open_work.refresh()

    def show_store_failure(self, message: str) -> None:
        """The state database did not open: say why where the pages go, and in the status bar."""
        if self.opening is not None:
            self.opening.show_failure(message)
        self.statusBar().showMessage("The state database did not open")

    # -- menus -----------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        self.menus = build_menus(self)
        self.about_action = self.menus.about
        self.service_action = self.menus.connect_service

    def page_of(self, page_class) -> QWidget:
        return next(p for p in self.pages if isinstance(p, page_class))

    def open_page_of(self, page_class) -> QWidget:
        """Show the page of that class and return it (the menus' commands that act on a page)."""
        page = self.page_of(page_class)
        self.show_page(self.pages.index(page))
        return page

    def show_about(self) -> AboutDialog:
        """The About dialog (window-modal, closed with the window)."""
        from erpsync_gui.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self.ctx.data_dir, self.ctx.store.url, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_help(self, topic: str | None = None) -> HelpWindow:
        """The user guide at `topic`, else at the page shown (F1)."""
        from erpsync_gui.ui.help_window import HelpWindow

        if self.help_window is None:
            self.help_window = HelpWindow(self)
        page = self.current_page()
        self.help_window.show_topic(topic or getattr(page, "help_topic", None) or type(page).title.lower())
        return self.help_window

    def show_maintenance(self) -> MaintenanceDialog:
        from erpsync_gui.ui.maintenance_dialog import MaintenanceDialog
        from erpsync_gui.ui.pages.dashboard import DashboardPage

        dialog = MaintenanceDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.statistics_reset.connect(lambda: self._refresh(self.page_of(DashboardPage)))
        dialog.open()
        return dialog

    def run_self_test(self) -> None:
        """The installation's self-test in a process of its own; its report shown when it ends."""
        from erpsync_gui.ui.self_test_launcher import SelfTestLauncher

        if self._self_test is None or not self._self_test.running:
            self._self_test = SelfTestLauncher(self)
            self._self_test.start()

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
        if 0 <= index < len(PAGE_ENTRIES):
            self.sidebar.setCurrentRow(index)

    def show_page_named(self, name: str) -> None:
        """Open the page of that name ("errors", "conflicts", "sync" …)."""
        for index, entry in enumerate(PAGE_ENTRIES):
            if entry.title.lower() == name.lower():
                self.show_page(index)

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _page_chosen(self, index: int) -> None:
        if index < 0:
            return
        if index >= len(self.pages):  # not built yet: the store is still opening
            if self.opening is not None:
                self.opening.set_title(PAGE_ENTRIES[index].title)
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
        return entity or self.page_of(_page_class("Sync")).last_entity

    def sync_current_entity(self) -> bool:
        entity = self.current_entity()
        if entity is None:
            self.statusBar().showMessage("Choose an entity first: F5 syncs the entity of the page shown", 8000)
            return False
        started = self.page_of(_page_class("Sync")).start(entity)
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
        from erpsync_gui.app.attention import plural

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
        from erpsync_gui.app.attention import plural

        for index, page_class in enumerate(PAGE_ENTRIES):
            item = self.sidebar.item(index)
            if page_class.title == "Errors":
                failed = len(work.run_failures)
                paused = sum(f.quota for f in work.run_failures)
                runs = [plural(n, word) for n, word in ((failed - paused, "failed run"), (paused, "paused run")) if n]
                what = f"open ({', '.join(runs)})" if runs else "open"
                set_badge(item, work.open_errors + failed, "error", page_class.title, what, f"Ctrl+{index + 1}")
            elif page_class.title == "Conflicts":
                set_badge(item, work.open_conflicts, "warn", page_class.title, "waiting", f"Ctrl+{index + 1}")
        self.sidebar.viewport().update()

    def _retint(self, _scheme: str) -> None:
        """The OS turned light or dark while the app ran: the sidebar's icons take the new tint."""
        for index, entry in enumerate(PAGE_ENTRIES):
            self.sidebar.item(index).setIcon(icons.icon(entry.icon))

    def _run_ended(self, profile: str, *_args: object) -> None:
        self.status_health.run_ended(profile)

    def show_connections(self) -> None:
        self.show_page(self.pages.index(self.page_of(_page_class("Connections"))))

    def update_health(self) -> None:
        self.status_health.update()

    def update_next_run(self) -> None:
        self.status_health.update_next_run()

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
        if not confirmed and self.attached and not confirm_quit(self if self.isVisible() else None, self.ctx.runs):
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
            self.resize(self._first_size())
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)
        self.show_page(self.settings.value("page", 0, int))

    def _first_size(self) -> QSize:
        """1240x780, or less on a small screen: a 1366x768 laptop (or one at 150 %) gets the whole window with
        its title bar and status bar on screen, never its bottom cut off."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return QSize(1240, 780)
        room = screen.availableGeometry()
        # the title bar and frame are not known before the first show; 40 px covers Windows' at 100-150 %
        width = min(1240, room.width() - 16)
        height = min(780, room.height() - 40)
        return QSize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))

    def save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.setValue("page", self.sidebar.currentRow())
        if self.attached and self.ctx.profile.name:
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
        # (before the store is open nothing runs yet)
        if not self._quitting and not self._shut_down and self.attached and not confirm_quit(self, self.ctx.runs):
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop runs and the scheduler once; the caller closes the service and the store."""
        if self._shut_down:
            return
        self._shut_down = True
        if not self.attached:
            return
        self.status_health.stop()
        self.ctx.sync_all.cancel()
        self.ctx.runs.shutdown()
        scheduler = self.ctx.scheduler
        if scheduler is not None and hasattr(scheduler, "shutdown"):
            scheduler.shutdown()
