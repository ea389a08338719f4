"""The bundle manifest: what a complete installation holds, worked out from the source tree - the package's
modules, what it imports from elsewhere (lazily imported ones included) and the resource files."""

from __future__ import annotations

import sys

from erpsync_gui.app import bundle_manifest as bm
from tests.packaging_tools import ROOT


def test_every_module_of_the_package_is_listed_but_not_the_migration_scripts():
    modules = bm.source_modules()
    assert "erpsync_gui" in modules and "erpsync_gui.app.self_test" in modules
    assert "erpsync_gui.ui.pages.dashboard" in modules and "erpsync_gui.sandbox.__main__" in modules
    # Alembic runs these from their files inside its own context; imported as modules they would fail
    assert not [m for m in modules if m.startswith("erpsync_gui.store.migrations")]
    files = [p for p in (ROOT / "erpsync_gui").rglob("*.py") if "migrations" not in p.parts]
    assert len(modules) == len(files) - len(bm.EXTRA_ONLY_MODULES)  # those need an extra the bundle leaves out


def test_imports_inside_functions_are_found_with_the_names_taken_from_them():
    imports = bm.imported_modules()
    # client_cert.py imports this only when a PKCS#12 certificate is loaded: the kind a freezer misses
    assert "pkcs12" in imports["cryptography.hazmat.primitives.serialization"]
    assert "PySide6.QtCharts" in imports and "keyring" in imports
    assert not [m for m in imports if m.startswith(("erpsync_gui", "__future__"))]


def test_resources_are_the_icons_the_stylesheet_and_the_windows_icon_not_the_screenshots():
    files = bm.resource_files(ROOT / "resources")
    assert {"style.qss", "icons/app.svg", "icons/app.ico", "icons/tray-idle.svg"} <= set(files)
    assert not [f for f in files if f.startswith("screenshots/")]


def test_the_manifest_survives_its_json_form(tmp_path):
    manifest = bm.build_manifest(ROOT / "resources")
    again = bm.Manifest.from_json(manifest.to_json())
    assert again == manifest
    assert again.version == __import__("erpsync_gui").__version__


def test_the_tryton_demos_seeding_needs_its_extra_and_is_left_out_of_the_bundle():
    assert "erpsync_gui.sandbox.tryton_seed" not in bm.source_modules()
    assert "erpsync_gui.sandbox.tryton_local" in bm.source_modules()  # it says "install the tryton extra" itself
    assert not [name for name in bm.imported_modules() if name.startswith(("trytond.modules", "proteus"))]


def test_modules_of_the_other_os_are_left_out():
    assert bm.for_this_platform("winreg", "win32") and not bm.for_this_platform("winreg", "linux")
    assert bm.for_this_platform("fcntl", "linux") and not bm.for_this_platform("fcntl", "win32")
    assert bm.for_this_platform("keyring.backends", "win32") and bm.for_this_platform("keyring.backends", "linux")


def test_a_frozen_bundle_reads_the_manifest_written_into_it(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert bm.bundled_manifest() is None  # the build left it out
    manifest = bm.Manifest(version="9.9.9", modules=("erpsync_gui",), imports={"json": ("dumps",)},
                           resources=("style.qss",))
    (tmp_path / bm.MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    assert bm.bundled_manifest() == manifest
    (tmp_path / bm.MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    assert bm.bundled_manifest() is None
