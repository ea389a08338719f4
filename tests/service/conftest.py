"""Fixtures of the service's tests: a PostgreSQL state store, a keyring file that worker processes share, and
sandbox ERPs with latency injected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import Store, open_store
from tests.file_keyring import ENV, FileKeyring


@pytest.fixture
def pg_store(pg_store_url: str) -> Iterator[Store]:
    pytest.importorskip("procrastinate")
    store = open_store(pg_store_url)
    yield store
    store.close()


@pytest.fixture
def shared_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretStore]:
    """Secrets in a keyring file that this process and its worker processes read alike."""
    path = tmp_path / "keyring.json"
    monkeypatch.setenv(ENV, str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield SecretStore()
    keyring.set_keyring(previous)


@pytest.fixture
def sandboxes() -> Iterator[list[SandboxServer]]:
    """Start sandbox ERPs with `sandboxes.append(SandboxServer(seed=False).start())`; all stop afterwards."""
    started: list[SandboxServer] = []
    yield started
    for server in started:
        server.stop()
