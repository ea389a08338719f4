"""The frozen app as a user's PC runs it: its self-test passes, start at login points at the frozen executable
(the XDG autostart entry on Linux, the user's Run key on Windows), and a second launch brings the running one
forward and leaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.frozen.conftest import START_TIMEOUT_S, read_text, run_app, wait_for
from tests.unit.test_autostart import _exec_args

pytestmark = pytest.mark.frozen
SELF_TEST_TIMEOUT_S = 180.0


def test_the_self_test_of_the_frozen_app_passes(frozen_app, app_env, tmp_path):
    report = tmp_path / "self-test.txt"
    done = run_app(frozen_app, "--self-test", "--report", str(report), env=app_env, timeout=SELF_TEST_TIMEOUT_S)
    text = read_text(report)
    assert done.returncode == 0, text or done.stderr
    assert "FAIL" not in text and text.strip().splitlines()[-1].startswith("self-test passed")
    for check in ("imports", "keyring", "database drivers", "resources", "state store", "scheduler", "main window"):
        assert f"ok   {check}:" in text
    assert f"start at login: {frozen_app}" in text  # the frozen exe itself, not a Python


@pytest.mark.skipif(sys.platform == "win32", reason="XDG autostart is the Linux desktops' way")
def test_start_at_login_from_the_frozen_app_writes_an_entry_that_runs_it(frozen_app, app_env):
    entry = Path(app_env["XDG_CONFIG_HOME"]) / "autostart" / "erpsync.desktop"
    done = run_app(frozen_app, "--start-at-login", "on", env=app_env)
    assert done.returncode == 0 and "start at login is on" in done.stdout, done.stderr
    assert _exec_args(entry.read_text(encoding="utf-8")) == [str(frozen_app), "--minimized"]
    done = run_app(frozen_app, "--start-at-login", "off", env=app_env)
    assert done.returncode == 0 and "start at login is off" in done.stdout
    assert not entry.exists()


@pytest.mark.skipif(sys.platform != "win32", reason="the Run key exists only on Windows")
def test_start_at_login_from_the_frozen_app_writes_the_users_run_key(frozen_app, app_env):
    import winreg

    from erpsync_gui.app.autostart import RUN_KEY

    def current() -> str | None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                return winreg.QueryValueEx(key, "ERPSync")[0]
        except FileNotFoundError:
            return None

    before = current()
    try:
        assert run_app(frozen_app, "--start-at-login", "on", env=app_env).returncode == 0
        assert current() == subprocess.list2cmdline([str(frozen_app), "--minimized"])
        assert run_app(frozen_app, "--start-at-login", "off", env=app_env).returncode == 0
        assert current() is None
    finally:  # the runner's own setting as it was
        if before is not None:
            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.SetValueEx(key, "ERPSync", 0, winreg.REG_SZ, before)


def test_a_second_launch_of_the_frozen_app_brings_the_first_forward_and_exits(frozen_app, app_env, tmp_path):
    data = tmp_path / "data"
    log_file = data / "logs" / "erpsync-gui.log"
    first = subprocess.Popen([str(frozen_app), "--data-dir", str(data)], env=app_env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: "Main window shown" in read_text(log_file) or first.poll() is not None)
        assert first.poll() is None, read_text(log_file)
        # the frozen app reports a native crash next to its log (faulthandler is part of the bundle)
        assert (data / "logs" / "crash.log").exists()
        second = subprocess.run([str(frozen_app), "--data-dir", str(data)], env=app_env, timeout=START_TIMEOUT_S,
                                capture_output=True, text=True, check=False)
        assert second.returncode == 0
        assert wait_for(lambda: "Another launch brought the window forward" in read_text(log_file))
        assert "ERPSync is already running; brought it to the front" in read_text(log_file)
        assert first.poll() is None  # the first one is still there, and still the only window
    finally:
        first.kill()
        first.wait(timeout=30)
