"""Where ERPSync keeps its files: the per-user data directory and the default state database in it."""

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
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_store_url(data_dir: Path) -> str:
    """The SQLAlchemy URL of the default SQLite state database inside `data_dir`."""
    return f"sqlite:///{Path(data_dir).resolve() / 'erpsync.db'}"
