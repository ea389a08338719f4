"""The product's version as pyproject.toml states it, in every form the Windows build uses: the app's own
__version__ (the About dialog), the exe's version resource, the MSI and NSIS versions; and the installers name
the same Run value and option as the app's start-at-login switch."""

from __future__ import annotations

import re
import tomllib

import pytest

import erpsync_gui
from erpsync_gui.app import autostart
from tests.packaging_tools import NSI, ROOT, load

build_info = load("build_info")


def test_the_package_version_is_pyprojects():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert build_info.project().version == declared == erpsync_gui.__version__


@pytest.mark.parametrize(("version", "numbers", "msi"), [
    ("0.1.0", (0, 1, 0, 0), "0.1.0"),
    ("1.2", (1, 2, 0, 0), "1.2.0"),
    ("2.10.3rc1", (2, 10, 3, 0), "2.10.3"),
    ("3.0.1.7", (3, 0, 1, 7), "3.0.1"),
])
def test_versions_in_windows_form(version, numbers, msi):
    info = build_info.Project(name="erpsync", version=version, description="")
    assert info.numbers == numbers and info.msi_version == msi
    assert info.numeric_version == ".".join(map(str, numbers))


def test_a_version_windows_installer_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        _ = build_info.Project(name="erpsync", version="256.0.0", description="").msi_version


class _Recorder:
    """Stands in for each PyInstaller versioninfo class: keeps what the version file passes it."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, *args, **kwargs):
        return {"kind": self.kind, "args": args, "kwargs": kwargs}


def test_the_exe_version_resource_carries_pyprojects_version():
    info = build_info.Project(name="erpsync", version="1.4.2", description="Keeps things in sync")
    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo",
             "VarStruct")
    # PyInstaller reads the file with eval() over these classes; here they only record their arguments
    resource = eval(build_info.version_file_text(info), {name: _Recorder(name) for name in names})
    fixed = resource["kwargs"]["ffi"]["kwargs"]
    assert fixed["filevers"] == fixed["prodvers"] == (1, 4, 2, 0)
    table = resource["kwargs"]["kids"][0]["args"][0][0]
    strings = dict(entry["args"] for entry in table["args"][1])
    assert strings["ProductVersion"] == strings["FileVersion"] == "1.4.2"
    assert strings["OriginalFilename"] == "ERPSync.exe" and strings["ProductName"] == "ERPSync"


def test_the_build_info_command_prints_the_versions(capsys, tmp_path):
    assert build_info.main(["version"]) == 0 and capsys.readouterr().out.strip() == erpsync_gui.__version__
    assert build_info.main(["version-file", str(tmp_path / "v.txt")]) == 0
    assert (tmp_path / "v.txt").read_text(encoding="utf-8").lstrip().startswith("#")
    assert build_info.main(["nonsense"]) == 2


def _nsis_define(name: str) -> str:
    match = re.search(rf'^!define {name} "([^"]*)"', NSI.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, name
    return match.group(1)


def test_the_installers_start_at_login_is_the_apps_own():
    assert _nsis_define("RUN_KEY") == autostart.RUN_KEY
    assert _nsis_define("RUN_VALUE") == erpsync_gui.APP_NAME
    assert _nsis_define("START_MINIMIZED") == autostart.START_MINIMIZED
    assert _nsis_define("EXE") == f"{build_info.EXE_NAME}.exe"
    # platformdirs' per-user data folder on Windows, which "remove my data" deletes
    assert _nsis_define("DATA_DIR") == rf"$LOCALAPPDATA\{erpsync_gui.APP_NAME}"
