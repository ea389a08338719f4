"""The mass-change brake and the first sync's preview, end to end: sandbox ERP over HTTP, SQL CRM, real engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from erpsync_gui.records import Side
from erpsync_gui.store.models import CursorRow, DailyStatRow, RunRow
from tests.sync_harness import Harness

#: the brake without its floor of 10 records, so that ten clients are enough to show it
TIGHT = {"brake_min": 0}


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _ten_linked(harness: Harness) -> list[str]:
    ids = [harness.crm_create(customer_number=f"C{i:02d}", company=f"Firma {i}", city="Brașov") for i in range(10)]
    assert harness.sync(brake=True, approved=True).counts["inserted"] == 10
    harness.advance(60)
    return ids


def _run_row(harness: Harness, run_id: int) -> RunRow:
    with harness.store.session() as s:
        return s.get(RunRow, run_id)


def test_a_first_sync_is_held_for_review_and_writes_nothing(harness):
    for i in range(3):
        harness.crm_create(customer_number=f"C{i}", company=f"Firma {i}")

    result = harness.sync(brake=True)

    assert result.held and result.status == "held"
    assert "first sync of clients" in result.message and "create 3" in result.message
    assert result.brake.first_sync
    assert [item.action.value for item in result.plan] == ["create"] * 3  # the preview to review
    assert harness.writes() == 0 and harness.erp_rows() == {} and harness.links() == []
    with harness.store.session() as s:
        assert s.scalars(select(CursorRow).where(CursorRow.value.is_not(None))).all() == []
        assert s.scalars(select(DailyStatRow)).all() == []  # a held run is not a run in the statistics
    row = _run_row(harness, result.run_id)
    assert (row.status, row.inserted, row.updated) == ("held", 0, 0)

    # held again until a person approves; then it applies
    assert harness.sync(brake=True).held
    applied = harness.sync(brake=True, approved=True)
    assert applied.status == "success" and applied.counts["inserted"] == 3
    assert len(harness.erp_rows()) == 3


def test_a_run_changing_more_than_the_share_of_linked_records_is_held(harness):
    ids = _ten_linked(harness)
    for crm_id in ids[:3]:  # 3 of 10 linked: more than 20% (2)
        harness.crm_edit(crm_id, city="Cluj")
    writes = harness.writes()

    result = harness.sync(brake=True, settings=TIGHT)

    assert result.held
    assert result.message.startswith("This run would change 3 of 10 clients")
    assert (result.brake.changes, result.brake.linked, result.brake.limit) == (3, 10, 2)
    assert result.counts["updated"] == 3  # what the preview found
    assert harness.writes() == writes
    assert {r["city"] for r in harness.erp_rows().values()} == {"Brașov"}

    applied = harness.sync(brake=True, approved=True, settings=TIGHT)  # Apply anyway
    assert applied.status == "success" and applied.counts["updated"] == 3
    assert sorted(r["city"] for r in harness.erp_rows().values()).count("Cluj") == 3


def test_a_run_within_the_threshold_is_not_held_and_reads_once_more_for_real(harness):
    ids = _ten_linked(harness)
    for crm_id in ids[:2]:  # exactly the limit: not more than it
        harness.crm_edit(crm_id, city="Cluj")

    result = harness.sync(brake=True, settings=TIGHT)

    assert result.status == "success", result.message
    # the preview's counts are not added to the run's: 10 CRM records and the ERP's few re-read ones, not twice that
    assert result.counts["updated"] == 2 and 10 <= result.counts["processed"] < 20
    assert result.brake is not None and not result.brake.held and result.plan == ()
    assert sorted(r["city"] for r in harness.erp_rows().values()).count("Cluj") == 2


def test_a_run_the_brake_lets_go_on_reads_the_systems_changes_only_once(harness, monkeypatch):
    ids = _ten_linked(harness)
    reads: list[Side] = []
    for side, connector in harness.connectors().items():
        def counted(*args, _side=side, _changes=connector.changes, **kwargs):
            reads.append(_side)
            return _changes(*args, **kwargs)
        monkeypatch.setattr(connector, "changes", counted)
    for crm_id in ids[:2]:
        harness.crm_edit(crm_id, city="Iași")
    for erp_id in list(harness.erp_rows())[2:4]:
        harness.erp_edit(erp_id, city="Iași")

    result = harness.sync(brake=True, settings={"brake_min": 0, "brake_percent": 50})

    assert result.status == "success" and result.counts["updated"] == 4, result.message
    assert result.brake is not None and not result.brake.held  # previewed, and let go on
    # the first side's changes read once, by the preview; the second side's again, since the first side's
    # writes may have changed the very records the preview read there
    assert reads == [Side.CRM, Side.ERP, Side.ERP]
    crm = harness.crm_rows()
    assert sorted(row["city"] for row in crm.values()).count("Iași") == 4  # the ERP's edits are not undone


def test_a_previewed_full_run_does_not_take_what_it_just_created_for_deleted(harness):
    _ten_linked(harness)
    new = harness.crm_create(customer_number="C99", company="Neu", city="Sibiu")

    result = harness.sync(brake=True, full=True, settings={"brake_min": 0, "brake_percent": 50,
                                                           "on_delete": "propagate"})

    assert result.status == "success" and result.counts["inserted"] == 1, result.message
    link = next(link for link in harness.links() if link.crm_id == new)
    # the ERP's full read comes after the CRM side created the twin: it is met, not concluded deleted
    assert link.state == "synced" and link.erp_id in harness.erp_rows()
    assert new in harness.crm_rows() and len(harness.erp_rows()) == 11


def test_the_number_limit_applies_when_it_is_smaller_than_the_share(harness):
    ids = _ten_linked(harness)
    for crm_id in ids[:2]:
        harness.crm_edit(crm_id, city="Cluj")

    result = harness.sync(brake=True, settings={**TIGHT, "brake_percent": 100.0, "brake_records": 1})

    assert result.held and result.brake.limit == 1


def test_creates_do_not_count_against_the_brake(harness):
    _ten_linked(harness)
    for i in range(5):
        harness.crm_create(customer_number=f"N{i}", company=f"Neu {i}")

    result = harness.sync(brake=True, settings=TIGHT)

    assert result.status == "success" and result.counts["inserted"] == 5


def test_a_scheduled_run_that_hits_the_brake_never_applies_by_itself(harness):
    ids = _ten_linked(harness)
    for crm_id in ids[:5]:
        harness.crm_edit(crm_id, city="Cluj")
    for _ in range(3):
        harness.advance(3600)
        assert harness.sync(brake=True, trigger="scheduled", settings=TIGHT).held
    assert {r["city"] for r in harness.erp_rows().values()} == {"Brașov"}


def test_a_two_way_run_counts_each_side_s_changes(harness):
    ids = _ten_linked(harness)
    erp_ids = [link.erp_id for link in harness.links()]
    harness.crm_edit(ids[0], city="Cluj")
    harness.crm_edit(ids[1], city="Cluj")
    harness.erp_edit(erp_ids[5], city="Iași")  # 3 changes in all, 2 from each side at most

    result = harness.sync(brake=True, settings=TIGHT)

    assert result.held and result.brake.changes == 3


def test_a_run_within_the_floor_is_never_held(harness):
    ids = _ten_linked(harness)
    for crm_id in ids[:6]:  # 60% of the linked clients, but no more than the floor of 10 records
        harness.crm_edit(crm_id, city="Cluj")

    result = harness.sync(brake=True)

    assert result.status == "success" and result.counts["updated"] == 6
    assert result.brake.limit == 10


def test_a_first_sync_that_writes_nothing_is_not_held(harness):
    harness.crm_create(customer_number="C01", company="Firma")
    harness.erp_create(customer_number="C01", company="Firma")

    result = harness.sync(brake=True)

    assert result.status == "success" and result.counts["linked"] == 1


def test_a_first_sync_review_can_be_turned_off_for_the_entity(harness):
    harness.crm_create(customer_number="C01", company="Firma")

    result = harness.sync(brake=True, settings={"review_first_sync": False})

    assert result.status == "success" and result.counts["inserted"] == 1
