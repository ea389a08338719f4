"""The self-test's checks without Qt: each passes on this installation and fails, naming what is missing, when
its part is broken; a check that raises is a failed check, never the end of the self-test."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from erpsync_gui.app import self_test
from erpsync_gui.app.bundle_manifest import Manifest, build_manifest
from erpsync_gui.store.db import alembic_config
from tests.packaging_tools import ROOT


def _manifest(**changes) -> Manifest:
    base = dict(version="0", modules=("erpsync_gui", "erpsync_gui.records"), imports={"json": ("dumps",)},
                resources=())
    return Manifest(**{**base, **changes})


def test_the_source_tree_imports_completely():
    ok, detail = self_test.check_imports(build_manifest(ROOT / "resources"))
    assert ok, detail
    assert "modules of the package" in detail


def test_a_module_the_build_left_out_is_named():
    ok, detail = self_test.check_imports(_manifest(modules=("erpsync_gui", "erpsync_gui.not_there")))
    assert not ok and "erpsync_gui.not_there" in detail and "ModuleNotFoundError" in detail


def test_a_submodule_taken_with_from_import_must_be_there_too():
    ok, detail = self_test.check_imports(_manifest(imports={"email": ("utils",)}))
    assert ok, detail  # email.utils is a submodule: imported to check it
    ok, detail = self_test.check_imports(_manifest(imports={"email": ("no_such_part",)}))
    assert not ok and "email" in detail


def test_modules_of_another_os_are_not_asked_for():
    other = "win32" if sys.platform != "win32" else "linux"
    only_there = "winreg" if other == "win32" else "fcntl"
    ok, detail = self_test.check_imports(_manifest(imports={only_there: ()}))
    assert ok, detail
    ok, _ = self_test.check_imports(_manifest(imports={only_there: ()}), platform=other)
    assert not ok  # on its own OS it must be there


def test_a_frozen_build_without_its_manifest_fails_the_import_check(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    manifest = self_test.expected_manifest(ROOT / "resources")
    assert manifest is None
    ok, detail = self_test.check_imports(manifest)
    assert not ok and "manifest" in detail


def test_unfrozen_the_source_tree_is_what_is_expected():
    assert self_test.expected_manifest(ROOT / "resources") == build_manifest(ROOT / "resources")


def test_every_supported_database_driver_loads():
    assert self_test.check_drivers() == "sqlite+pysqlite, postgresql+psycopg, mysql+pymysql"
    with pytest.raises(Exception, match="nosuchdriver"):
        self_test.check_drivers(("postgresql+nosuchdriver://x@127.0.0.1/x",))


def test_the_ca_bundle_is_there():
    assert "CA certificates from" in self_test.check_tls()


def test_the_keyring_check_reports_the_backend_of_this_os_without_touching_it(memory_keyring):
    ok, detail = self_test.check_keyring()
    assert ok, detail
    module, name, _needs = self_test.KEYRING_BACKENDS[self_test._platform_key(None)]
    assert f"{module}.{name}" in detail and "active: tests.memory_keyring.MemoryKeyring" in detail
    assert memory_keyring.entries == {}


@pytest.mark.skipif(sys.platform == "win32", reason="there the Credential Manager is usable")
def test_on_windows_an_unusable_credential_manager_fails_the_check():
    ok, detail = self_test.check_keyring("win32")
    # here pywin32-ctypes is not even installed; on a Windows without a working vault the priority says why
    assert not ok and "keyring.backends.Windows.WinVaultKeyring" in detail


def test_a_keyring_without_its_registered_backends_fails_the_check(monkeypatch):
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **_: [])
    ok, detail = self_test.check_keyring("linux")
    assert not ok and "metadata is missing" in detail


def test_start_at_login_runs_this_python_unfrozen():
    python = self_test.check_autostart().removesuffix(" -m erpsync_gui --minimized")
    # on Windows the windowless pythonw.exe beside python.exe, so no console opens at login
    assert Path(python).parent == Path(sys.executable).parent and Path(python).is_file()


def test_start_at_login_runs_the_frozen_executable(monkeypatch, tmp_path):
    exe = tmp_path / "ERPSync.exe"
    exe.write_bytes(b"MZ")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert self_test.check_autostart() == f"{exe} --minimized"
    exe.unlink()
    with pytest.raises(RuntimeError, match="does not exist"):
        self_test.check_autostart()


def test_the_store_check_migrates_a_new_database_to_the_newest_revision(tmp_path):
    from alembic.script import ScriptDirectory

    store, detail = self_test.check_store(tmp_path)
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert detail == f"new database migrated to {head}"
        assert (tmp_path / "erpsync.db").is_file()
    finally:
        store.close()


def test_a_check_that_raises_is_a_failed_check_and_the_others_still_run():
    ticks = iter(range(100))
    test = self_test.SelfTest(clock=lambda: float(next(ticks)))

    def broken() -> str:
        raise ValueError("the part is missing")

    assert test.run("first", lambda: "fine")
    assert not test.run("second", broken)
    assert not test.run("third", lambda: (False, "not there"))
    assert test.run("fourth", lambda: (True, "there"))
    assert [c.ok for c in test.results] == [True, False, False, True]
    assert test.results[1].detail.startswith("ValueError: the part is missing (at test_self_test.py:")
    assert not test.passed
    report = test.report().splitlines()
    assert report[0] == "ok   first: fine" and report[1].startswith("FAIL second: ValueError")
    assert report[-1] == "self-test failed: second, third"


def test_all_passed_says_so():
    test = self_test.SelfTest(clock=iter([0.0, 0.5, 1.0, 1.25]).__next__)
    test.run("a", lambda: "x")
    test.run("b", lambda: "y")
    assert test.passed and test.report().splitlines()[-1] == "self-test passed: 2 checks in 0.8 s"
    assert not self_test.SelfTest().passed  # nothing ran: nothing passed


def test_the_private_keyring_is_used_only_inside_and_never_chosen_on_its_own(memory_keyring):
    import keyring
    from keyring.backend import get_all_keyring

    with self_test.private_keyring() as private:
        assert keyring.get_keyring() is private
        keyring.set_password("ERPSync", "p/erp.token", "x")
        assert private.get_password("ERPSync", "p/erp.token") == "x"
    assert keyring.get_keyring() is memory_keyring and memory_keyring.entries == {}
    assert not any(isinstance(k, self_test.PrivateKeyring) for k in get_all_keyring())
