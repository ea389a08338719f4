"""Export of the records made in the CRM itself, per entity, against the demo CRM and the sandbox ERP: only
records without our origin marker that no run has sent are exported, from the app service and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.export_unmarked import export_unmarked, unmarked_ids
from erpsync_gui.app.service import SyncService
from erpsync_gui.cli import main
from erpsync_gui.records import Direction
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SyncService]:
    store = open_store(None, data_dir=tmp_path)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, service.secrets, tmp_path)
    yield service
    service.close()
    store.close()


@pytest.fixture
def crm(service: SyncService) -> Iterator[Engine]:
    engine = create_engine(service.profile("demo").crm.url, poolclass=NullPool)
    yield engine
    engine.dispose()


def _local_client(crm: Engine, company: str) -> str:
    """A client as a person adds it in Perfex: no marker."""
    now = datetime.now().replace(microsecond=0)
    with crm.begin() as conn:
        return str(conn.execute(insert(schema.CLIENTS).values(
            company=company, vat=f"RO{abs(hash(company)) % 10**8}", datecreated=now)).inserted_primary_key[0])


def test_only_records_made_in_the_crm_and_never_sent_are_exported(service: SyncService, crm: Engine) -> None:
    erp = service.sandbox.start()
    with crm.connect() as conn:
        local = {str(r.userid) for r in conn.execute(select(schema.CLIENTS.c.userid).where(
            schema.CLIENTS.c.external_channel.is_(None)))}
    assert set(unmarked_ids(service, "clients")) == local and local

    assert service.sync("clients", direction=Direction.BOTH).status == "success"
    marked = _count_marked(crm)
    assert marked > 0 and unmarked_ids(service, "clients") == []  # sent or linked: none left, none from the ERP

    new = _local_client(crm, "Atelier Nou SRL")
    assert unmarked_ids(service, "clients") == [new]
    before = erp.count("clients")
    posts = erp.faults.count("POST")
    done = export_unmarked(service, "clients")
    assert done.crm_ids == (new,) and done.run is not None and done.run.status == "success"
    assert done.run.counts["inserted"] == 1 and erp.count("clients") == before + 1
    assert erp.faults.count("POST") == posts + 1  # that record only
    assert any(r["company"] == "Atelier Nou SRL" for r in erp.records("clients"))
    assert unmarked_ids(service, "clients") == [] and export_unmarked(service, "clients").run is None


def _count_marked(crm: Engine) -> int:
    with crm.connect() as conn:
        return len(conn.execute(select(schema.CLIENTS.c.userid).where(
            schema.CLIENTS.c.external_channel == "erpsync")).all())


def test_the_cli_counts_then_exports_the_unmarked_records(service: SyncService, crm: Engine, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    assert service.sync("clients", direction=Direction.BOTH).status == "success"
    _local_client(crm, "Brutăria Veche SRL")
    _local_client(crm, "Tischlerei Groß GmbH")
    args = ["--data-dir", str(tmp_path), "--profile", "demo", "crm", "export-unmarked", "-e", "clients"]
    assert main([*args, "--dry-run"]) == 0
    assert "clients: 2 unmarked record(s); would be sent" in capsys.readouterr().out
    assert main(args) == 0
    assert "clients: 2 unmarked record(s): 2 created in the ERP" in capsys.readouterr().out
    assert main(args) == 0
    assert "clients: 0 unmarked record(s); nothing to send" in capsys.readouterr().out
