"""Where the files go: the OS's per-user folders for the default data directory, and folders inside a data
directory given with --data-dir or ERPSYNC_DATA_DIR, so a moved or test data directory keeps everything."""

from __future__ import annotations

import platformdirs

from erpsync_gui import paths


def test_a_given_data_directory_keeps_its_logs_and_cache_inside(tmp_path):
    data = paths.data_dir(tmp_path / "mine")
    assert paths.log_dir(data) == data / "logs" and (data / "logs").is_dir()
    assert paths.cache_dir(data) == data / "cache" and (data / "cache").is_dir()
    assert not paths.is_default_data_dir(data)


def test_the_default_data_directory_uses_the_os_folders(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    for kind in ("data", "log", "cache"):
        monkeypatch.setattr(platformdirs, f"user_{kind}_dir", lambda *_a, k=kind, **_k: str(tmp_path / f"os-{k}"))
    data = paths.data_dir()
    assert data == tmp_path / "os-data" and paths.is_default_data_dir(data)
    assert paths.log_dir(data) == tmp_path / "os-log"
    assert paths.cache_dir(data) == tmp_path / "os-cache"
