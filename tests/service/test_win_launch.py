"""How the app starts as a Windows service (pywin32 itself runs only on Windows): the frozen app is started by
the service control manager with its one flag and hands itself to the service dispatcher; `ERPSync.exe service
...` is the command line's service commands; anything else opens the window."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpsync_gui import __main__ as gui_main
from erpsync_gui.app.headless.win_launch import HOST_FLAG, route, service_command_line


@pytest.mark.parametrize(("argv", "expected"), [
    ([HOST_FLAG, "--data-dir", r"C:\ProgramData\ERPSync"], "host"),
    (["service", "install"], "cli"),
    (["service", "stop"], "cli"),
    ([], "gui"),
    (["--minimized"], "gui"),
    (["--data-dir", "x", "--demo"], "gui"),
])
def test_the_start_is_routed_by_its_first_argument(argv, expected):
    assert route(argv) == expected


def test_the_frozen_app_is_installed_to_start_itself_with_the_host_flag():
    program, arguments = service_command_line(frozen=True, executable=r"C:\Program Files\ERPSync\ERPSync.exe",
                                              data_dir=Path(r"C:\ProgramData\ERPSync"))
    assert program == r"C:\Program Files\ERPSync\ERPSync.exe"
    assert route(arguments.split(" ", 1)[:1]) == "host"
    assert arguments.endswith('--data-dir "C:\\ProgramData\\ERPSync"')


def test_a_python_install_starts_the_service_module():
    program, arguments = service_command_line(frozen=False, executable="/usr/bin/python3", data_dir=Path("/srv"))
    assert (program, arguments) == ("/usr/bin/python3", '-m erpsync_gui.app.headless.winservice --data-dir "/srv"')


def test_the_apps_entry_hands_service_commands_to_the_command_line(monkeypatch, capsys):
    seen: list[list[str]] = []
    monkeypatch.setattr("erpsync_gui.cli.main", lambda argv: seen.append(list(argv)) or 0)
    assert gui_main.main(["service", "install", "--dry-run"]) == 0
    assert seen == [["service", "install", "--dry-run"]]


def test_the_apps_entry_hands_the_host_start_to_the_service_dispatcher(monkeypatch):
    import sys
    import types

    started: list[list[str]] = []
    fake = types.ModuleType("erpsync_gui.app.headless.winservice")
    fake.main = lambda argv: started.append(list(argv))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "erpsync_gui.app.headless.winservice", fake)
    import erpsync_gui.app.headless as headless

    monkeypatch.setattr(headless, "winservice", fake, raising=False)
    assert gui_main.main([HOST_FLAG, "--data-dir", "D"]) == 0
    assert started == [["--data-dir", "D"]]
