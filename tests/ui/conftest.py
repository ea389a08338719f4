"""UI fixtures: the demo profile in a private data directory, the real service and run manager, the
sandbox ERP started through the service, and a UiContext the pages are built from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.service import SyncService
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.ui.bridge import RunBridge
from erpsync_gui.ui.context import ProfileState, UiContext
from tests.ui.setup_fixtures import first_start  # noqa: F401 - the fixture of a first start, shared
from tests.ui.webhook_fixtures import office  # noqa: F401 - a Payamgostar + Siagh office, shared


@pytest.fixture
def ui_data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "ui-data"
    path.mkdir()
    return path


@pytest.fixture
def demo_service(ui_data_dir: Path) -> Iterator[SyncService]:
    """The real service over a fresh state database with the demo profile (demo CRM + sandbox ERP)."""
    store = open_store(data_dir=ui_data_dir)
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    service = SyncService(store, secrets, ui_data_dir)
    setup_demo(store, secrets, ui_data_dir)
    service.sandbox.start()
    yield service
    service.close()
    store.close()


@pytest.fixture
def ui_ctx(qtbot, demo_service: SyncService, ui_data_dir: Path) -> Iterator[UiContext]:
    """A UiContext on the demo profile, as app.py builds it."""
    runs = RunManager(demo_service)
    bridge = RunBridge(runs)
    ctx = UiContext(service=demo_service, runs=runs, bridge=bridge,
                    profile=ProfileState(demo_service.profile().name), data_dir=ui_data_dir)
    yield ctx
    runs.shutdown(timeout=30)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)


@pytest.fixture
def styled(qapp):
    """The app's own look (Fusion, the light stylesheet and its paddings), as the window measures it; plain
    again afterwards."""
    from erpsync_gui.ui import theme
    from erpsync_gui.ui.app import load_style

    load_style(qapp, theme.LIGHT)
    yield qapp
    qapp.setStyleSheet("")
