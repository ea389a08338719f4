"""Start at login: the XDG autostart entry in a private XDG_CONFIG_HOME, and the Windows Run key branch
against a stand-in for `winreg` (the real registry exists only on Windows)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from erpsync_gui.app import autostart


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def _exec_args(text: str) -> list[str]:
    """The argv a desktop would run for the entry's Exec line (string escapes, then shell-like quoting)."""
    line = next(line for line in text.splitlines() if line.startswith("Exec="))
    value = line.removeprefix("Exec=").replace("\\\\", "\\")
    args: list[str] = []
    current: str | None = None
    quoted = escaped = False
    for ch in value:
        if escaped:
            current, escaped = (current or "") + ch, False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted, current = not quoted, current or ""
        elif ch == " " and not quoted:
            if current is not None:
                args.append(current)
            current = None
        else:
            current = (current or "") + ch
    if current is not None:
        args.append(current)
    return [arg.replace("%%", "%") for arg in args]


def test_enable_writes_an_xdg_entry_and_disable_removes_it(config_home):
    assert not autostart.is_enabled(platform="linux")
    autostart.enable(["/opt/erp sync/bin/python", "-m", "erpsync_gui"], platform="linux")
    entry = config_home / "autostart" / "erpsync.desktop"
    text = entry.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n") and "Type=Application" in text and "Name=ERPSync" in text
    assert _exec_args(text) == ["/opt/erp sync/bin/python", "-m", "erpsync_gui"]
    assert autostart.is_enabled(platform="linux")
    autostart.disable(platform="linux")
    assert not entry.exists() and not autostart.is_enabled(platform="linux")
    autostart.disable(platform="linux")  # already off: nothing to do, no error


def test_awkward_arguments_survive_the_exec_line(config_home):
    args = ['C:\\odd "path"\\python', "--data-dir", "/tmp/100% $HOME `x`"]
    autostart.enable(args, platform="linux")
    assert _exec_args(autostart.desktop_entry_path().read_text(encoding="utf-8")) == args


def test_the_default_command_starts_this_python_with_the_gui_module_in_the_tray(config_home):
    autostart.enable(platform="linux")
    python = Path(sys.executable)
    if sys.platform == "win32" and python.with_name("pythonw.exe").exists():
        python = python.with_name("pythonw.exe")  # no console window at login
    assert _exec_args(autostart.desktop_entry_path().read_text(encoding="utf-8")) == [
        str(python), "-m", "erpsync_gui", "--minimized"]


def test_a_frozen_app_starts_its_own_executable_in_the_tray(config_home, monkeypatch, tmp_path):
    exe = tmp_path / "opt" / "ERPSync" / "ERPSync"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert autostart.default_command() == [str(exe), "--minimized"]
    autostart.enable(platform="linux")
    assert _exec_args(autostart.desktop_entry_path().read_text(encoding="utf-8")) == [str(exe), "--minimized"]


def test_an_entry_the_desktop_switched_off_counts_as_off(config_home):
    autostart.enable(["erpsync-gui"], platform="linux")
    path = autostart.desktop_entry_path()
    path.write_text(path.read_text(encoding="utf-8") + "Hidden=true\n", encoding="utf-8")
    assert not autostart.is_enabled(platform="linux")


def test_a_relative_xdg_config_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))  # where Windows' Path.home() looks
    assert autostart.desktop_entry_path() == tmp_path / ".config" / "autostart" / "erpsync.desktop"


def test_an_unwritable_place_gives_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    with pytest.raises(autostart.ERPSyncError, match="Cannot turn on start at login"):
        autostart.enable(["erpsync-gui"], platform="linux")


class _FakeKey:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _fake_winreg(registry: dict[str, dict[str, str]]) -> types.ModuleType:
    """Just enough of `winreg` for the Run key: keys by path under HKEY_CURRENT_USER."""
    fake = types.ModuleType("winreg")
    fake.HKEY_CURRENT_USER, fake.KEY_SET_VALUE, fake.KEY_QUERY_VALUE, fake.REG_SZ = "HKCU", 2, 1, 1

    def open_key(root, path, _reserved=0, _access=0):
        if (root, path) != ("HKCU", autostart.RUN_KEY) or path not in registry:
            raise FileNotFoundError(path)
        return _FakeKey(registry[path])

    def create_key(root, path, _reserved=0, _access=0):
        assert root == "HKCU"
        return _FakeKey(registry.setdefault(path, {}))

    def set_value(key, name, _reserved, kind, value):
        assert kind == fake.REG_SZ
        key.values[name] = value

    def query_value(key, name):
        if name not in key.values:
            raise FileNotFoundError(name)
        return key.values[name], fake.REG_SZ

    def delete_value(key, name):
        if name not in key.values:
            raise FileNotFoundError(name)
        del key.values[name]

    fake.OpenKey, fake.CreateKeyEx, fake.SetValueEx = open_key, create_key, set_value
    fake.QueryValueEx, fake.DeleteValue = query_value, delete_value
    return fake


def test_windows_uses_the_users_run_key(monkeypatch):
    registry: dict[str, dict[str, str]] = {}
    monkeypatch.setitem(sys.modules, "winreg", _fake_winreg(registry))
    assert not autostart.is_enabled(platform="win32")
    autostart.disable(platform="win32")  # no key yet: nothing to do
    autostart.enable([r"C:\Program Files\ERPSync\ERPSync.exe", "--data-dir", r"D:\sync"], platform="win32")
    assert registry[autostart.RUN_KEY] == {"ERPSync": r'"C:\Program Files\ERPSync\ERPSync.exe" --data-dir D:\sync'}
    assert autostart.is_enabled(platform="win32")
    autostart.disable(platform="win32")
    assert registry[autostart.RUN_KEY] == {} and not autostart.is_enabled(platform="win32")


def test_a_frozen_app_on_windows_puts_its_exe_in_the_run_key(monkeypatch):
    registry: dict[str, dict[str, str]] = {}
    monkeypatch.setitem(sys.modules, "winreg", _fake_winreg(registry))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", r"C:\Users\Jane Doe\AppData\Local\Programs\ERPSync\ERPSync.exe")
    autostart.enable(platform="win32")
    # the value the per-user installer writes for its "start at login" box
    assert registry[autostart.RUN_KEY] == {
        "ERPSync": r'"C:\Users\Jane Doe\AppData\Local\Programs\ERPSync\ERPSync.exe" --minimized'}
