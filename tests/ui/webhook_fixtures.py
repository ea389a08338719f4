"""A Payamgostar + Siagh office for the window's webhook tests: both fakes, a profile made by the preset with
its receiver on a free port, the secrets in the (in-memory) keyring and a UiContext as app.py builds it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from erpsync_gui.app.pair_presets import PAYAMGOSTAR_SIAGH, PresetInputs
from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.service import SyncService
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.ui.bridge import RunBridge
from erpsync_gui.ui.context import ProfileState, UiContext
from tests.fakes.payamgostar import PayamgostarFake
from tests.fakes.siagh import SiaghFake

NAME = "office"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Office:
    crm: PayamgostarFake
    erp: SiaghFake
    ctx: UiContext
    port: int

    @property
    def service(self) -> SyncService:
        return self.ctx.service

    def save(self, name: str = NAME, **webhook: Any) -> None:
        options = {f"webhook.{k}": v for k, v in {"port": self.port, "debounce_s": 0, **webhook}.items()}
        profile = PAYAMGOSTAR_SIAGH.build(PresetInputs(
            name, self.crm.url, self.crm.username, self.erp.url, self.erp.username, crm_options=options,
            erp_options={"pre_invoice.codemarkazforush": "5", "pre_invoice.codevaseteh": "31"}))
        ConfigRepo(self.service.store).save_profile(profile)
        self.service.secrets.set(name, Side.CRM, "password", self.crm.password)
        self.service.secrets.set(name, Side.ERP, "password", self.erp.password)


@pytest.fixture
def office(qtbot, tmp_path: Path) -> Iterator[Office]:
    crm, erp = PayamgostarFake().start(), SiaghFake().start()
    store = open_store(data_dir=tmp_path)
    service = SyncService(store, SecretStore(), tmp_path, time_gate_s=0)
    runs = RunManager(service)
    ctx = UiContext(service=service, runs=runs, bridge=RunBridge(runs), profile=ProfileState(None),
                    data_dir=tmp_path)
    made = Office(crm, erp, ctx, free_port())
    yield made
    host = ctx.webhooks
    if host is not None:
        host.stop()  # type: ignore[attr-defined]
    runs.shutdown(timeout=30)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30_000)
    service.close()
    store.close()
    crm.stop()
    erp.stop()
