"""Deciding manual-policy conflicts field by field against the real sandbox ERP and the demo CRM database."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import create_engine, select, text

from erpsync_gui.app import conflicts
from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.service import SyncService
from erpsync_gui.errors import ConfigError, StaleVersionError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import Direction, Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import ConflictRow, LinkRow, OutcomeRow


def manual_clients(service: SyncService) -> None:
    profile = service.profile("demo")
    entities = tuple(dataclasses.replace(e, policy="manual") if e.entity == "clients" else e
                     for e in profile.entities)
    ConfigRepo(service.store).save_profile(dataclasses.replace(profile, entities=entities))


@pytest.fixture
def service(tmp_path):
    store = open_store(data_dir=tmp_path)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, service.secrets, tmp_path)
    manual_clients(service)
    yield service
    service.close()
    store.close()


@pytest.fixture
def queued(service, tmp_path):
    """The first clients export under `manual`: the overlapping clients that differ are queued (one of them
    with a second differing field, edited in the CRM beforehand)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crm.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu', zip = '550001' WHERE customer_number = 'C00005'"))
    engine.dispose()
    result = service.sync("clients", direction=Direction.EXPORT)
    assert result.counts["conflicts"] > 0, result
    return conflicts.list_conflicts(service, "demo", "clients")


def _records(service, conflict):
    profile = service.profile("demo")
    with service.connectors(profile) as c:
        crm = c[Side.CRM].get_many("clients", [conflict.crm_id])[conflict.crm_id]
        erp = c[Side.ERP].get_many("clients", [conflict.erp_id])[conflict.erp_id]
    return crm, erp


def test_a_field_by_field_decision_makes_both_systems_equal(service, queued):
    conflict = next(c for c in queued if len(c.differing) >= 2)
    first, second, *rest = conflict.differing
    choice = {first: "erp", second: "crm", **dict.fromkeys(rest, "erp")}

    done = conflicts.resolve(service, "demo", conflict.id, choice)

    mapping = EntityMapping.from_config(service.profile("demo").entity("clients"))
    crm, erp = _records(service, conflict)
    crm_common, erp_common = mapping.to_common(Side.CRM, crm.data), mapping.to_common(Side.ERP, erp.data)
    assert crm_common == erp_common
    assert crm_common[first] == conflict.erp_values[first]
    assert crm_common[second] == conflict.crm_values[second]
    assert done.crm.id == conflict.crm_id and done.erp.id == conflict.erp_id
    with service.store.session() as s:
        link = s.get(LinkRow, conflict.link_id)
        assert link.state == "synced"
        assert link.crm_checksum == mapping.checksum(Side.CRM, crm.data)
        assert link.erp_checksum == mapping.checksum(Side.ERP, erp.data)
        assert s.get(ConflictRow, conflict.id).resolved_at is not None
        still_open = s.scalars(select(OutcomeRow).where(
            OutcomeRow.action == "conflict", OutcomeRow.resolution == "open",
            OutcomeRow.crm_id == conflict.crm_id, OutcomeRow.entity == "clients")).all()
        assert still_open == []
    assert conflict.id not in {c.id for c in conflicts.list_conflicts(service, "demo")}

    erp_server = service.sandbox.start()
    writes = erp_server.faults.count("PUT") + erp_server.faults.count("POST")
    # the settled record is now in step: syncing it again writes nothing and queues nothing
    again = service.sync("clients", direction=Direction.BOTH,
                         only={Side.CRM: [conflict.crm_id], Side.ERP: [conflict.erp_id]})
    assert again.status == "success", again.message
    assert again.counts["conflicts"] == again.counts["updated"] == again.counts["inserted"] == 0
    assert conflict.link_id not in {c.link_id for c in conflicts.list_conflicts(service, "demo")}
    assert erp_server.faults.count("PUT") + erp_server.faults.count("POST") == writes


def test_every_differing_field_needs_a_choice(service, queued):
    conflict = queued[0]
    with pytest.raises(ConfigError, match="No value picked"):
        conflicts.resolve(service, "demo", conflict.id, {})
    with pytest.raises(ConfigError, match="Unknown choice"):
        conflicts.resolve(service, "demo", conflict.id, dict.fromkeys(conflict.differing, "mine"))
    with service.store.session() as s:
        assert s.get(ConflictRow, conflict.id).resolved_at is None


def test_a_record_edited_after_the_conflict_is_not_overwritten(service, queued, tmp_path):
    conflict = queued[0]
    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'crm.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Edited Later' WHERE userid = :i"),
                     {"i": int(conflict.crm_id)})
    engine.dispose()

    with pytest.raises(StaleVersionError, match="changed again"):
        conflicts.resolve(service, "demo", conflict.id, dict.fromkeys(conflict.differing, "erp"))

    crm, _erp = _records(service, conflict)
    assert crm.data["city"] == "Edited Later"
    assert conflict.id in {c.id for c in conflicts.list_conflicts(service, "demo")}


def test_a_decided_conflict_cannot_be_decided_twice(service, queued):
    conflict = queued[0]
    conflicts.resolve(service, "demo", conflict.id, dict.fromkeys(conflict.differing, "crm"))
    with pytest.raises(ConfigError, match="already resolved"):
        conflicts.resolve(service, "demo", conflict.id, dict.fromkeys(conflict.differing, "crm"))
