"""What the state store records is what happened: conflicts that a later write settles, runs stopped
mid-batch, errors whose record synced later, database refusals named as such, configuration problems."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from erpsync_gui.records import Direction
from erpsync_gui.store.models import ConflictRow, OutcomeRow
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _conflict_rows(harness: Harness) -> list[ConflictRow]:
    with harness.store.session() as s:
        return list(s.scalars(select(ConflictRow)))


def test_a_conflict_settled_by_a_later_write_never_blocks_the_entity(harness):
    crm_id = harness.crm_create(customer_number="C1", company="Alfa CRM", city="Iași")
    erp_id = harness.erp_create(customer_number="C1", company="Alfa ERP", city="Cluj")
    first = harness.sync(direction=Direction.BOTH, policy="manual", batch=50)
    assert first.status == "partial" and first.counts["conflicts"] == 1
    harness.advance(60)
    harness.crm_edit(crm_id, city="Iași 2")
    harness.erp_edit(erp_id, city="Cluj 2")
    settled = harness.sync(direction=Direction.IMPORT, policy="erp_wins")
    assert settled.status == "success"
    assert [c.resolved_at is not None for c in _conflict_rows(harness)] == [True]  # the import settled it
    for i in range(3):  # both sides edited again, under manual: a new conflict, never a failed batch
        harness.advance(60)
        harness.crm_edit(crm_id, phonenumber=f"0721 {i}")
        harness.erp_edit(erp_id, phone=f"0722 {i}")
        again = harness.sync(direction=Direction.BOTH, policy="manual")
        assert again.status == "partial" and again.counts["conflicts"] == 1, again.message
    rows = _conflict_rows(harness)
    assert len(rows) == 1 and rows[0].resolved_at is None and rows[0].erp_values["phonenumber"] == "0722 2"
    harness.advance(60)
    waiting = harness.sync(direction=Direction.BOTH, policy="manual")
    assert waiting.status == "partial" and "1 conflict waits" in waiting.message  # not plain success
    harness.advance(60)
    assert harness.sync(direction=Direction.BOTH, policy="crm_wins").status == "success"
    assert harness.erp_rows()[erp_id]["phone"] == "0721 2"  # the new policy decided the waiting conflict
    assert not harness.open_conflicts()


def test_errors_are_resolved_by_the_sync_that_lands_their_record(tmp_path):
    harness = Harness(tmp_path / "h", fields=(
        {"crm": "customer_number", "erp": "customer_number", "type": "text"},
        {"crm": "company", "erp": "company", "type": "text", "required": True},
        {"crm": "country", "erp": "country", "type": "text"}))
    try:
        for i in range(3):
            harness.crm_create(customer_number=f"E{i}", company=f"Firma {i}", country="Romania")
        failed = harness.sync(direction=Direction.EXPORT)
        assert failed.counts["failed"] == 3
        with harness.crm_db.begin() as conn:
            conn.exec_driver_sql("UPDATE tblclients SET country = 'RO'")
        harness.advance(60)
        landed = harness.sync(direction=Direction.EXPORT)
        assert landed.counts["inserted"] == 3 and landed.status == "success"
        with harness.store.session() as s:
            still_open = s.scalar(select(func.count()).select_from(OutcomeRow).where(OutcomeRow.resolution == "open"))
        assert still_open == 0
    finally:
        harness.close()


def test_a_corrected_mapping_rewrites_the_linked_records_it_changes(tmp_path):
    fields = ({"crm": "customer_number", "erp": "customer_number", "type": "text"},
              {"crm": "company", "erp": "company", "type": "text", "required": True},
              {"crm": "default_currency", "erp": "currency_id", "type": "currency"})
    wrong = Harness(tmp_path / "h", fields=fields, currency_mapping={"1": 3, "3": 1})  # RON given as USD
    try:
        for i in range(3):
            wrong.erp_create(customer_number=f"R{i}", company=f"Firma {i}", currency_id=1)
        wrong.sync(direction=Direction.IMPORT)
        assert {r["default_currency"] for r in wrong.crm_rows().values()} == {3}
        entity = wrong.profile.entities[0]
        import dataclasses

        from erpsync_gui.store.config_repo import ConfigRepo

        wrong.profile = ConfigRepo(wrong.store).save_profile(dataclasses.replace(
            wrong.profile, entities=(dataclasses.replace(entity, currency_mapping={"1": 1, "3": 3}),)))
        wrong.advance(60)

        preview = wrong.sync(direction=Direction.IMPORT, policy="erp_wins", full=False)
        assert preview.counts["updated"] == 3, preview.counts  # the new mapping tells them apart
        assert {r["default_currency"] for r in wrong.crm_rows().values()} == {1}
        wrong.advance(60)
        again = wrong.sync(direction=Direction.IMPORT, policy="erp_wins")
        assert again.counts["updated"] == 0 and again.counts["processed"] <= 1  # back to reading by cursor
    finally:
        wrong.close()
