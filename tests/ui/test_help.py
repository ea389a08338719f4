"""The bundled user guide: a page per screen and the troubleshooting table, in the help window (F1 opens it
at the page shown, links move between pages) and on the command line (`erpsync help [topic]`), offline."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from erpsync_gui.cli import main as cli_main
from erpsync_gui.help_text import TOPICS, help_dir, topic_text
from erpsync_gui.ui.help_window import HelpWindow
from erpsync_gui.ui.main_window import PAGES

TROUBLES = ("Missing client token", "currency mapping", "Duplicates", "The schedule does not run", "Retries are slow")


def test_every_screen_has_a_page_and_every_page_is_bundled():
    names = {t.name for t in TOPICS}
    assert {page.help_topic for page in PAGES} <= names
    assert all((help_dir() / t.file).is_file() for t in TOPICS)


def test_the_troubleshooting_table_covers_the_common_problems():
    page = topic_text("troubleshooting")
    for problem in TROUBLES:
        assert problem in page
    assert "What to do: On Connections, enter the ERP's Client token" in page


def test_the_menus_page_names_every_entry_of_the_tools_menu(qtbot, ui_ctx):
    from erpsync_gui.ui.main_window import MainWindow

    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    page = " ".join(topic_text("keyboard").lower().split())
    words = {"&Test connections": "test the connections", "&Maintenance…": "maintenance",
             "&Connect to a service…": "connect to an erpsync service", "&Self-test…": "self-test"}
    entries = [a.text() for a in window.menus.tools.actions() if not a.isSeparator()]
    assert sorted(entries) == sorted(words)
    for entry in entries:
        assert words[entry] in page, entry


def test_the_command_line_prints_a_topic_and_the_list(capsys):
    assert cli_main(["help", "troubleshooting"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Troubleshooting\n===============") and "Retries are slow" in out
    assert "<td>" not in out and "<b>" not in out
    assert cli_main(["help"]) == 0
    listing = capsys.readouterr().out
    assert all(t.name in listing for t in TOPICS)
    assert cli_main(["help", "nosuchtopic"]) == 2
    assert "topics: index, dashboard" in capsys.readouterr().err


def test_the_command_prints_it_without_loading_qt():
    script = ("import sys; from erpsync_gui.cli import main; code = main(['help', 'keyboard']); "
              "sys.exit(3 if 'PySide6' in sys.modules else code)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr  # 3: the command pulled in Qt
    assert "Ctrl+Shift+S" in done.stdout


@pytest.mark.parametrize("name", ["index", "sync", "troubleshooting"])
def test_the_help_window_shows_the_page_and_follows_links(qtbot, name):
    window = HelpWindow()
    qtbot.addWidget(window)
    window.show_topic(name)
    qtbot.waitUntil(lambda: window.topics.currentRow() == [t.name for t in TOPICS].index(name))
    assert window.current_topic() == name
    assert window.browser.toPlainText().strip()
    if name == "index":
        window.browser.setSource(window.browser.source().resolved("errors.html"))  # as a click on its link does
        assert window.current_topic() == "errors" and window.back_button.isEnabled()
        qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
        assert window.current_topic() == "index"
        row = window.topics.visualItemRect(window.topics.item(9)).center()
        qtbot.mouseClick(window.topics.viewport(), Qt.MouseButton.LeftButton, pos=row)
        assert window.current_topic() == "troubleshooting"
