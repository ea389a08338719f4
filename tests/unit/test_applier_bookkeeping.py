"""What a batch records after its writes: a create into a target that commits it atomically and marks it with our
origin leaves one link row, inserted once already synced (no write-ahead row, no second write of it); a create
whose outcome can be unknown is still announced before it is sent; and the merge bases of a batch are each
field's own digest, however many values repeat; before-images keep the fields each write changes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from erpsync_gui.engine import before_images
from erpsync_gui.engine.merge import snapshots_of
from erpsync_gui.engine.types import Action, FieldChange, PlanItem
from erpsync_gui.mapping.checksum import field_digest
from erpsync_gui.records import Capabilities, Direction, Origin, Record, Side
from erpsync_gui.store.link import Link
from erpsync_gui.store.snapshots import stamp
from erpsync_gui.store.sync_state import SyncState
from tests.fakes.memory import MemoryConnector
from tests.unit.test_engine import engine_for, links

WHEN = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


class _AtomicTarget(MemoryConnector):
    """A target whose create commits with its record or writes nothing (a database insert), marked with our
    origin."""

    def capabilities(self, entity: str) -> Capabilities:
        return dataclasses.replace(super().capabilities(entity), atomic_create=True)


class _Watching(MemoryConnector):
    """A target whose create's outcome may be unknown; it notes the links the state store holds as each create
    arrives."""

    def __init__(self, store, profile_id: int) -> None:
        super().__init__()
        self.state = SyncState(store, profile_id, "clients")
        self.seen: list[Link] = []

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None, txn_id: str | None = None):
        ids = [origin.source_id for origin in origins or () if origin is not None]
        self.seen.extend(self.state.links_by_ids(Side.ERP, ids).values())
        return super().create_many(entity, payloads, origins=origins, txn_id=txn_id)


def _refuse_link_updates_and_pending_rows(store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER no_update BEFORE UPDATE ON links "
                          "BEGIN SELECT RAISE(ABORT, 'a link was written twice'); END"))
        conn.execute(text("CREATE TRIGGER no_pending BEFORE INSERT ON links WHEN NEW.state != 'synced' "
                          "BEGIN SELECT RAISE(ABORT, 'a write-ahead row'); END"))


def test_a_create_into_an_atomic_target_writes_its_link_once_already_synced(store):
    crm, erp = _AtomicTarget(), MemoryConnector()
    for i in range(30):
        erp.put("clients", {"number": f"C{i:03d}", "name": f"Firma {i}", "city": "Brașov"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=7)
    _refuse_link_updates_and_pending_rows(store)

    first = engine.run("clients")

    assert first.status == "success" and first.counts["inserted"] == 30
    stored = links(store)
    assert len(stored) == 30 and {link.state for link in stored} == {"synced"}
    by_erp = {row["id"]: row for row in erp.rows("clients")}
    by_crm = {row["id"]: row for row in crm.rows("clients")}
    for link in stored:
        assert by_crm[link.crm_id]["customer_number"] == by_erp[link.erp_id]["number"]
        assert link.crm_checksum and link.erp_checksum and link.last_written_side == "crm"
        assert link.erp_version == str(by_erp[link.erp_id]["version"]) and not link.create_unknown
        assert link.last_txn_id and link.attempts == 0 and link.pending_side is None
    # the checksums are those a rerun computes from both records: nothing is written again
    writes = len(crm.writes)
    second = engine.run("clients")
    assert second.status == "success" and second.counts["inserted"] == second.counts["updated"] == 0
    assert len(crm.writes) == writes


def test_a_create_whose_outcome_can_be_unknown_is_announced_before_it_is_sent(store):
    erp = MemoryConnector()
    engine = engine_for(store, MemoryConnector(), erp, direction=Direction.IMPORT)
    crm = _Watching(store, engine.profile.id)
    engine.connectors[Side.CRM] = crm
    ids = [erp.put("clients", {"number": f"C{i}", "name": f"Firma {i}"}) for i in range(3)]

    result = engine.run("clients")

    assert result.counts["inserted"] == 3
    assert sorted(link.erp_id for link in crm.seen) == sorted(ids)
    assert all(link.state == "pending" and link.create_unknown and link.crm_id is None for link in crm.seen)
    assert {link.state for link in links(store)} == {"synced"}
    assert {link.id for link in links(store)} == {link.id for link in crm.seen}  # the announced rows, now synced


def _item(i: int, crm: dict[str, Any], erp: dict[str, Any]) -> PlanItem:
    link = Link(1, "clients", id=i, crm_id=f"C{i}", erp_id=f"E{i}", state="synced", last_synced_at=WHEN)
    return PlanItem(Action.CREATE, Side.ERP, Record(f"E{i}", erp), "new", target=Record(f"C{i}", crm),
                    write_side=Side.CRM, payload=dict(crm), link=link)


def test_merge_bases_hold_each_fields_own_digest_however_values_repeat():
    # texts shared by both sides and by records, and values that are equal but not the same (1, True, 1.0, "1")
    values = ["Brașov", "Brașov", 1, True, 1.0, "1", None, "", [1, "a"], {"k": "v"}, 10**30, "é" * 300]
    items = [_item(i, {f"c{n}": v for n, v in enumerate(values[i:] + values[:i])},
                   {f"e{n}": v for n, v in enumerate(reversed(values))}) for i in range(len(values))]
    items.append(PlanItem(Action.SKIP, Side.ERP, Record("E-skip", {"e0": "x"}), "unchanged"))

    def canonical(side: Side, record: Record) -> Mapping[str, Any]:
        return record.data

    found = snapshots_of(None, items, canonical)  # type: ignore[arg-type]  # the canonical form is given

    assert [link.id for link, _ in found] == list(range(len(values)))
    for (_link, snap), item in zip(found, items, strict=False):
        assert item.target is not None and snap.synced_at == stamp(WHEN)
        assert snap.digests == {"crm": {name: field_digest(v) for name, v in item.target.data.items()},
                                "erp": {name: field_digest(v) for name, v in item.source.data.items()}}


def test_before_images_keep_the_fields_each_write_changes(store):
    mapping = engine_for(store, MemoryConnector(), MemoryConnector()).prepare("clients").mapping
    crm = Record("C1", {"customer_number": "K1", "company": "Alfa", "city": "Cluj"})
    erp = Record("E1", {"number": "K1", "name": "Alfa SRL", "city": "Iași"})
    # one write, with the changes its plan found (the number is sent unchanged)
    one = PlanItem(Action.UPDATE, Side.ERP, erp, "changed", target=crm, write_side=Side.CRM,
                   payload={"customer_number": "K1", "company": "Alfa SRL", "city": "Iași"},
                   changes=[FieldChange("company", "Alfa", "Alfa SRL"), FieldChange("city", "Cluj", "Iași")])
    # a merge's two writes share one list of changes: each side keeps only what its own write changes
    merged = PlanItem(Action.UPDATE, Side.ERP, erp, "merged", target=crm, write_side=Side.CRM,
                      payload={"city": "Iași"}, back_payload={"name": "Alfa"},
                      changes=[FieldChange("city", "Cluj", "Iași"), FieldChange("name", "Alfa SRL", "Alfa")])
    taken = before_images.capture([one, merged], mapping)
    rows = before_images.rows([one, merged], taken, run_id=1, profile_id=1, entity="clients", now=WHEN)
    assert [(r["side"], r["record_id"], r["before"], r["after"]) for r in rows] == [
        ("crm", "C1", {"company": "Alfa", "city": "Cluj"}, {"company": "Alfa", "city": "Cluj"}),
        ("crm", "C1", {"city": "Cluj"}, {"city": "Cluj"}),
        ("erp", "E1", {"name": "Alfa SRL"}, {"name": "Alfa SRL"}),
    ]


def test_a_created_link_holds_both_records_as_they_are_in_its_fields():
    from erpsync_gui.engine.applier import Applier, ApplyContext
    from erpsync_gui.engine.planner import Checksums
    from erpsync_gui.mapping import EntityMapping, parse_fields
    from tests.unit.test_engine import FIELDS

    mapping = EntityMapping("clients", parse_fields(list(FIELDS)))
    later = datetime(2026, 3, 1, 9, 31, tzinfo=UTC)
    erp = Record("E7", {"number": "K7", "name": "Alfa", "city": "Iași"}, WHEN, "3", "t-erp")
    crm = Record("C9", {"customer_number": "K7", "company": "Alfa", "city": "Iași"}, later, "11", "t-crm")
    for source, target, write_side in ((erp, crm, Side.CRM), (crm, erp, Side.ERP)):
        item = PlanItem(Action.CREATE, write_side.other, source, "new", target=target, write_side=write_side,
                        payload=dict(target.data))
        applier = Applier(ApplyContext("clients", 5, 2, "txn-1", mapping, {}, {}, None, None, str,  # type: ignore[arg-type]
                                       Checksums(mapping)))
        link = applier._created_link(item, later)
        assert link == Link(2, "clients", crm_id="C9", erp_id="E7", crm_checksum=mapping.checksum(Side.CRM, crm.data),
                            erp_checksum=mapping.checksum(Side.ERP, erp.data), crm_version="11", erp_version="3",
                            crm_updated_at=later, erp_updated_at=WHEN, last_txn_id="txn-1",
                            last_written_side=write_side.value, last_synced_at=later, state="synced")
