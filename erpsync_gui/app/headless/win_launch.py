"""How the app starts as a Windows service, decided without pywin32 (so it is tested on every platform).

The frozen app (ERPSync.exe) is a windowed program whose start without arguments opens the window, so the
service control manager starts it with one flag, HOST_FLAG, and the app then hands the process to pywin32's
service dispatcher instead of opening the window. `ERPSync.exe service install|start|stop|remove` are the
command line's service commands. Outside a frozen build the service runs `python -m` the service module.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

#: the argument the service control manager starts the frozen app with
HOST_FLAG = "--windows-service"
SERVICE_MODULE = "erpsync_gui.app.headless.winservice"

Route = Literal["host", "cli", "gui"]


def is_frozen() -> bool:
    """True in the PyInstaller build (it sets sys.frozen)."""
    return bool(getattr(sys, "frozen", False))


def route(argv: Sequence[str]) -> Route:
    """What a start of the app with `argv` (without the program's name) is: the service control manager's start
    of the service ("host"), a service command of the command line ("cli"), or the window ("gui")."""
    if argv[:1] == [HOST_FLAG]:
        return "host"
    if argv[:1] == ["service"]:
        return "cli"
    return "gui"


def service_command_line(*, frozen: bool, executable: str, data_dir: Path) -> tuple[str, str]:
    """The program and the arguments the service control manager starts the service with."""
    where = f'--data-dir "{data_dir}"'
    if frozen:
        return executable, f"{HOST_FLAG} {where}"
    return executable, f"-m {SERVICE_MODULE} {where}"
