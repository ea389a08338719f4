"""The installers built from the frozen folder: the MSI (ERPSYNC_MSI) read back with msitools' msiinfo - the
stable upgrade code, the product version from pyproject.toml, a per-machine install, the upgrade rows and every
file of the build - and the per-user NSIS installer (ERPSYNC_SETUP) listed with 7-Zip: every file of the build
and the uninstaller. On Windows the workflow installs and uninstalls them for real instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.packaging_tools import WXS, load

pytestmark = pytest.mark.frozen
WIX_NS = {"wix": "http://schemas.microsoft.com/wix/2006/wi"}


def _given(variable: str, tool: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"no installer to test ({variable} is unset)")
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    path = Path(value)
    assert path.is_file(), f"{variable}={value} is not a file"
    return path


def _payload_files(frozen_app: Path) -> set[str]:
    """The build's files; on Linux PyInstaller also links some libraries into _internal/, and a link is not
    harvested into the MSI (a Windows build has none)."""
    root = frozen_app.parent
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.is_symlink()}


def _table(msi: Path, name: str) -> list[dict[str, str]]:
    """One table of the MSI as rows (msiinfo export: a header line, a types line, a table-name line, rows)."""
    out = subprocess.run(["msiinfo", "export", str(msi), name], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[3:] if line]


def test_the_msi_keeps_its_upgrade_code_installs_per_machine_and_holds_the_whole_build(frozen_app):
    msi = _given("ERPSYNC_MSI", "msiinfo")
    product = ET.parse(WXS).getroot().find("wix:Product", WIX_NS)
    upgrade_code = "{" + product.get("UpgradeCode").upper() + "}"
    properties = {row["Property"]: row["Value"] for row in _table(msi, "Property")}
    assert properties["UpgradeCode"] == upgrade_code
    assert properties["ProductVersion"] == load("build_info").project().msi_version
    assert properties["ALLUSERS"] == "1"  # per-machine: msiexec /i ... /qn installs for every user
    upgrades = {(row["VersionMin"], row["VersionMax"], row["ActionProperty"]) for row in _table(msi, "Upgrade")
                if row["UpgradeCode"] == upgrade_code}
    version = properties["ProductVersion"]
    assert ("", version, "WIX_UPGRADE_DETECTED") in upgrades  # older versions are found and removed
    assert (version, "", "WIX_DOWNGRADE_DETECTED") in upgrades  # a newer one is not replaced by this
    directories = {row["Directory"]: row for row in _table(msi, "Directory")}
    assert directories["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    files = _table(msi, "File")
    names = {row["FileName"].split("|")[-1] for row in files}
    assert len(files) == len(_payload_files(frozen_app))
    assert {Path(f).name for f in _payload_files(frozen_app)} == names
    shortcuts = _table(msi, "Shortcut")
    assert [(s["Directory_"], s["Target"]) for s in shortcuts] == [("ProgramMenuFolder", "[INSTALLDIR]ERPSync.exe")]


def test_the_per_user_installer_holds_the_whole_build_and_its_uninstaller(frozen_app):
    setup = _given("ERPSYNC_SETUP", "7z")
    listing = subprocess.run(["7z", "l", "-slt", str(setup)], capture_output=True, text=True, check=True).stdout
    assert "Type = Nsis" in listing and "NSIS-3 Unicode" in listing
    paths = {line.removeprefix("Path = ").replace("\\", "/") for line in listing.splitlines()
             if line.startswith("Path = ")}
    assert _payload_files(frozen_app) <= paths
    assert "Uninstall.exe" in paths
