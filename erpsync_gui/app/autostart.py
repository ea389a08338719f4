"""Start at login: the current user's Run key on Windows, an XDG autostart entry elsewhere (Linux desktops).

Only the current user's settings are touched, so no administrator rights are needed. The Windows branch
uses `winreg` and can only run on Windows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from erpsync_gui import APP_NAME
from erpsync_gui.errors import ERPSyncError

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
DESKTOP_FILE = "erpsync.desktop"
#: the app's option to start in the tray; the installers' "start at login" writes the same command
START_MINIMIZED = "--minimized"
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def default_command() -> list[str]:
    """How to start this installation at login, in the tray: the frozen executable (sys.executable is the
    bundle's own exe, wherever the installer put it), else this Python running the GUI module (pythonw on
    Windows, so no console window opens at login)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, START_MINIMIZED]
    python = Path(sys.executable)
    if sys.platform == "win32" and python.name.lower() == "python.exe":
        windowless = python.with_name("pythonw.exe")
        python = windowless if windowless.exists() else python
    return [str(python), "-m", "erpsync_gui", START_MINIMIZED]


def _on_windows(platform: str | None) -> bool:
    return (platform or sys.platform) == "win32"


def enable(command: Sequence[str] | None = None, *, platform: str | None = None) -> None:
    """Start ERPSync at the user's next login (replaces an older entry)."""
    args = list(command or default_command())
    try:
        if _on_windows(platform):
            _windows_set(subprocess.list2cmdline(args))
        else:
            path = desktop_entry_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_text(desktop_entry(args), encoding="utf-8")
            partial.replace(path)
    except OSError as exc:
        raise ERPSyncError(f"Cannot turn on start at login: {exc}",
                           hint="check that your user may write its own login settings") from exc


def disable(*, platform: str | None = None) -> None:
    """No start at login; nothing happens when it was not on."""
    try:
        if _on_windows(platform):
            _windows_delete()
        else:
            desktop_entry_path().unlink(missing_ok=True)
    except OSError as exc:
        raise ERPSyncError(f"Cannot turn off start at login: {exc}") from exc


def is_enabled(*, platform: str | None = None) -> bool:
    if _on_windows(platform):
        return _windows_get() is not None
    path = desktop_entry_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    # a desktop may switch an entry off by marking it rather than deleting it
    switched_off = {"hidden=true", "x-gnome-autostart-enabled=false"}
    return not any(line.strip().lower().replace(" ", "") in switched_off for line in lines)


# -- XDG (Linux desktops) -----------------------------------------------------------------------


def desktop_entry_path() -> Path:
    """$XDG_CONFIG_HOME/autostart/erpsync.desktop (~/.config when XDG_CONFIG_HOME is unset or not absolute)."""
    config_home = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if config_home and Path(config_home).is_absolute() else Path.home() / ".config"
    return base / "autostart" / DESKTOP_FILE


def _exec_quote(arg: str) -> str:
    """One argument of an Exec line (Desktop Entry spec: quote reserved characters, escape \" ` $ \\)."""
    arg = arg.replace("%", "%%")
    if arg and not (set(arg) & _EXEC_RESERVED):
        return arg
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    return f'"{escaped}"'


def desktop_entry(command: Sequence[str]) -> str:
    # the whole Exec value is a desktop-file string too, where a backslash is written twice
    exec_line = " ".join(_exec_quote(arg) for arg in command).replace("\\", "\\\\")
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Name={APP_NAME}",
        "Comment=Keeps a CRM and an ERP in sync",
        f"Exec={exec_line}",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


# -- Windows ------------------------------------------------------------------------------------


def _windows_set(command_line: str) -> None:
    import winreg

    with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        winreg.SetValueEx(key, APP_NAME, 0, winreg.REG_SZ, command_line)


def _windows_delete() -> None:
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.DeleteValue(key, APP_NAME)
    except FileNotFoundError:
        pass


def _windows_get() -> str | None:
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_QUERY_VALUE) as key:
            value, _kind = winreg.QueryValueEx(key, APP_NAME)
    except FileNotFoundError:
        return None
    return str(value)
