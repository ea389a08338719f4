"""The main window's menu bar, as a Windows admin expects it: File, Profiles, Sync, Tools, Help, with access
keys and the shortcuts F5 (sync the current entity), Ctrl+Shift+S (sync all) and F1 (help)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from erpsync_gui import APP_NAME
from erpsync_gui.ui import icons


@dataclass
class WindowMenus:
    file: QMenu
    profiles: QMenu
    sync: QMenu
    tools: QMenu
    help: QMenu
    export_log: QAction
    export_errors: QAction
    close_window: QAction
    quit: QAction
    #: the profile switcher's entries go above this separator; profile management (new, duplicate, rename,
    #: delete, import, export) below it
    profiles_anchor: QAction
    profile_group: QActionGroup
    sync_current: QAction
    sync_all: QAction
    cancel_runs: QAction
    pause_schedule: QAction
    test_connections: QAction
    maintenance: QAction
    self_test: QAction
    user_guide: QAction
    troubleshooting: QAction
    about: QAction
    connect_service: QAction


def _action(menu: QMenu, text: str, shortcut: QKeySequence | str | None = None, tip: str | None = None,
            icon: str | None = None) -> QAction:
    action = menu.addAction(icons.icon(icon), text) if icon else menu.addAction(text)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    return action


def build_menus(window: QMainWindow) -> WindowMenus:
    bar = window.menuBar()
    file = bar.addMenu("&File")
    export_log = _action(file, "Export the &log…", tip="Save the lines the Logs page shows to a text file",
                         icon="export")
    export_errors = _action(file, "Export the &errors as CSV…", tip="Save the errors of the Errors page as CSV")
    file.addSeparator()
    close_window = _action(file, "&Close window", QKeySequence.StandardKey.Close,
                           "Close the window; scheduled syncs go on in the tray")
    quit_action = _action(file, "&Quit", "Ctrl+Q", f"Quit {APP_NAME}")

    profiles = bar.addMenu("&Profiles")
    profile_group = QActionGroup(window)
    profile_group.setExclusive(True)
    profiles_anchor = profiles.addSeparator()

    sync = bar.addMenu("&Sync")
    sync_current = _action(sync, "Sync the &current entity", "F5", "Sync the entity of the page shown", "sync")
    sync_all = _action(sync, "Sync &all", "Ctrl+Shift+S", "Sync every enabled entity in dependency order")
    cancel_runs = _action(sync, "Ca&ncel running syncs", tip="Stop every running sync after its current batch",
                          icon="cancel")
    sync.addSeparator()
    pause_schedule = _action(sync, "&Pause schedule", tip="No scheduled runs until resumed")

    tools = bar.addMenu("&Tools")
    test_connections = _action(tools, "&Test connections", "Ctrl+T", "Test both sides of the profile", "test")
    maintenance = _action(tools, "&Maintenance…", tip="Reset statistics, clean up old log lines", icon="tools")
    tools.addSeparator()
    connect_service = _action(tools, "&Connect to a service…",
                              tip="Show and control the runs of an ERPSync service on a server")
    tools.addSeparator()
    self_test = _action(tools, "&Self-test…", tip="Check this installation: modules, resources, keyring, window")

    help_menu = bar.addMenu("&Help")
    user_guide = _action(help_menu, "&User guide", QKeySequence.StandardKey.HelpContents,
                         "The guide, at the page shown", "help")
    troubleshooting = _action(help_menu, "&Troubleshooting", tip="Common problems and what to do")
    help_menu.addSeparator()
    about = help_menu.addAction(icons.app_icon(), f"&About {APP_NAME}")
    # the window holds the actions with shortcuts too: their keys work wherever the focus is in it, whatever the
    # menu bar's state
    for menu in (file, sync, tools, help_menu):
        for action in menu.actions():
            if not action.shortcut().isEmpty():
                window.addAction(action)
    return WindowMenus(file, profiles, sync, tools, help_menu, export_log, export_errors, close_window, quit_action,
                       profiles_anchor, profile_group, sync_current, sync_all, cancel_runs, pause_schedule,
                       test_connections, maintenance, self_test, user_guide, troubleshooting, about, connect_service)


def fill_profiles(menus: WindowMenus, names: list[str], current: str | None, chosen) -> None:
    """One checkable entry per profile above the anchor (Alt+1 … for the first nine); `chosen(name)` on pick."""
    for action in list(menus.profile_group.actions()):
        menus.profile_group.removeAction(action)
        menus.profiles.removeAction(action)
        action.deleteLater()
    for number, name in enumerate(names, start=1):
        text = f"&{number} {name}" if number < 10 else name
        action = QAction(text, menus.profiles)
        action.setCheckable(True)
        action.setChecked(name == current)
        action.setData(name)
        action.triggered.connect(lambda _checked=False, n=name: chosen(n))
        menus.profile_group.addAction(action)
        menus.profiles.insertAction(menus.profiles_anchor, action)


def connect_menus(window, menus: WindowMenus) -> None:
    """Each entry to the window's command; the Sync menu says, when it opens, what can be cancelled."""
    from erpsync_gui.ui.pages.connections import ConnectionsPage
    from erpsync_gui.ui.pages.errors import ErrorsPage
    from erpsync_gui.ui.pages.logs import LogsPage
    from erpsync_gui.ui.pages.sync import SyncPage

    menus.about.triggered.connect(window.show_about)
    menus.user_guide.triggered.connect(lambda: window.show_help())
    menus.troubleshooting.triggered.connect(lambda: window.show_help("troubleshooting"))
    menus.export_log.triggered.connect(lambda: window.open_page_of(LogsPage).export())
    menus.export_errors.triggered.connect(lambda: window.open_page_of(ErrorsPage).export_csv())
    menus.close_window.triggered.connect(window.close)
    menus.quit.triggered.connect(lambda: window.quit_app())
    menus.sync_current.triggered.connect(window.sync_current_entity)
    menus.sync_all.triggered.connect(window.sync_all)
    menus.cancel_runs.triggered.connect(window.cancel_runs)
    menus.pause_schedule.triggered.connect(lambda: window.page_of(SyncPage).schedule.toggle_pause())
    menus.test_connections.triggered.connect(lambda: window.open_page_of(ConnectionsPage).test_connection())
    menus.maintenance.triggered.connect(window.show_maintenance)
    menus.self_test.triggered.connect(window.run_self_test)
    menus.connect_service.triggered.connect(window.show_service)

    def update_sync_menu() -> None:
        ctx = window.ctx
        menus.cancel_runs.setEnabled(bool(ctx.runs.running()) or ctx.sync_all.running)
        scheduler = ctx.scheduler
        menus.pause_schedule.setEnabled(scheduler is not None and hasattr(scheduler, "pause"))
        paused = bool(getattr(scheduler, "paused", False))
        menus.pause_schedule.setText("&Resume schedule" if paused else "&Pause schedule")

    menus.sync.aboutToShow.connect(update_sync_menu)
    update_sync_menu()
