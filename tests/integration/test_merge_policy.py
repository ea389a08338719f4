"""The merge policy end to end: the sandbox ERP over HTTP, the Perfex-style SQL CRM, the real engine."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from erpsync_gui.store.safety_models import LinkSnapshotRow
from tests.sync_harness import CLIENT_FIELDS, Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _pair(harness: Harness, policy: str = "merge") -> tuple[str, str]:
    """One client in step on both sides (created in the CRM, exported), with its merge base."""
    crm_id = harness.crm_create(customer_number="C01", company="Firma Unu", phonenumber="0211", city="Brașov")
    first = harness.sync(policy=policy)
    assert first.counts["inserted"] == 1, first
    link = harness.links()[0]
    harness.advance(60)  # past the echo time gate
    return crm_id, link.erp_id


def _both_edit(harness: Harness, crm_id: str, erp_id: str, *, crm: dict, erp: dict) -> None:
    harness.crm_edit(crm_id, **crm)
    harness.erp_edit(erp_id, **erp)
    harness.advance(60)


def test_under_crm_wins_a_finance_edit_to_another_field_is_lost(harness):
    crm_id, erp_id = _pair(harness, policy="crm_wins")
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722"}, erp={"city": "Cluj"})
    harness.sync(policy="crm_wins")
    assert harness.erp_rows()[erp_id]["city"] == "Brașov"  # what the merge policy exists for


def test_edits_to_different_fields_on_both_sides_both_survive(harness):
    crm_id, erp_id = _pair(harness)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722"}, erp={"city": "Cluj"})

    result = harness.sync(policy="merge")

    assert result.status == "success", result.message
    assert result.counts["conflicts"] == 0
    crm, erp = harness.crm_rows()[crm_id], harness.erp_rows()[erp_id]
    assert (crm["phonenumber"], crm["city"]) == ("0722", "Cluj")
    assert (erp["phone"], erp["city"]) == ("0722", "Cluj")
    # the pair is in step: the next run writes nothing
    writes = harness.writes()
    harness.advance(60)
    again = harness.sync(policy="merge")
    assert again.counts["updated"] == again.counts["conflicts"] == 0
    assert harness.writes() == writes


def test_a_dry_run_shows_the_merge_field_by_field_and_writes_nothing(harness):
    crm_id, erp_id = _pair(harness)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722"}, erp={"city": "Cluj"})
    writes = harness.writes()

    result = harness.sync(policy="merge", dry_run=True)

    item = next(i for i in result.plan if i.changes)
    assert {(c.field, c.after) for c in item.changes} == {("phone", "0722"), ("city", "Cluj")}
    assert "phonenumber from the CRM" in item.reason and "city from the ERP" in item.reason
    assert harness.writes() == writes
    assert harness.crm_rows()[crm_id]["city"] == "Brașov"


@pytest.mark.parametrize(("rule", "phone"), [("crm_wins", "0722"), ("erp_wins", "0733")])
def test_a_field_both_sides_changed_follows_the_fallback_rule(harness, rule, phone):
    crm_id, erp_id = _pair(harness)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722", "company": "Firma Nouă"},
               erp={"phone": "0733", "city": "Cluj"})

    result = harness.sync(policy="merge", settings={"merge_fallback": rule})

    assert result.counts["conflicts"] == 0, result
    crm, erp = harness.crm_rows()[crm_id], harness.erp_rows()[erp_id]
    assert crm["phonenumber"] == erp["phone"] == phone
    # the fields only one side changed are merged regardless of the rule
    assert crm["company"] == erp["company"] == "Firma Nouă"
    assert crm["city"] == erp["city"] == "Cluj"


def test_ask_queues_the_pair_and_writes_neither_side(harness):
    crm_id, erp_id = _pair(harness)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722"}, erp={"phone": "0733", "city": "Cluj"})
    writes = harness.writes()

    result = harness.sync(policy="merge", settings={"merge_fallback": "ask"})

    assert result.counts["conflicts"] == 1 and result.status == "partial"
    [conflict] = harness.open_conflicts()
    assert "phonenumber" in conflict.reason and "city" not in conflict.reason
    assert harness.writes() == writes
    assert harness.crm_rows()[crm_id]["city"] == "Brașov"
    assert harness.crm_rows()[crm_id]["phonenumber"] == "0722"


def test_newest_wins_waits_when_the_crm_keeps_no_modification_time(harness):
    # the demo CRM's clients table has no modification column: which edit is newer is unknowable
    crm_id, erp_id = _pair(harness)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722"}, erp={"phone": "0733"})

    result = harness.sync(policy="merge", settings={"merge_fallback": "newest_wins"})

    assert result.counts["conflicts"] == 1
    assert harness.erp_rows()[erp_id]["phone"] == "0733"
    assert harness.crm_rows()[crm_id]["phonenumber"] == "0722"


def test_a_row_rule_comes_before_the_entity_fallback(harness):
    crm_id, erp_id = _pair(harness)
    fields = tuple({**row, "merge": "erp_wins"} if row["crm"] == "phonenumber" else row for row in CLIENT_FIELDS)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722", "city": "Iași"},
               erp={"phone": "0733", "city": "Cluj"})

    result = harness.sync(policy="merge", settings={"merge_fallback": "crm_wins", "fields": fields})

    assert result.counts["conflicts"] == 0
    crm, erp = harness.crm_rows()[crm_id], harness.erp_rows()[erp_id]
    assert crm["phonenumber"] == erp["phone"] == "0733"  # the row's own rule
    assert crm["city"] == erp["city"] == "Iași"  # the entity's fallback


def test_a_first_link_has_no_base_so_every_differing_field_follows_the_rule(harness):
    harness.crm_create(customer_number="C01", company="Firma", phonenumber="0722", city="Brașov")
    erp_id = harness.erp_create(customer_number="C01", company="Firma", phone="0733", city="Cluj")

    result = harness.sync(policy="merge", settings={"merge_fallback": "erp_wins"})

    assert result.counts["conflicts"] == 0 and result.counts["inserted"] == 0
    [crm] = harness.crm_rows().values()
    assert (crm["phonenumber"], crm["city"]) == ("0733", "Cluj")
    assert harness.erp_rows()[erp_id]["phone"] == "0733"


def test_the_base_is_taken_again_after_each_sync(harness):
    crm_id, erp_id = _pair(harness)
    _both_edit(harness, crm_id, erp_id, crm={"phonenumber": "0722"}, erp={"city": "Cluj"})
    harness.sync(policy="merge")
    harness.advance(60)
    # next round: the ERP changes the phone the CRM changed last time, the CRM changes the city
    _both_edit(harness, crm_id, erp_id, crm={"city": "Iași"}, erp={"phone": "0744"})

    result = harness.sync(policy="merge", settings={"merge_fallback": "ask"})

    assert result.counts["conflicts"] == 0, result
    crm, erp = harness.crm_rows()[crm_id], harness.erp_rows()[erp_id]
    assert crm["phonenumber"] == erp["phone"] == "0744"
    assert crm["city"] == erp["city"] == "Iași"


def test_the_snapshot_keeps_digests_not_the_values(harness):
    _pair(harness)
    with harness.store.session() as s:
        [snap] = s.scalars(select(LinkSnapshotRow)).all()
    text = json.dumps(snap.digests)
    assert set(snap.digests) == {"crm", "erp"}
    assert set(snap.digests["crm"]) == {"customer_number", "company", "phonenumber", "city"}
    for value in ("Firma Unu", "0211", "Brașov", "C01"):
        assert value not in text
