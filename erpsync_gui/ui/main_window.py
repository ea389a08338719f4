"""The main window: a menu bar (File, Profiles, Sync, Tools, Help), a sidebar of pages with the profile
switcher above it and count badges where work waits, the pages in a stack, and a status bar with both sides'
health (from connection tests and from runs) and the next scheduled run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
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
from erpsync_gui.ui import icons, theme
from erpsync_gui.ui.opening_panel import OpeningPanel
from erpsync_gui.ui.page_list import PAGE_ENTRIES, page_classes
from erpsync_gui.ui.widgets.sidebar import BadgeDelegate
from erpsync_gui.ui.window_closing import QuitAndClose
from erpsync_gui.ui.window_menus import build_menus, connect_menus
from erpsync_gui.ui.window_pages import PageStack
from erpsync_gui.ui.window_profiles import ProfileSwitcher
from erpsync_gui.ui.window_settings import SETTINGS_FILE, RememberedWindowState, ui_settings
from erpsync_gui.ui.window_sync_commands import SyncCommands
from erpsync_gui.ui.window_tool_windows import ToolWindows

# the pages, the dialogs and the context pull in the store and the engine: imported once the store is open, so the
# window is drawn first
if TYPE_CHECKING:
    from erpsync_gui.ui.context import UiContext
    from erpsync_gui.ui.help_window import HelpWindow
    from erpsync_gui.ui.self_test_launcher import SelfTestLauncher

# the window's parts live in modules of their own; what other modules import from here stays importable here
# (PAGES too, through __getattr__)
__all__ = ["OPENING_TEXT", "SETTINGS_FILE", "MainWindow", "ui_settings"]

#: shown in the window while the state database opens
OPENING_TEXT = "Opening the state database…"


def __getattr__(name: str) -> Any:
    # PAGES, the page classes in sidebar order, is imported on first use: the pages need the store
    if name == "PAGES":
        return page_classes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class MainWindow(PageStack, ProfileSwitcher, SyncCommands, ToolWindows, RememberedWindowState, QuitAndClose,
                 QMainWindow):
    """Built from a UiContext; `set_tray` wires the tray in when the app has one. At launch it is built from the
    data directory alone and shown while the state database opens ("Opening…" where the pages go), then
    `attach` gives it the context and builds the pages."""

    #: every page is built (at once with a context given, else some turns after `attach`)
    pages_built = Signal()

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
                menu.menuAction().setEnabled(False)
            self.statusBar().showMessage(OPENING_TEXT)
        else:
            self.attach(ctx)

    @property
    def attached(self) -> bool:
        """Whether the window has its context (the state database is open) and its pages."""
        return self.ctx is not None

    def attach(self, ctx: UiContext, *, gradual: bool = False) -> None:
        """The state database is open: build the pages, the status bar's health and the profile switcher, and
        connect the menus, the pages and the context. `gradual` (at launch) builds the page shown and those
        before it now and the others one per turn of the event loop, so the window answers meanwhile; a page
        asked for sooner is built then. `pages_built` follows the last one."""
        from erpsync_gui.ui.profiles.actions import ProfileActions
        from erpsync_gui.ui.status_health import StatusHealth

        self.ctx = ctx
        self.status_health = StatusHealth(ctx, self.statusBar(), self)
        self.status_health.sign_in_wanted.connect(self.show_connections)
        #: each side's badge in the status bar
        self.health = self.status_health.badges
        self.next_run = self.status_health.next_run
        self.expired_notice = self.status_health.expired_notice
        current = max(self.sidebar.currentRow(), 0)
        self._build_pages_to(current if gradual else len(PAGE_ENTRIES) - 1)
        if self.opening is not None:
            self.stack.removeWidget(self.opening)
            self.opening.deleteLater()
            self.opening = None
        self.stack.setCurrentIndex(current)
        self.profiles.setEnabled(True)
        for menu in (self.menus.file, self.menus.profiles, self.menus.sync, self.menus.tools, self.menus.help):
            menu.menuAction().setEnabled(True)
        self.statusBar().clearMessage()

        ctx.profile.changed.connect(self._profile_changed)
        ctx.profile.saved.connect(self._profile_saved)
        ctx.bridge.run_finished.connect(self._run_ended)
        ctx.bridge.run_failed.connect(self._run_ended)
        ctx.open_work.changed.connect(self.show_open_work)
        connect_menus(self, self.menus)
        self.load_profiles()
        # the Profiles menu's commands and, while there is no profile, the welcome page in front of the pages
        self.profile_actions = ProfileActions(self)
        self._page_chosen(self.sidebar.currentRow())
        ctx.open_work.refresh()
        if len(self.pages) < len(PAGE_ENTRIES):
            QTimer.singleShot(0, self, self._build_next_page)

    def show_store_failure(self, message: str) -> None:
        """The state database did not open (or the services on it did not start): say why where the pages go,
        and in the status bar."""
        if self.opening is None:  # the pages were being built already
            self.opening = OpeningPanel(OPENING_TEXT)
            self.stack.addWidget(self.opening)
        self.opening.show_failure(message)
        self.stack.setCurrentWidget(self.opening)
        self.statusBar().showMessage("The state database did not open")

    # -- menus -----------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        self.menus = build_menus(self)
        self.about_action = self.menus.about
        self.service_action = self.menus.connect_service

    # -- the status bar --------------------------------------------------------------------------

    def _run_ended(self, profile: str, *_args: object) -> None:
        self.status_health.run_ended(profile)

    def update_health(self) -> None:
        self.status_health.update()

    def update_next_run(self) -> None:
        self.status_health.update_next_run()
