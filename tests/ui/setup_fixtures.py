"""Fixtures of a first start: a state database with no profile, the real service and run manager, the sandbox
ERP serving on a local port and a Perfex-style SQLite CRM database, as a new user would point the wizard at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.service import SyncService
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.ui.bridge import RunBridge
from erpsync_gui.ui.context import ProfileState, UiContext


@dataclass(frozen=True)
class FirstStart:
    ctx: UiContext
    erp_url: str
    crm_url: str
    crm_path: Path


@pytest.fixture
def first_start(qtbot, tmp_path: Path) -> Iterator[FirstStart]:
    from erpsync_gui.sandbox.demo_crm import create_demo_crm
    from erpsync_gui.sandbox.seed_data import overlap_clients

    data = tmp_path / "fresh-data"
    data.mkdir()
    store = open_store(data_dir=data)
    service = SyncService(store, SecretStore(), data)
    erp_url = service.sandbox.start().url
    crm_path = tmp_path / "office-crm.sqlite"
    create_demo_crm(crm_path, overlap_clients(25))
    runs = RunManager(service)
    ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(None), data_dir=data)
    yield FirstStart(ctx, erp_url, f"sqlite:///{crm_path.as_posix()}", crm_path)
    runs.shutdown(timeout=30)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)
    service.close()
    store.close()
