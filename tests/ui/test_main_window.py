"""The main window: all six pages in the sidebar, Ctrl+1..6 switch them, the profile switcher, the
status bar's connection health, and geometry remembered in the data directory."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest

from erpsync_gui.records import Side
from erpsync_gui.ui.main_window import SETTINGS_FILE, MainWindow
from erpsync_gui.ui.pages.connections import ConnectionsPage
from erpsync_gui.ui.pages.mappings import MappingsPage

TITLES = ["Dashboard", "Sync", "Connections", "Mappings", "Logs", "Errors"]


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def test_sidebar_lists_the_pages_and_ctrl_numbers_switch_them(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == TITLES
    for number in (3, 4, 1, 6, 2, 5):
        # through the window system, as a real key press arrives, so the window's shortcut map sees it
        QTest.keyClick(window.windowHandle(), Qt.Key(int(Qt.Key.Key_0) + number), Qt.KeyboardModifier.ControlModifier)
        assert window.sidebar.currentRow() == number - 1
        assert window.current_page() is window.pages[number - 1]
        assert type(window.current_page()).title == TITLES[number - 1]
    window.sidebar.setFocus()
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Down)
    assert window.current_page().title == "Errors"


def test_window_opens_on_the_profile_and_shows_health(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    assert window.profiles.currentText() == "demo" and "demo" in window.windowTitle()
    assert window.health[Side.ERP].text().startswith("ERP:")
    connections = next(p for p in window.pages if isinstance(p, ConnectionsPage))
    window.show_page(window.pages.index(connections))
    with qtbot.waitSignal(connections.tested, timeout=30_000):
        connections.test_button.click()
    assert window.health[Side.ERP].level == "ok" and "connected" in window.health[Side.ERP].text()
    assert window.health[Side.CRM].level == "ok"


def test_geometry_and_page_are_restored_from_the_data_dir(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    window.setGeometry(QRect(20, 30, 780, 600))
    mappings = next(i for i, p in enumerate(window.pages) if isinstance(p, MappingsPage))
    window.show_page(mappings)
    window.close()
    assert (ui_ctx.data_dir / SETTINGS_FILE).is_file()

    again = _window(qtbot, ui_ctx)
    assert again.size().width() == 780 and again.size().height() == 600
    assert again.sidebar.currentRow() == mappings
