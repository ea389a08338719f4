"""Finding twins by natural key never guesses: a twin already linked to another record, a key that two target
records share, and a twin two source records claim in one batch are each an error for a person."""

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
    assert f"the ERP record {twin['id']} found by number = 'C1' is already linked to record {first}" in failure.message
    pairs = {(link.crm_id, link.erp_id) for link in links(store) if link.erp_id is not None}
    assert pairs == {(first, twin["id"])}  # the first pair keeps its twin; nothing else points at it
    assert len(erp.rows("clients")) == 1 and [w[0] for w in erp.writes] == ["create"]


def test_a_key_two_target_records_share_is_no_match(store, crm, erp):
    erp.put("clients", {"number": "C7", "name": "Beta", "city": "Arad"})
    erp.put("clients", {"number": "C7", "name": "Beta", "city": "Arad"})
    rid = crm.put("clients", {"customer_number": "C7", "company": "Beta", "city": "Arad"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    result = engine.run("clients")

    assert result.counts["failed"] == 1 and result.counts["linked"] == result.counts["inserted"] == 0
    (failure,) = _failures(store)
    assert failure.crm_id == rid and "2 ERP records have number = 'C7'" in failure.message
    assert "cannot tell which is the twin" in failure.message
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
    assert f"the ERP record {eid} found by number = 'C3' is also the twin of record {a} in this batch" \
        in failure.message
    assert {(link.crm_id, link.erp_id) for link in links(store) if link.erp_id} == {(a, eid)}
    assert erp.writes == []
