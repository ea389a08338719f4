"""Where ERPSync keeps its files: the per-user data directory and the default state database in it, and the
log and cache directories that go with a data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from erpsync_gui import APP_NAME

#: environment variable that moves the data directory (tests, portable installs, several instances)
DATA_DIR_ENV = "ERPSYNC_DATA_DIR"


def data_dir(override: str | Path | None = None) -> Path:
    """The data directory, created if needed: `override`, else $ERPSYNC_DATA_DIR, else the OS default."""
    if override is not None and str(override):
        path = Path(override)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        path = _default_data_dir()
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_store_url(data_dir: Path) -> str:
    """The SQLAlchemy URL of the default SQLite state database inside `data_dir`."""
    return f"sqlite:///{Path(data_dir).resolve() / 'erpsync.db'}"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)).expanduser()


def is_default_data_dir(data_dir: Path) -> bool:
    """True when `data_dir` is the OS's per-user data directory (neither --data-dir nor ERPSYNC_DATA_DIR)."""
    try:
        return Path(data_dir).resolve() == _default_data_dir().resolve()
    except OSError:
        return False


def log_dir(data_dir: Path) -> Path:
    """Where the app writes its log files, created if needed: the OS's per-user log directory for the default
    data directory (`%LOCALAPPDATA%\\ERPSync\\Logs`, `~/.local/state/ERPSync/log`), else `logs` inside the
    data directory given, so a moved or test data directory keeps its logs with it."""
    path = (Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) if is_default_data_dir(data_dir)
            else Path(data_dir) / "logs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(data_dir: Path) -> Path:
    """Where the app keeps what it can build again, created if needed; chosen as `log_dir` is
    (`%LOCALAPPDATA%\\ERPSync\\Cache`, `~/.cache/ERPSync`, or `cache` inside a given data directory)."""
    path = (Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) if is_default_data_dir(data_dir)
            else Path(data_dir) / "cache")
    path.mkdir(parents=True, exist_ok=True)
    return path
