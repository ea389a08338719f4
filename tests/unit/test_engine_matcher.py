"""Finding twins never guesses: a twin already linked to another record, a key that two target records share,
and a twin two source records claim in one batch are each an error for a person. A record we created finds
its twin by the origin marker it carries (when the keys still agree), and one whose twin is gone is not
exported as new."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erpsync_gui.records import Direction
from erpsync_gui.store.models import OutcomeRow
from tests.fakes.memory import MemoryConnector
from tests.unit.test_engine import engine_for, links


@pytest.fixture
def crm() -> MemoryConnector:
    return MemoryConnector()


@pytest.fixture
def erp() -> MemoryConnector:
    # without our origin marker the natural key is the only way to a twin
    return MemoryConnector(origin_marker=False)


def _failures(store) -> list[OutcomeRow]:
    with store.session() as s:
        return list(s.scalars(select(OutcomeRow).where(OutcomeRow.action == "failed").order_by(OutcomeRow.id)))


def test_a_twin_already_linked_to_another_record_is_not_taken_again(store, crm, erp):
    first = crm.put("clients", {"customer_number": "C1", "company": "Alfa", "city": "Iași"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)
    assert engine.run("clients").counts["inserted"] == 1
    (twin,) = erp.rows("clients")
    # a person enters the same customer number on a second CRM client, with the same values
    second = crm.put("clients", {"customer_number": "C1", "company": "Alfa", "city": "Iași"})

    result = engine.run("clients")

    assert result.counts["failed"] == 1 and result.counts["linked"] == 0
    (failure,) = _failures(store)
    assert failure.crm_id == second
    assert failure.message == (f"the ERP record {twin['id']} found by number = 'C1' is already linked to record "
                               f"{first} (two source records share a natural key; make it unique)")
    pairs = {(link.crm_id, link.erp_id) for link in links(store) if link.erp_id is not None}
    assert pairs == {(first, twin["id"])}  # the first pair keeps its twin; nothing else points at it
    assert len(erp.rows("clients")) == 1 and [w[0] for w in erp.writes] == ["create"]


def test_on_import_too_a_crm_twin_linked_to_another_erp_record_is_not_taken(store, crm):
    erp = MemoryConnector()
    crm.put("clients", {"customer_number": "C0", "company": "Other", "city": "Iași"})  # ids differ between sides
    first = erp.put("clients", {"number": "C2", "name": "Beta", "city": "Arad"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT)
    engine.run("clients")
    twin = crm.rows("clients")[1]
    second = erp.put("clients", {"number": "C2", "name": "Beta", "city": "Arad"})  # the same number again

    result = engine.run("clients")

    assert result.counts["failed"] == 1 and result.counts["linked"] == 0
    (failure,) = _failures(store)
    assert failure.erp_id == second
    assert failure.message == (f"the CRM record {twin['id']} found by customer_number = 'C2' is already linked to "
                               f"record {first} (two source records share a natural key; make it unique)")
    assert {(link.crm_id, link.erp_id) for link in links(store) if link.crm_id} == {(twin["id"], first)}
    assert len(crm.rows("clients")) == 2


def test_a_twin_that_waits_with_its_own_half_link_is_adopted_not_linked_twice(store, erp):
    crm = MemoryConnector()
    crm.reject_values.add(("company", "Gama"))  # the CRM refuses the ERP record's create: it waits, half-linked
    eid = erp.put("clients", {"number": "C4", "name": "Gama", "city": "Deva"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT)
    assert engine.run("clients").counts["failed"] == 1
    (waiting,) = links(store)
    assert (waiting.erp_id, waiting.crm_id, waiting.state) == (eid, None, "failed")
    crm.reject_values.clear()
    rid = crm.put("clients", {"customer_number": "C4", "company": "Gama", "city": "Deva"})  # entered by hand

    result = engine_for(store, crm, erp, direction=Direction.EXPORT).run("clients")

    assert result.status == "success" and result.counts["linked"] == 1
    (pair,) = links(store)
    assert (pair.id, pair.crm_id, pair.erp_id, pair.state) == (waiting.id, rid, eid, "synced")
    assert len(erp.rows("clients")) == 1
    (linked,) = [o for o in _outcomes(store) if o.action == "link"]
    assert linked.message == "already there (matched by number = 'C4')"


def test_a_key_two_target_records_share_is_no_match(store, crm, erp):
    erp.put("clients", {"number": "C7", "name": "Beta", "city": "Arad"})
    erp.put("clients", {"number": "C7", "name": "Beta", "city": "Arad"})
    rid = crm.put("clients", {"customer_number": "C7", "company": "Beta", "city": "Arad"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    result = engine.run("clients")

    assert result.counts["failed"] == 1 and result.counts["linked"] == result.counts["inserted"] == 0
    (failure,) = _failures(store)
    assert failure.crm_id == rid and failure.message.startswith("2 ERP records have number = 'C7' (ids ")
    assert failure.message.endswith("); cannot tell which is the twin (make number unique in the ERP, or choose "
                                    "another match key)")
    assert all(link.erp_id is None for link in links(store))
    assert len(erp.rows("clients")) == 2 and erp.writes == []  # not linked to either, nor created a third time


def test_one_twin_claimed_by_two_records_of_a_batch_goes_to_one_of_them(store, crm, erp):
    eid = erp.put("clients", {"number": "C3", "name": "Gama", "city": "Deva"})
    a = crm.put("clients", {"customer_number": "C3", "company": "Gama", "city": "Deva"})
    b = crm.put("clients", {"customer_number": "C3", "company": "Gama", "city": "Deva"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    result = engine.run("clients")

    assert result.counts["linked"] == 1 and result.counts["failed"] == 1
    (failure,) = _failures(store)
    assert failure.crm_id == b
    assert failure.message == (f"the ERP record {eid} found by number = 'C3' is also the twin of record {a} in this "
                               "batch (two source records share a natural key)")
    assert {(link.crm_id, link.erp_id) for link in links(store) if link.erp_id} == {(a, eid)}
    assert erp.writes == []


def _lost_state(tmp_path, name: str):
    """A state database opened afresh, as after the old one was lost: no link, no cursor."""
    from erpsync_gui.store.db import open_store

    return open_store(f"sqlite:///{tmp_path / name}")


def test_a_record_we_created_finds_the_twin_its_marker_names_when_no_key_can(tmp_path, store):
    crm, erp = MemoryConnector(), MemoryConnector()
    eid = erp.put("clients", {"number": None, "name": "Delta", "city": "Cluj"})  # no key value to match by
    engine_for(store, crm, erp, direction=Direction.IMPORT).run("clients")
    (created,) = crm.rows("clients")
    assert (created["external_id"], created["external_channel"]) == (eid, "erpsync")
    fresh = _lost_state(tmp_path, "fresh.db")
    try:
        result = engine_for(fresh, crm, erp, direction=Direction.EXPORT).run("clients")

        assert result.counts["linked"] == 1 and result.counts["inserted"] == 0
        assert [link.erp_id for link in links(fresh)] == [eid] and len(erp.rows("clients")) == 1
    finally:
        fresh.close()


def test_a_record_whose_marked_twin_was_deleted_is_not_exported_as_new(tmp_path, store):
    crm, erp = MemoryConnector(), MemoryConnector()
    eid = erp.put("clients", {"number": "C5", "name": "Epsilon", "city": "Arad"})
    engine_for(store, crm, erp, direction=Direction.IMPORT).run("clients")
    erp.delete("clients", eid)
    fresh = _lost_state(tmp_path, "fresh.db")
    try:
        result = engine_for(fresh, crm, erp, direction=Direction.EXPORT).run("clients")

        assert result.counts["inserted"] == 0 and erp.rows("clients") == []
        (outcome,) = _outcomes(fresh)
        assert outcome.action == "deleted" and outcome.erp_id == eid
    finally:
        fresh.close()


def test_a_marker_whose_twin_now_has_another_key_is_not_trusted(tmp_path, store):
    crm, erp = MemoryConnector(), MemoryConnector()
    eid = erp.put("clients", {"number": "C8", "name": "Zeta", "city": "Iași"})
    engine_for(store, crm, erp, direction=Direction.IMPORT).run("clients")
    erp.put("clients", {"number": "C9"}, eid)  # the ERP record was given another customer's number
    other = erp.put("clients", {"number": "C8", "name": "Zeta", "city": "Iași"})
    fresh = _lost_state(tmp_path, "fresh.db")
    try:
        result = engine_for(fresh, crm, erp, direction=Direction.EXPORT).run("clients")

        assert result.counts["linked"] == 1  # by the natural key, to the record that has it now
        assert [link.erp_id for link in links(fresh)] == [other]
    finally:
        fresh.close()


def _outcomes(store) -> list[OutcomeRow]:
    with store.session() as s:
        return list(s.scalars(select(OutcomeRow).order_by(OutcomeRow.id)))


# the ERP's numbers carry a prefix the CRM drops: mapped toward the CRM, "INV-2026-00200" becomes "202600200"
LOSSY_FIELDS = (
    {"crm": "customer_number", "erp": "number", "type": "text", "transform_to_crm": ["digits_only"]},
    {"crm": "company", "erp": "name", "type": "text", "required": True},
    {"crm": "city", "erp": "city", "type": "text"},
)


def test_a_key_the_mapping_shortens_finds_its_twin_in_the_targets_records(store, crm, erp):
    eid = erp.put("clients", {"number": "INV-2026-00200", "name": "Alfa", "city": "Iași"})
    erp.put("clients", {"number": "INV-2026-00300", "name": "Beta", "city": "Arad"})
    rid = crm.put("clients", {"customer_number": "202600200", "company": "Alfa", "city": "Iași"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT, fields=LOSSY_FIELDS)

    result = engine.run("clients")

    assert result.counts["inserted"] == 0 and result.counts["failed"] == 0
    assert {(link.crm_id, link.erp_id) for link in links(store)} == {(rid, eid)}
    assert len(erp.rows("clients")) == 2 and [w for w in erp.writes if w[0] == "create"] == []
    # the pair then differs in the number's form, and the CRM's form is written over (crm_wins)
    (outcome,) = _outcomes(store)
    assert outcome.message.startswith("matched by number = '202600200'; values differ")


def test_the_targets_records_are_read_once_per_run_however_many_batches(store, crm, erp):
    for n in (100, 200, 300):
        erp.put("clients", {"number": f"INV-2026-00{n}", "name": f"Firma {n}", "city": "Iași"})
        crm.put("clients", {"customer_number": f"202600{n}", "company": f"Firma {n}", "city": "Iași"})
    reads: list[tuple[str, int]] = []
    read_changes = erp.changes

    def counted(entity, cursor, page_size):
        reads.append((entity, page_size))
        return read_changes(entity, cursor, page_size)

    erp.changes = counted  # type: ignore[method-assign]
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT, fields=LOSSY_FIELDS, batch_size=1)

    result = engine.run("clients")

    assert result.counts["inserted"] == 0 and len(links(store)) == 3
    # one index for three batches, after the one-record look that asks whether the empty-target shortcut applies
    assert len([size for _entity, size in reads if size > 1]) == 1 and len(reads) <= 2


def test_a_marker_rules_when_its_twin_no_longer_has_a_key_to_compare(tmp_path, store):
    crm, erp = MemoryConnector(), MemoryConnector()
    eid = erp.put("clients", {"number": "C6", "name": "Eta", "city": "Cluj"})
    engine_for(store, crm, erp, direction=Direction.IMPORT).run("clients")
    erp.put("clients", {"number": None}, eid)  # a person cleared the ERP record's number
    fresh = _lost_state(tmp_path, "fresh.db")
    try:
        result = engine_for(fresh, crm, erp, direction=Direction.EXPORT).run("clients")

        assert result.counts["inserted"] == 0 and len(erp.rows("clients")) == 1
        assert [link.erp_id for link in links(fresh)] == [eid]
        (outcome,) = _outcomes(fresh)
        assert outcome.message.startswith("matched by its origin marker")
    finally:
        fresh.close()
