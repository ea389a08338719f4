"""Whole runs through the app service with the demo profile's CRM side on a MariaDB database holding the
demo CRM, and the sandbox ERP over real HTTP, as usual."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.service import SyncService
from erpsync_gui.records import Direction
from erpsync_gui.sandbox.demo_crm import create_schema, seed
from erpsync_gui.sandbox.seed_data import overlap_clients
from erpsync_gui.secrets import DEMO_PROFILE, SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import LinkRow

pytestmark = pytest.mark.mysql


@pytest.fixture
def crm_db(mysql_db_url: str) -> Iterator[Engine]:
    """The demo CRM (schema and seed rows) on a fresh MariaDB database."""
    engine = create_engine(mysql_db_url, poolclass=NullPool)
    create_schema(engine)
    seed(engine, overlap_clients(25))
    yield engine
    engine.dispose()


@pytest.fixture
def service(tmp_path: Path, mysql_db_url: str, crm_db: Engine) -> Iterator[SyncService]:
    """The demo set-up, its CRM endpoint pointed at MariaDB; the password lives in the keyring only."""
    store = open_store(None, data_dir=tmp_path)
    # edits follow syncs within milliseconds here; the echo time gate is covered by the unit tests
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    profile = setup_demo(store, service.secrets, tmp_path)
    url = make_url(mysql_db_url)
    service.secrets.set(DEMO_PROFILE, "crm", "db_password", url.password or "")
    crm = dataclasses.replace(profile.crm, url=url._replace(password=None).render_as_string(hide_password=False))
    ConfigRepo(store).save_profile(dataclasses.replace(profile, crm=crm))
    yield service
    service.close()
    store.close()


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(text(table)))


def _links(service: SyncService, entity: str) -> list[LinkRow]:
    with service.store.session() as s:
        return list(s.scalars(select(LinkRow).where(LinkRow.entity == entity)))


def test_clients_sync_both_ways_settle_and_a_crm_edit_reaches_the_erp(service: SyncService,
                                                                       crm_db: Engine) -> None:
    assert service.profile("demo").crm.url.startswith("mysql+pymysql://")
    assert service.test_connections()[service.profile("demo").crm.side].ok
    erp = service.sandbox.start()
    crm_before, erp_before = _count(crm_db, "tblclients"), erp.count("clients")

    first = service.sync("clients", direction=Direction.BOTH)

    assert first.status in ("success", "partial"), first.message
    assert first.counts["linked"] + first.counts["conflicts"] + first.counts["updated"] >= 20
    assert first.counts["inserted"] > 0
    synced = [link for link in _links(service, "clients") if link.state == "synced"]
    # every client exists once on each side: the overlapping ones were linked, not duplicated
    assert erp.count("clients") + _count(crm_db, "tblclients") == 2 * len(synced) + first.counts["conflicts"] \
        + first.counts["failed"]
    assert _count(crm_db, "tblclients") > crm_before and erp.count("clients") > erp_before
    with crm_db.connect() as conn:  # ERP clients written into MariaDB carry the origin marker
        marked = conn.scalar(text("SELECT COUNT(*) FROM tblclients WHERE external_channel = 'erpsync'"))
    assert marked == _count(crm_db, "tblclients") - crm_before

    writes = erp.faults.count("POST") + erp.faults.count("PUT")
    second = service.sync("clients", direction=Direction.BOTH)
    assert second.counts["inserted"] == second.counts["updated"] == second.counts["failed"] == 0
    assert erp.faults.count("POST") + erp.faults.count("PUT") == writes

    link = next(link for link in _links(service, "clients") if link.state == "synced")
    with crm_db.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Köln-Süd' WHERE userid = :i"), {"i": int(link.crm_id)})
    third = service.sync("clients", direction=Direction.BOTH)
    assert third.counts["updated"] == 1 and third.counts["inserted"] == third.counts["failed"] == 0
    assert erp.get("clients", int(link.erp_id))["city"] == "Köln-Süd"


def test_all_demo_entities_sync_into_mariadb_and_a_rerun_writes_nothing(service: SyncService,
                                                                         crm_db: Engine) -> None:
    entities = [e.entity for e in service.profile("demo").entities]
    results = {e: service.sync(e) for e in entities}
    assert all(r.status in ("success", "partial") for r in results.values()), \
        {e: r.message for e, r in results.items()}
    assert results["contacts"].counts["inserted"] > 0 and results["invoices"].counts["inserted"] > 0
    with crm_db.connect() as conn:  # invoices arrived with their lines, tied to the new invoice ids
        orphans = conn.scalar(text("SELECT COUNT(*) FROM tblitemable l LEFT JOIN tblinvoices i ON i.id = l.rel_id "
                                   "WHERE l.rel_type = 'invoice' AND i.id IS NULL"))
        lines = conn.scalar(text("SELECT COUNT(*) FROM tblitemable WHERE rel_type = 'invoice'"))
    assert orphans == 0 and lines > 0

    again = {e: service.sync(e) for e in entities}
    assert {e: (r.counts["inserted"], r.counts["updated"]) for e, r in again.items()} == {
        e: (0, 0) for e in entities}
