"""Parties deactivated or deleted in the real Tryton server, as the engine's delete handling sees them: a
deactivated party comes in the changes feed as deleted, so each on_delete setting applies on the next run; a
party deleted outright leaves no trace a feed could read (Tryton keeps no deletion log), so a full read notices
it (a linked party it does not meet is gone)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.models import LinkRow
from erpsync_gui.store.safety_models import PendingDeleteRow
from tests.fakes.memory import MemoryConnector
from tests.tryton_server import DATABASE

pytestmark = pytest.mark.tryton

FIELDS = ({"crm": "customer_number", "erp": "code", "type": "text"},
          {"crm": "company", "erp": "name", "type": "text", "required": True})


def _engine(store, tryton, connector, crm: MemoryConnector, on_delete: str) -> SyncEngine:
    profile = ConfigRepo(store).save_profile(ProfileConfig(
        name=f"deletes-{on_delete}",
        crm=EndpointConfig(Side.CRM, "memory", "memory://crm"),
        erp=EndpointConfig(Side.ERP, "tryton", tryton.url, auth="session", options={"database": DATABASE}),
        entities=(EntityConfig("clients", direction=Direction.BOTH, match_keys=("customer_number",), fields=FIELDS,
                               on_delete=on_delete),)))
    return SyncEngine(store, profile, {Side.CRM: crm, Side.ERP: connector}, time_gate_s=0)


def _linked(engine: SyncEngine, crm: MemoryConnector, admin, prefix: str) -> dict[str, int]:
    """Three parties made in Tryton and synced to the CRM: CRM id by party id."""
    made = admin.create("party.party", *({"name": f"{prefix} {n}", "code": f"{prefix}-{n}"} for n in range(3)))
    assert engine.run("clients").status == "success"
    by_code = {r["customer_number"]: r["id"] for r in crm.rows("clients")}
    return {party: by_code[f"{prefix}-{n}"] for n, party in enumerate(made)}


def _link_state(engine: SyncEngine, crm_id: str) -> str:
    """The state of the link of the CRM record `crm_id` (the twin of a party)."""
    with engine.store.session() as session:
        return session.scalars(select(LinkRow.state).where(
            LinkRow.profile_id == engine.profile.id, LinkRow.crm_id == crm_id)).one()


def _queued(store) -> list[PendingDeleteRow]:
    with store.session() as session:
        return list(session.scalars(select(PendingDeleteRow)))


def test_a_deactivated_party_is_retired_queued_or_propagated_as_on_delete_says(store, tryton, connector, admin):
    for on_delete, prefix in (("ignore", "IGN"), ("queue", "QUE"), ("propagate", "PRO")):
        crm = MemoryConnector()
        engine = _engine(store, tryton, connector, crm, on_delete)
        pairs = _linked(engine, crm, admin, prefix)
        party, twin = next(iter(pairs.items()))
        admin.write("party.party", [party], {"active": False})

        result = engine.run("clients")

        assert result.status == "success", result.message
        assert _link_state(engine, twin) == "deleted", on_delete
        still_there = twin in {r["id"] for r in crm.rows("clients")}
        assert still_there is (on_delete != "propagate"), on_delete
        queued = [q for q in _queued(store) if q.twin_id == twin]
        assert len(queued) == (1 if on_delete == "queue" else 0), on_delete
        before = len(crm.rows("clients"))
        engine.run("clients")  # noticed once: nothing more is deleted or queued (the queue holds the one twin
        # of the queue setting)
        assert len(crm.rows("clients")) == before and len(_queued(store)) == (1 if on_delete != "ignore" else 0)


def test_a_party_deleted_outright_is_noticed_by_a_full_read(store, tryton, connector, admin):
    crm = MemoryConnector()
    engine = _engine(store, tryton, connector, crm, "propagate")
    pairs = _linked(engine, crm, admin, "DEL")
    party, twin = next(iter(pairs.items()))
    admin.call("party.party", "delete", [party])

    engine.run("clients")
    assert twin in {r["id"] for r in crm.rows("clients")} and _link_state(engine, twin) == "synced"  # unseen
    before = len(crm.rows("clients"))
    full = engine.run("clients", full=True)

    assert full.status == "success", full.message
    assert _link_state(engine, twin) == "deleted"
    assert twin not in {r["id"] for r in crm.rows("clients")} and len(crm.rows("clients")) == before - 1
