"""Where the app's resource files are (icons, stylesheets, the bundled user guide), without Qt: the CLI's
`erpsync help` reads the guide from here too."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """`resources/`: inside a frozen (PyInstaller) bundle, next to the package in a source tree, or where a
    wheel put it (the data files under `<prefix>/share/erpsync/resources`)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    source = Path(__file__).resolve().parents[1] / "resources"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "erpsync" / "resources"
