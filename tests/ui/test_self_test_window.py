"""The self-test as `erpsync-gui --self-test` runs it (in this process, unfrozen): every check passes here, the
report goes to the stream and the file, and a broken part turns into a failed line and exit code 1. The Qt
checks on their own: a missing platform plugin, resource, icon or stylesheet icon is named."""

from __future__ import annotations

import io
import shutil
import sys

import pytest

from erpsync_gui.app import self_test
from erpsync_gui.app.bundle_manifest import Manifest, resource_files
from erpsync_gui.ui import self_test_window as stw
from erpsync_gui.ui.main_window import PAGES
from tests.packaging_tools import ROOT

CHECKS = ("imports", "keyring", "TLS certificates", "database drivers", "start at login", "Qt platform plugins",
          "resources", "state store", "scheduler", "main window")


def test_every_check_passes_on_this_installation(qtbot, tmp_path, memory_keyring, data_dir):
    out = io.StringIO()
    report = tmp_path / "report.txt"
    assert stw.run_self_test(out=out, report=report) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [f"ok   {name}" for name in CHECKS]
    assert lines[-1].startswith("self-test passed: 10 checks")
    assert f"{len(PAGES)} pages and the About dialog drawn" in out.getvalue()
    assert report.read_text(encoding="utf-8") == out.getvalue()
    assert memory_keyring.entries == {}  # the user's keyring was never written
    assert not data_dir.exists()  # nor the user's data directory: all of it happened in a temporary one


def test_a_broken_part_fails_its_line_and_the_exit_code(qtbot, monkeypatch):
    def no_driver() -> str:
        raise ModuleNotFoundError("No module named 'psycopg'")

    monkeypatch.setattr(self_test, "check_drivers", no_driver)
    out = io.StringIO()
    assert stw.run_self_test(out=out) == 1
    text = out.getvalue()
    assert "FAIL database drivers: ModuleNotFoundError: No module named 'psycopg'" in text
    assert "ok   main window:" in text  # the rest still ran
    assert text.splitlines()[-1] == "self-test failed: database drivers"


def test_the_platform_plugin_of_another_os_is_reported_missing(qtbot):
    assert "qoffscreen" in stw.check_platform_plugins()
    other, plugin = ("win32", "qwindows") if sys.platform != "win32" else ("darwin", "qcocoa")
    with pytest.raises(RuntimeError, match=f"{plugin} missing"):
        stw.check_platform_plugins(other)


def _copy_resources(tmp_path):
    target = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", target, ignore=shutil.ignore_patterns("screenshots"))
    return target, Manifest(version="0", modules=(), resources=resource_files(target))


def test_every_resource_loads(qtbot, tmp_path):
    resources, manifest = _copy_resources(tmp_path)
    assert stw.check_resources(resources, manifest).startswith(f"{len(manifest.resources)} files:")


def test_a_resource_the_build_left_out_is_named(qtbot, tmp_path):
    resources, manifest = _copy_resources(tmp_path)
    (resources / "icons" / "sync.svg").unlink()
    with pytest.raises(RuntimeError, match=r"missing from .*icons/sync\.svg"):
        stw.check_resources(resources, manifest)
    with pytest.raises(RuntimeError, match="no resource manifest"):
        stw.check_resources(resources, None)


def test_a_broken_icon_and_a_stylesheet_icon_that_is_not_there_are_named(qtbot, tmp_path):
    resources, manifest = _copy_resources(tmp_path)
    (resources / "icons" / "edit.svg").write_text("<svg", encoding="utf-8")
    style = resources / "style.qss"
    style.write_text(style.read_text(encoding="utf-8") + "\nQCheckBox::indicator { image: url(%ICONS%/gone.svg); }\n",
                     encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"cannot load icons/edit\.svg, style\.qss -> icons/gone\.svg"):
        stw.check_resources(resources, manifest)
