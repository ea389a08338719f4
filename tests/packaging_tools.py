"""The packaging scripts (packaging/*.py) loaded by path for their tests: packaging/ is no Python package,
and must not become one (it would hide the `packaging` library that pip and setuptools import)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
WXS = PACKAGING / "windows" / "erpsync.wxs"
NSI = PACKAGING / "windows" / "erpsync.nsi"


def load(name: str) -> ModuleType:
    """packaging/<name>.py as a module (cached under a private name)."""
    key = f"erpsync_packaging_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, PACKAGING / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]
