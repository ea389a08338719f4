"""The frozen build under test: ERPSYNC_FROZEN_APP names its executable (dist/ERPSync/ERPSync or ERPSync.exe).
packaging/freeze_check.sh and the Windows workflow set it after building; without it these tests are skipped."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

FROZEN_APP_ENV = "ERPSYNC_FROZEN_APP"
#: generous: a first launch of a frozen app on a busy CI machine unpacks nothing but still loads ~100 MB
START_TIMEOUT_S = 90.0
POLL_S = 0.05


@pytest.fixture
def frozen_app() -> Path:
    given = os.environ.get(FROZEN_APP_ENV)
    if not given:
        pytest.skip(f"no frozen build to test ({FROZEN_APP_ENV} is unset)")
    path = Path(given).resolve()
    if not path.is_file():
        pytest.fail(f"{FROZEN_APP_ENV}={given} is not a file", pytrace=False)
    return path


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    """The frozen app's environment: offscreen, a private XDG config home, and the OS keyring (the frozen app
    cannot load the suite's in-memory backend; none of these tests stores a secret)."""
    env = dict(os.environ)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.pop("ERPSYNC_DATA_DIR", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    return env


def run_app(app: Path, *args: str, env: dict[str, str], timeout: float = START_TIMEOUT_S,
            ) -> subprocess.CompletedProcess:
    return subprocess.run([str(app), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def wait_for(condition: Callable[[], bool], timeout: float = START_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_S)
    return condition()


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
