"""The product's name and version as pyproject.toml states them, in the forms the Windows build needs: the exe's
version resource (a PyInstaller version file), the installers' version numbers, and the app's own check that
its __version__ agrees.

    python packaging/build_info.py version             # 0.1.0
    python packaging/build_info.py msi-version         # 0.1.0 (three numbers, as Windows Installer compares)
    python packaging/build_info.py numeric-version     # 0.1.0.0 (four numbers, as NSIS VIProductVersion wants)
    python packaging/build_info.py version-file OUT    # the exe's version resource
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPANY = "ERPSync"
PRODUCT = "ERPSync"
EXE_NAME = "ERPSync"
COPYRIGHT = "Copyright ERPSync"


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    description: str

    @property
    def numbers(self) -> tuple[int, int, int, int]:
        """The version as four numbers: "1.2.3rc1" -> (1, 2, 3, 0); missing parts are 0."""
        parts = [int(m.group()) for m in (re.match(r"\d+", p) for p in self.version.split(".")[:4]) if m]
        return (*parts, 0, 0, 0, 0)[:4]  # type: ignore[return-value]

    @property
    def msi_version(self) -> str:
        """Windows Installer compares only the first three fields (at most 255.255.65535)."""
        major, minor, build, _ = self.numbers
        if major > 255 or minor > 255 or build > 65535:
            raise ValueError(f"version {self.version} does not fit an MSI ProductVersion (255.255.65535)")
        return f"{major}.{minor}.{build}"

    @property
    def numeric_version(self) -> str:
        return ".".join(str(n) for n in self.numbers)


def project(pyproject: Path = ROOT / "pyproject.toml") -> Project:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return Project(name=data["name"], version=data["version"], description=data.get("description", ""))


def version_file_text(info: Project) -> str:
    """A PyInstaller version file (a VSVersionInfo expression): the Details tab of the exe's Properties."""
    numbers = info.numbers
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": PRODUCT,
        "FileVersion": info.version,
        "InternalName": EXE_NAME,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{EXE_NAME}.exe",
        "ProductName": PRODUCT,
        "ProductVersion": info.version,
        "Comments": info.description,
    }
    entries = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""# the version resource of {EXE_NAME}.exe, made from pyproject.toml by packaging/build_info.py
VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{entries}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [0x0409, 1200])])
  ]
)
"""


def main(argv: list[str]) -> int:
    info = project()
    if argv[:1] == ["version"]:
        print(info.version)
    elif argv[:1] == ["msi-version"]:
        print(info.msi_version)
    elif argv[:1] == ["numeric-version"]:
        print(info.numeric_version)
    elif argv[:1] == ["version-file"] and len(argv) == 2:
        Path(argv[1]).write_text(version_file_text(info), encoding="utf-8")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
