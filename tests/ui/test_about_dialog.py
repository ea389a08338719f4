"""Help > About ERPSync: the version and where this installation keeps its files, with a button that opens the
log folder (the opener is injected, so no file manager starts)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import Qt

from erpsync_gui import __version__
from erpsync_gui.ui.about_dialog import CAPTION_ROOM, AboutDialog, database_location
from erpsync_gui.ui.main_window import MainWindow


class Opener:
    def __init__(self, works: bool = True) -> None:
        self.works = works
        self.opened: list[Path] = []

    def __call__(self, path: Path) -> bool:
        self.opened.append(path)
        return self.works


def _dialog(qtbot, data: Path, opener: Opener, url: str | None = None) -> AboutDialog:
    dialog = AboutDialog(data, url or f"sqlite:///{data / 'erpsync.db'}", opener=opener)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_dialog_shows_the_version_and_every_location(qtbot, tmp_path):
    data = tmp_path / "data"
    dialog = _dialog(qtbot, data, Opener())
    assert dialog.version_label.text() == f"Version {__version__}"
    assert {caption: field.text() for caption, field in dialog.fields.items()} == {
        "Data folder": str(data),
        "State database": str(data / "erpsync.db"),
        "Log folder": str(data / "logs"),
        "Cache folder": str(data / "cache"),
    }
    assert all(field.isReadOnly() for field in dialog.fields.values())


def test_the_default_data_folder_has_the_os_log_and_cache_folders(qtbot, tmp_path, monkeypatch):
    for kind in ("data", "log", "cache"):
        monkeypatch.setattr(platformdirs, f"user_{kind}_dir", lambda *_a, k=kind, **_k: str(tmp_path / f"os-{k}"))
    dialog = _dialog(qtbot, tmp_path / "os-data", Opener())
    assert dialog.fields["Log folder"].text() == str(tmp_path / "os-log")
    assert dialog.fields["Cache folder"].text() == str(tmp_path / "os-cache")


def test_open_log_folder_opens_it(qtbot, tmp_path):
    opener = Opener()
    dialog = _dialog(qtbot, tmp_path / "data", opener)
    qtbot.mouseClick(dialog.open_logs_button, Qt.MouseButton.LeftButton)
    assert opener.opened == [tmp_path / "data" / "logs"]
    assert opener.opened[0].is_dir() and not dialog.status.isVisible()


def test_a_log_folder_that_cannot_be_opened_is_said_with_its_path(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path / "data", Opener(works=False))
    qtbot.mouseClick(dialog.open_logs_button, Qt.MouseButton.LeftButton)
    assert dialog.status.isVisible() and str(tmp_path / "data" / "logs") in dialog.status.text()


def test_close_closes(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path / "data", Opener())
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_a_server_database_is_shown_without_its_password():
    assert database_location("postgresql+psycopg://sync:s3cret@db.example.com/erpsync") == (
        "postgresql+psycopg://sync:***@db.example.com/erpsync")
    assert database_location("sqlite:////var/lib/erpsync/erpsync.db") == str(Path("/var/lib/erpsync/erpsync.db"))


def test_help_about_in_the_main_window_opens_the_dialog(qtbot, ui_ctx):
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.show()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert [a.text() for a in help_menu.actions() if not a.isSeparator()] == [
        "&User guide", "&Troubleshooting", "&About ERPSync"]
    window.about_action.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "About ERPSync"
    assert dialog.fields["State database"].text() == str(ui_ctx.data_dir.resolve() / "erpsync.db")
    dialog.close()
    window.shutdown()


def test_a_long_path_is_shown_whole_as_far_as_the_screen_allows_and_enter_closes(qtbot, tmp_path):
    data = tmp_path / "Users" / "Jane Doe-Smithson" / "AppData" / "Local" / "ERPSync"
    dialog = _dialog(qtbot, data, Opener())
    screen = dialog.screen().availableGeometry().width()
    assert dialog.frameGeometry().width() <= screen  # the dialog itself is never wider than the screen
    for field in dialog.fields.values():
        shown_whole = field.fontMetrics().horizontalAdvance(field.text())
        assert field.width() >= min(shown_whole, screen - CAPTION_ROOM)
    assert dialog.focusWidget() is dialog.close_button and dialog.close_button.isDefault()
