"""Whole runs over real HTTP (the sandbox ERP) into a real SQLite CRM database, through the app service."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import create_engine, func, select, text

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.service import EntityBusyError, SyncService
from erpsync_gui.records import Direction, Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import LinkRow, OutcomeRow


def _service(tmp_path, store_url=None):
    store = open_store(store_url, data_dir=tmp_path)
    # edits follow syncs within milliseconds here; the echo time gate is covered by the unit tests
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, service.secrets, tmp_path)
    return service


@pytest.fixture
def service(tmp_path):
    service = _service(tmp_path)
    yield service
    service.close()
    service.store.close()


@pytest.fixture
def crm_db(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crm.sqlite'}")
    yield engine
    engine.dispose()


def _count(engine, table):
    with engine.connect() as conn:
        return conn.scalar(text(f"SELECT COUNT(*) FROM {table}"))


def _links(service, entity):
    with service.store.session() as s:
        return list(s.scalars(select(LinkRow).where(LinkRow.entity == entity)))


def test_first_sync_links_overlaps_and_a_rerun_changes_nothing(service, crm_db):
    erp = service.sandbox.start()
    erp_clients, crm_clients = erp.count("clients"), _count(crm_db, "tblclients")

    first = service.sync("clients", direction=Direction.BOTH)

    assert first.status in ("success", "partial"), first.message
    assert first.counts["linked"] + first.counts["conflicts"] + first.counts["updated"] >= 20
    synced = [link for link in _links(service, "clients") if link.state == "synced"]
    # every client exists once on each side: the overlapping ones were linked, not duplicated
    assert erp.count("clients") + _count(crm_db, "tblclients") == 2 * len(synced) + first.counts["conflicts"] \
        + first.counts["failed"]
    assert _count(crm_db, "tblclients") >= crm_clients and erp.count("clients") >= erp_clients

    posts_before = erp.faults.count("POST") + erp.faults.count("PUT")
    second = service.sync("clients", direction=Direction.BOTH)
    assert second.counts["inserted"] == second.counts["updated"] == 0
    assert erp.faults.count("POST") + erp.faults.count("PUT") == posts_before


def test_an_edit_in_the_erp_reaches_the_crm_and_back_the_other_way(service, crm_db):
    erp = service.sandbox.start()
    service.sync("clients", direction=Direction.BOTH)
    settled = service.sync("clients", direction=Direction.BOTH)
    assert settled.counts["inserted"] == settled.counts["updated"] == 0
    link = next(link for link in _links(service, "clients") if link.state == "synced")

    erp.edit("clients", int(link.erp_id), city="Brașov-Nord")
    result = service.sync("clients", direction=Direction.IMPORT)
    assert result.counts["updated"] == 1
    with crm_db.connect() as conn:
        assert conn.scalar(text("SELECT city FROM tblclients WHERE userid = :i"), {"i": int(link.crm_id)}) \
            == "Brașov-Nord"

    with crm_db.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Köln' WHERE userid = :i"), {"i": int(link.crm_id)})
    result = service.sync("clients", direction=Direction.EXPORT)
    assert result.counts["updated"] == 1
    assert erp.get("clients", int(link.erp_id))["city"] == "Köln"


def test_dry_run_over_http_writes_nothing(service, crm_db):
    erp = service.sandbox.start()
    crm_before = _count(crm_db, "tblclients")

    result = service.sync("clients", dry_run=True)

    assert result.dry_run and result.plan
    assert any(item.changes for item in result.plan)
    assert erp.faults.count("POST") == 0 and erp.faults.count("PUT") == 0
    assert _count(crm_db, "tblclients") == crm_before
    assert _links(service, "clients") == []


def test_a_create_dropped_mid_reply_does_not_duplicate(service):
    erp = service.sandbox.start()
    before = erp.count("clients")
    erp.faults.drop_after_write = 1.0
    first = service.sync("clients", direction=Direction.EXPORT)
    erp.faults.drop_after_write = 0.0
    created_blind = erp.count("clients") - before
    assert created_blind > 0 and first.counts["failed"] > 0

    second = service.sync("clients", direction=Direction.EXPORT)

    assert second.counts["failed"] == 0, second.message
    # the blind ones were reconciled by the origin marker, not created again: each CRM client once in the ERP
    marks = [r["external_id"] for r in erp.records("clients") if r.get("external_channel") == "erpsync"]
    assert len(marks) == len(set(marks)) and len(marks) == erp.count("clients") - before
    assert second.counts["inserted"] == len(marks) - created_blind
    assert all(link.state == "synced" for link in _links(service, "clients"))


def test_prices_without_a_currency_mapping_fail_clearly_per_record(service):
    profile = service.profile("demo")
    products = dataclasses.replace(profile.entity("products"), currency_mapping={})
    groups = profile.entity("product_groups")
    schedule = dataclasses.replace(profile.schedule, entities=())
    ConfigRepo(service.store).save_profile(dataclasses.replace(profile, entities=(groups, products),
                                                               schedule=schedule))
    service.sync("product_groups")

    result = service.sync("products")

    assert result.status == "failed" and result.counts["failed"] > 0
    with service.store.session() as s:
        messages = set(s.scalars(select(OutcomeRow.message).where(OutcomeRow.entity == "products")))
    assert any("currency mapping" in m for m in messages)


def test_one_run_per_entity_at_a_time(service):
    lock = service._lock("demo", "clients")
    lock.acquire()
    try:
        with pytest.raises(EntityBusyError):
            service.sync("clients")
    finally:
        lock.release()


def test_all_demo_entities_sync_in_dependency_order(service, crm_db):
    results = [service.sync(e.entity) for e in service.profile("demo").entities]
    by_entity = {r.entity: r for r in results}
    assert all(r.status in ("success", "partial") for r in results), {r.entity: r.message for r in results}
    assert by_entity["contacts"].counts["inserted"] > 0
    assert by_entity["invoices"].counts["inserted"] > 0
    with crm_db.connect() as conn:
        lines = conn.scalar(select(func.count()).select_from(text("tblitemable")))
    assert lines > 0


@pytest.mark.postgres
def test_the_state_store_on_postgresql(tmp_path, pg_store_url):
    service = _service(tmp_path, pg_store_url)
    try:
        first = service.sync("clients")
        second = service.sync("clients")
        assert first.counts["processed"] > 0
        assert second.counts["inserted"] == second.counts["updated"] == 0
    finally:
        service.close()
        service.store.close()


def test_a_record_the_erp_refuses_does_not_stop_the_batch_and_is_retried(service, crm_db):
    erp = service.sandbox.start()
    with crm_db.begin() as conn:
        bad = conn.scalar(text("SELECT userid FROM tblclients WHERE customer_number IS NULL ORDER BY userid"))
        conn.execute(text("UPDATE tblclients SET country = 'Germany' WHERE userid = :i"), {"i": bad})
    before = erp.count("clients")

    first = service.sync("clients", direction=Direction.EXPORT)

    assert first.status == "partial" and first.counts["failed"] == 1
    assert erp.count("clients") - before == first.counts["inserted"] > 0
    with service.store.session() as s:
        failure = s.scalars(select(OutcomeRow).where(OutcomeRow.action == "failed")).one()
    assert failure.crm_id == str(bad) and "country" in failure.message  # the field a person must fix

    with crm_db.begin() as conn:
        conn.execute(text("UPDATE tblclients SET country = 'DE' WHERE userid = :i"), {"i": bad})
    second = service.sync("clients", direction=Direction.EXPORT)
    assert second.status == "success" and second.counts["inserted"] == 1


def test_a_run_held_by_another_process_is_refused_not_doubled(service, tmp_path):
    import subprocess
    import sys

    from erpsync_gui.app.run_lock import EntityFileLock

    path = EntityFileLock(tmp_path, "demo", "clients").path
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(  # another ERPSync process in the middle of a clients run
        [sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
         " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(EntityBusyError, match="another ERPSync process"):
            service.sync("clients")
        assert service.sync("leads").status == "success"  # other entities are not held up
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert service.sync("clients").status in ("success", "partial")  # the OS released the dead holder's lock


def test_a_connection_test_measures_the_erp_clock_and_keeps_its_offset(service):
    erp = service.sandbox.start()
    erp.faults.clock_offset_s = -120  # the ERP's clock is two minutes behind this PC's

    results = service.test_connections()

    assert results[Side.ERP].ok
    assert "s behind this PC's" in results[Side.ERP].message  # the Date header has whole seconds
    assert abs(service.profile().erp.clock_offset_s + 120) <= 2
    erp.faults.clock_offset_s = 0
    service.test_connections()
    assert service.profile().erp.clock_offset_s == 0


@pytest.mark.parametrize(("mapping", "problem"), [
    ({"1": 1, "9": 2}, "the ERP has no currency 9 (it has 1, 2, 3, 4"),
    ({"1": 77}, "the CRM has no currency 77 (it has 1,"),
])
def test_a_currency_mapping_naming_a_currency_a_system_lacks_stops_the_run_before_any_write(
        service, crm_db, mapping, problem):
    profile = service.profile("demo")
    products = dataclasses.replace(profile.entity("products"), currency_mapping=mapping)
    entities = tuple(products if e.entity == "products" else e for e in profile.entities)
    ConfigRepo(service.store).save_profile(dataclasses.replace(profile, entities=entities))
    service.sync("product_groups")
    before = _count(crm_db, "tblitems")

    result = service.sync("products")

    assert result.status == "failed" and result.error_kind == "config"
    assert problem in result.message and "currency mapping of products" in result.message
    assert _count(crm_db, "tblitems") == before and result.counts["inserted"] == 0
