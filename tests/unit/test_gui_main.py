"""`erpsync-gui`'s options for the installers and for support: --start-at-login on/off (what the tray's and the
Sync page's switch do), --remove-user-data, --report only with --self-test, and uncaught errors logged."""

from __future__ import annotations

import logging
import sys

import pytest

from erpsync_gui import __main__ as gui_main
from erpsync_gui.app import autostart
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from tests.unit.test_autostart import _exec_args


@pytest.fixture(autouse=True)
def keep_excepthook(monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs its own


@pytest.mark.skipif(sys.platform == "win32", reason="the XDG entry is Linux's; Windows has the Run key")
def test_start_at_login_on_and_off(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert gui_main.main(["--start-at-login", "on"]) == 0
    assert "start at login is on" in capsys.readouterr().out
    entry = autostart.desktop_entry_path().read_text(encoding="utf-8")
    assert _exec_args(entry) == [sys.executable, "-m", "erpsync_gui", "--minimized"]
    assert gui_main.main(["--start-at-login", "off"]) == 0
    assert "start at login is off" in capsys.readouterr().out
    assert not autostart.is_enabled()


def test_start_at_login_that_cannot_be_written_exits_2(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    monkeypatch.setattr(sys, "platform", "linux")
    assert gui_main.main(["--start-at-login", "on"]) == 2
    assert "Cannot turn on start at login" in caplog.text


def test_remove_user_data_removes_the_given_data_folder(tmp_path, memory_keyring, capsys):
    data = tmp_path / "data"
    open_store(data_dir=data).close()
    SecretStore().set("acme", "erp", "token", "t")  # a profile not in the database: its name is unknown
    assert gui_main.main(["--remove-user-data", "--data-dir", str(data)]) == 0
    assert not data.exists()
    assert "removed 0 keyring entries and" in capsys.readouterr().out


def test_report_goes_with_self_test_only(capsys):
    with pytest.raises(SystemExit) as exit_info:
        gui_main.main(["--report", "out.txt"])
    assert exit_info.value.code == 2 and "--report goes with --self-test" in capsys.readouterr().err


def test_an_uncaught_error_is_logged_with_its_traceback(caplog):
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        with caplog.at_level(logging.CRITICAL, logger="erpsync"):
            gui_main._log_uncaught(RuntimeError, exc, exc.__traceback__)
    record = caplog.records[-1]
    assert record.message == "Unexpected error" and record.exc_info[1].args == ("boom in a slot",)


def test_the_options_are_documented(capsys):
    with pytest.raises(SystemExit):
        gui_main.main(["--help"])
    text = capsys.readouterr().out
    for option in ("--minimized", "--self-test", "--report", "--start-at-login", "--remove-user-data"):
        assert option in text
