"""Deletes under each on_delete setting, end to end: sandbox ERP over HTTP, SQL CRM, the real engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from erpsync_gui.records import Direction
from erpsync_gui.store.models import OutcomeRow
from erpsync_gui.store.safety_models import PendingDeleteRow
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _linked(harness: Harness, n: int = 3) -> dict[str, str]:
    for i in range(n):
        harness.crm_create(customer_number=f"C{i:02d}", company=f"Firma {i}", city="Brașov")
    harness.sync()
    harness.advance(60)
    return {link.crm_id: link.erp_id for link in harness.links()}


def _queue(harness: Harness) -> list[PendingDeleteRow]:
    with harness.store.session() as s:
        return list(s.scalars(select(PendingDeleteRow).order_by(PendingDeleteRow.id)))


def test_ignore_leaves_the_twin_and_queues_nothing(harness):
    pairs = _linked(harness)
    crm_id = next(iter(pairs))
    harness.crm_delete(crm_id)

    harness.sync(settings={"on_delete": "ignore"})

    assert pairs[crm_id] in harness.erp_rows()
    assert _queue(harness) == []
    assert [link.state for link in harness.links()].count("deleted") == 1


def test_queue_keeps_the_twin_and_asks_with_its_last_values(harness):
    pairs = _linked(harness)
    crm_id = next(iter(pairs))
    harness.crm_delete(crm_id)

    harness.sync(settings={"on_delete": "queue"})

    assert pairs[crm_id] in harness.erp_rows()
    [pending] = _queue(harness)
    assert (pending.deleted_side, pending.deleted_id, pending.twin_id, pending.status) == (
        "crm", crm_id, pairs[crm_id], "open")
    assert pending.last_values["company"] == "Firma 0" and pending.last_values["city"] == "Brașov"
    # asked once: the next run does not queue it again
    harness.advance(60)
    harness.sync(settings={"on_delete": "queue"})
    assert len(_queue(harness)) == 1


def test_propagate_deletes_the_twin_and_says_so(harness):
    pairs = _linked(harness)
    crm_id = next(iter(pairs))
    harness.crm_delete(crm_id)

    harness.sync(settings={"on_delete": "propagate"})

    assert pairs[crm_id] not in harness.erp_rows()
    assert len(harness.erp_rows()) == 2
    assert _queue(harness) == []
    with harness.store.session() as s:
        [outcome] = s.scalars(select(OutcomeRow).where(OutcomeRow.action == "deleted")).all()
    assert "twin was deleted too" in outcome.message
    # the pair is retired once: nothing is created again or deleted twice
    harness.advance(60)
    again = harness.sync(settings={"on_delete": "propagate"})
    assert again.counts["inserted"] == 0 and len(harness.erp_rows()) == 2


def test_propagate_works_from_the_erp_side_too(harness):
    pairs = _linked(harness)
    crm_id, erp_id = next(iter(pairs.items()))
    harness.erp_delete(erp_id)

    harness.sync(full=True, settings={"on_delete": "propagate"})

    assert crm_id not in harness.crm_rows() and len(harness.crm_rows()) == 2


def test_propagated_deletes_count_against_the_brake(harness):
    pairs = _linked(harness, 10)
    for crm_id in list(pairs)[:3]:
        harness.crm_delete(crm_id)
    settings = {"on_delete": "propagate", "brake_min": 0}

    held = harness.sync(brake=True, settings=settings, direction=Direction.EXPORT)

    assert held.held and held.brake.changes == 3
    assert "would change 3 of 10" in held.message
    assert len(harness.erp_rows()) == 10  # nothing deleted while held
    assert [i.action.value for i in held.plan].count("retire") == 3
    applied = harness.sync(brake=True, approved=True, settings=settings, direction=Direction.EXPORT)
    assert applied.status == "success" and len(harness.erp_rows()) == 7
