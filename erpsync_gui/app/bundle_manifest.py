"""What a complete installation holds: every module of the package, every module the package imports from
elsewhere (with the names it takes from each), and every resource file. Worked out from the source tree;
the frozen build writes it into the bundle as JSON, so the frozen app's self-test can tell what the freezer
left out (in a frozen app the source tree is gone, and a missing module simply does not show up)."""

from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import erpsync_gui

MANIFEST_NAME = "erpsync-manifest.json"
PACKAGE = "erpsync_gui"
#: Alembic loads these from their files, as scripts inside its own context: never imported as modules
SKIPPED_PACKAGES = ("erpsync_gui.store.migrations",)
#: the package's modules that run only with an optional extra the desktop bundle leaves out: the Tryton demo's
#: seeding (`erpsync demo --erp tryton`, with the `tryton` extra) runs in a Python process of its own
EXTRA_ONLY_MODULES = frozenset({"erpsync_gui.sandbox.tryton_seed"})
#: resource files the app never reads itself (the README's pictures)
SKIPPED_RESOURCES = ("screenshots/",)
#: modules that exist on one kind of OS only; the code imports them behind a platform check
WINDOWS_ONLY = frozenset({"winreg", "msvcrt", "winsound", "_winapi", "servicemanager", "win32service",
                          "win32serviceutil"})
#: the package's own modules that only import on Windows (the Windows service, on pywin32)
WINDOWS_ONLY_MODULES = frozenset({"erpsync_gui.app.headless.winservice"})
POSIX_ONLY = frozenset({"fcntl", "termios", "pwd", "grp", "resource"})


@dataclass(frozen=True)
class Manifest:
    version: str
    #: the package's own modules ("erpsync_gui.app.demo", ...)
    modules: tuple[str, ...]
    #: other modules the package imports, each with the names a `from ... import` takes from it
    imports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: files under resources/, as relative POSIX paths
    resources: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "modules": list(self.modules),
                           "imports": {k: list(v) for k, v in sorted(self.imports.items())},
                           "resources": list(self.resources)}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(version=str(data["version"]), modules=tuple(data["modules"]),
                   imports={k: tuple(v) for k, v in data.get("imports", {}).items()},
                   resources=tuple(data.get("resources", ())))


def _skipped(module: str) -> bool:
    return module in EXTRA_ONLY_MODULES or any(module == p or module.startswith(p + ".") for p in SKIPPED_PACKAGES)


def package_dir() -> Path:
    return Path(erpsync_gui.__file__).resolve().parent


def source_modules(root: Path | None = None) -> tuple[str, ...]:
    """The package's modules, from its .py files (packages by their __init__)."""
    root = root or package_dir()
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if not _skipped(name):
            names.append(name)
    return tuple(names)


def imported_modules(root: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Every absolute import of another package anywhere in the source, at module level or inside a function
    (the lazily imported ones are the ones a freezer misses)."""
    root = root or package_dir()
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root)
        module = ".".join([PACKAGE, *where.with_suffix("").parts])
        if _skipped(".".join([PACKAGE, *where.parent.parts])) or _skipped(module):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.setdefault(alias.name, set())
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.setdefault(node.module, set()).update(a.name for a in node.names if a.name != "*")
    return {name: tuple(sorted(names)) for name, names in sorted(found.items())
            if name.split(".")[0] not in (PACKAGE, "__future__")}


def resource_files(resources: Path) -> tuple[str, ...]:
    files = (p.relative_to(resources).as_posix() for p in sorted(resources.rglob("*")) if p.is_file())
    return tuple(f for f in files if not f.startswith(SKIPPED_RESOURCES))


def build_manifest(resources: Path, root: Path | None = None) -> Manifest:
    return Manifest(version=erpsync_gui.__version__, modules=source_modules(root),
                    imports=imported_modules(root), resources=resource_files(resources))


def for_this_platform(module: str, platform: str | None = None) -> bool:
    """False for a module that does not exist on this kind of OS (winreg on Linux, fcntl on Windows)."""
    top = module.split(".")[0]
    windows = (platform or sys.platform) == "win32"
    if module in WINDOWS_ONLY_MODULES:
        return windows
    return not (top in WINDOWS_ONLY and not windows) and not (top in POSIX_ONLY and windows)


def bundled_manifest() -> Manifest | None:
    """The manifest written into a frozen bundle; None when not frozen or when the build left it out."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not bundle:
        return None
    path = Path(bundle) / MANIFEST_NAME
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None
