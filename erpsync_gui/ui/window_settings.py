"""The main window's remembered state: kept in an ini file in the data directory, restored when the window is
made (size and place, the page shown) and saved when it closes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QSize
from PySide6.QtWidgets import QApplication

SETTINGS_FILE = "erpsync-gui.ini"


def ui_settings(data_dir: Path) -> QSettings:
    """The window's remembered state, in the data directory (never the registry), so tests stay isolated."""
    return QSettings(str(Path(data_dir) / SETTINGS_FILE), QSettings.Format.IniFormat)


class RememberedWindowState:
    """The main window's geometry, layout, page and last profile, restored and saved (mixed into MainWindow,
    which owns `settings`, the sidebar and the context)."""

    if TYPE_CHECKING:
        # the rest of MainWindow (a QMainWindow with its settings, sidebar and context) as seen from here
        def __getattr__(self, name: str) -> Any: ...

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
