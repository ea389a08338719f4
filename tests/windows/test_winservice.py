"""The Windows service on a Windows machine with administrator rights (the Windows workflow): installed with
`erpsync service install`, started by the service control manager, running without a reachable store (it
reports running and tries again), stopped and removed."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="the Windows service needs Windows")

NAME = "ERPSync"


def _erpsync(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "erpsync_gui.cli", "service", *args], capture_output=True,
                          text=True, check=False, timeout=120)


def _state() -> int:
    import win32serviceutil

    return win32serviceutil.QueryServiceStatus(NAME)[1]


def _wait_for(state: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while _state() != state:
        if time.monotonic() > deadline:
            raise AssertionError(f"the service did not reach state {state} (it is {_state()})")
        time.sleep(0.5)


def test_the_service_installs_starts_stops_and_is_removed():
    import win32service
    import win32serviceutil

    done = _erpsync("install")
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        manager = win32service.OpenSCManager(None, None, win32service.SC_MANAGER_CONNECT)
        handle = win32service.OpenService(manager, NAME, win32service.SERVICE_QUERY_CONFIG)
        config = win32service.QueryServiceConfig(handle)
        assert config[1] == win32service.SERVICE_AUTO_START
        assert "erpsync_gui.app.headless.winservice" in config[3] and sys.executable.lower() in config[3].lower()
        win32serviceutil.StartService(NAME)
        _wait_for(win32service.SERVICE_RUNNING)
        win32serviceutil.StopService(NAME)
        _wait_for(win32service.SERVICE_STOPPED)
    finally:
        removed = _erpsync("remove")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    with pytest.raises(Exception):  # noqa: B017 - pywintypes.error: the service no longer exists
        _state()
