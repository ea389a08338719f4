"""Changes that must never be lost: edits during a paged read, empty values, bad reply ids, deletes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from erpsync_gui.records import Direction
from tests.sync_harness import CLIENT_FIELDS, Harness


@pytest.fixture
def make_harness(tmp_path) -> Iterator:
    made: list[Harness] = []

    def make(**kw) -> Harness:
        harness = Harness(tmp_path / f"h{len(made)}", **kw)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


@pytest.mark.parametrize("paging", ["page", "offset", "cursor"])
def test_an_edit_during_a_paged_import_does_not_make_a_later_record_skipped(make_harness, paging):
    harness = make_harness(erp_options={"paging": paging})
    ids = [harness.erp_create(customer_number=f"C{i:02d}", company=f"Firma {i}", city="Brașov")
           for i in range(10)]
    assert harness.sync(direction=Direction.IMPORT, batch=3).status == "success"
    for i, record_id in enumerate(ids):
        harness.erp_edit(record_id, city=f"Cluj {i}")
    edited_during: list[str] = []

    def edit_an_earlier_record(event) -> None:
        # after the first page: the first record of that page is edited again, so it moves to the end
        if event.phase == "applying" and not edited_during:
            harness.erp_edit(ids[0], city="Cluj again")
            edited_during.append(ids[0])

    harness.advance(60)
    harness.sync(direction=Direction.IMPORT, batch=3, progress=edit_an_earlier_record)
    harness.advance(60)
    harness.sync(direction=Direction.IMPORT, batch=3)  # an incremental run from the stored cursor

    crm = {row["customer_number"]: row["city"] for row in harness.crm_rows().values()}
    erp = {row["customer_number"]: row["city"] for row in harness.erp_rows().values()}
    assert edited_during and crm == erp


def test_a_create_reply_with_an_id_that_is_no_id_never_becomes_a_link(make_harness):
    harness = make_harness()
    for i in range(4):  # fewer than the five failures in a row that stop a run
        harness.crm_create(customer_number=f"K{i}", company=f"Firma {i}")
    harness.sandbox.faults.configure(bad_reply_id=1.0)

    first = harness.sync(direction=Direction.EXPORT)

    assert first.counts["failed"] == 4 and first.counts["inserted"] == 0
    erp_ids = {str(r["id"]) for r in harness.erp_rows().values()}
    assert len(erp_ids) == 4  # the ERP took them all
    assert all(link.erp_id is None or link.erp_id in erp_ids for link in harness.links())
    harness.sandbox.faults.clear()
    harness.advance(60)

    second = harness.sync(direction=Direction.EXPORT)

    assert second.counts["failed"] == 0, second.message
    assert len(harness.erp_rows()) == 4  # found again by our origin marker, not created twice
    assert sorted(link.erp_id for link in harness.links()) == sorted(erp_ids)
    assert all(link.state == "synced" for link in harness.links())


WITH_CURRENCY = (
    {"crm": "customer_number", "erp": "customer_number", "type": "text"},
    {"crm": "company", "erp": "company", "type": "text", "required": True},
    {"crm": "city", "erp": "city", "type": "text"},
    {"crm": "default_currency", "erp": "currency_id", "type": "currency"},
)


def test_a_crm_client_without_a_currency_takes_the_next_erp_edit(make_harness):
    harness = make_harness(fields=WITH_CURRENCY, currency_mapping={"1": 1})
    # the same client on both sides, neither with a currency (the ERP says null, Perfex 0)
    crm_id = harness.crm_create(customer_number="N1", company="Fără monedă SRL", default_currency=0)
    erp_id = harness.erp_create(customer_number="N1", company="Fără monedă SRL", currency_id=None)
    assert harness.sync(direction=Direction.BOTH).counts["linked"] == 1
    harness.erp_edit(erp_id, city="Sibiu")
    harness.advance(60)

    result = harness.sync(direction=Direction.IMPORT)

    assert result.counts["updated"] == 1 and result.counts["failed"] == 0, result.message
    row = harness.crm_rows()[crm_id]
    assert row["city"] == "Sibiu" and row["default_currency"] == 0


def test_an_erp_client_without_a_customer_number_takes_the_next_crm_edit(make_harness):
    harness = make_harness()
    erp_id = harness.erp_create(company="Fără număr SRL", city="Arad")
    assert harness.sync(direction=Direction.IMPORT).counts["inserted"] == 1
    crm_id = next(iter(harness.crm_rows()))
    harness.crm_edit(crm_id, city="Oradea")
    harness.advance(60)

    result = harness.sync(direction=Direction.EXPORT)

    assert result.counts["updated"] == 1 and result.counts["failed"] == 0, result.message
    assert harness.erp_rows()[erp_id]["city"] == "Oradea"
    assert harness.erp_rows()[erp_id].get("customer_number") is None


def test_a_mapping_row_may_set_the_empty_value_rule_per_side(make_harness):
    fields = [dict(f) for f in CLIENT_FIELDS]
    fields[3] = {**fields[3], "empty": {"erp": "omit", "crm": "null"}}  # city: never clear it in the ERP
    harness = make_harness(fields=fields)
    crm_id = harness.crm_create(customer_number="E1", company="Gol SRL", city="Deva")
    harness.sync(direction=Direction.EXPORT)
    erp_id = next(iter(harness.erp_rows()))
    harness.crm_edit(crm_id, city=None, company="Gol SRL 2")
    harness.advance(60)

    harness.sync(direction=Direction.EXPORT)

    assert harness.erp_rows()[erp_id]["city"] == "Deva"  # omitted: the ERP keeps its value
    assert harness.erp_rows()[erp_id]["company"] == "Gol SRL 2"


def _open_outcomes(harness, action):
    from sqlalchemy import select

    from erpsync_gui.store.models import OutcomeRow

    with harness.store.session() as s:
        return list(s.scalars(select(OutcomeRow).where(OutcomeRow.action == action,
                                                       OutcomeRow.resolution == "open")))


def _linked_pair(harness):
    crm_id = harness.crm_create(customer_number="D1", company="Șters SRL", city="Iași")
    harness.sync(direction=Direction.BOTH)
    erp_id = next(iter(harness.erp_rows()))
    harness.advance(60)
    return crm_id, erp_id


def test_a_record_deleted_in_the_crm_retires_its_link_once_and_leaves_the_erp_twin(make_harness):
    harness = make_harness()
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_delete(crm_id)
    harness.erp_edit(erp_id, city="Iași-Nord")

    first = harness.sync(direction=Direction.BOTH)
    second = harness.sync(direction=Direction.BOTH)

    assert first.counts["failed"] == 0 and second.counts["failed"] == 0
    link = harness.links()[0]
    assert link.state == "deleted" and link.deleted_side == "crm"
    assert harness.erp_rows()[erp_id]["city"] == "Iași-Nord"  # left as it is
    assert harness.crm_rows() == {}  # and not brought back
    deleted = _open_outcomes(harness, "deleted")
    assert len(deleted) == 1 and "deleted in the CRM" in deleted[0].message
    assert f"ERP twin {erp_id}" in deleted[0].message


def test_a_record_deleted_in_the_erp_is_noticed_when_its_crm_twin_changes(make_harness):
    harness = make_harness()
    crm_id, erp_id = _linked_pair(harness)
    harness.erp_delete(erp_id)
    harness.crm_edit(crm_id, city="Vaslui")

    for _ in range(3):
        result = harness.sync(direction=Direction.EXPORT)
        assert result.counts["failed"] == 0

    assert harness.links()[0].state == "deleted" and harness.links()[0].deleted_side == "erp"
    assert len(_open_outcomes(harness, "deleted")) == 1
    assert harness.erp_rows() == {}


def test_a_crm_delete_is_noticed_by_a_full_read_without_any_other_change(make_harness):
    harness = make_harness()
    crm_id, _erp_id = _linked_pair(harness)
    harness.crm_delete(crm_id)

    harness.sync(direction=Direction.EXPORT)  # clients have no updated column: every read is complete

    assert harness.links()[0].state == "deleted"


def test_a_waiting_linked_record_deleted_at_its_source_stops_failing(make_harness):
    harness = make_harness(fields=(*CLIENT_FIELDS, {"crm": "country", "erp": "country", "type": "text"}))
    crm_id, _erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, country="Romania")  # the ERP wants an ISO code: the record waits, failed
    failed = harness.sync(direction=Direction.EXPORT)
    assert failed.counts["failed"] == 1 and harness.links()[0].state == "failed"
    harness.crm_delete(crm_id)

    again = harness.sync(direction=Direction.EXPORT)

    assert again.counts["failed"] == 0
    assert harness.links()[0].state == "deleted"


@pytest.mark.parametrize("deleted", ["crm", "erp"])
def test_a_conflict_over_a_record_deleted_since_closes_and_the_run_succeeds(make_harness, deleted):
    # found by the model-based test: the conflict waited for a record that no longer existed
    harness = make_harness()
    crm_id = harness.crm_create(customer_number="N001", company="Nord Impex", city="Brașov")
    erp_id = harness.erp_create(customer_number="N001", company="Aryan Co", city="Cluj")
    waiting = harness.sync(direction=Direction.IMPORT, policy="manual")
    assert waiting.counts["conflicts"] == 1 and len(harness.open_conflicts()) == 1
    if deleted == "crm":
        harness.crm_delete(crm_id)
    else:
        harness.erp_delete(erp_id)
    harness.advance(60)

    settled = harness.sync(direction=Direction.BOTH, policy="crm_wins", full=True)

    assert settled.status == "success", settled.message
    assert harness.open_conflicts() == []
    assert harness.links()[0].state == "deleted"
    if deleted == "crm":
        assert harness.erp_rows()[erp_id]["company"] == "Aryan Co"  # the survivor is left as it is
    else:
        assert harness.crm_rows()[crm_id]["company"] == "Nord Impex"
