"""Undo a run, end to end: sandbox ERP over HTTP, SQL CRM, the real engine and its before-images."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from erpsync_gui.engine.undo import apply_undo, plan_undo
from erpsync_gui.records import Direction, Side
from erpsync_gui.store import undo_store
from erpsync_gui.store.models import LinkRow, RunRow
from erpsync_gui.store.safety_models import BeforeImageRow
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _plan(harness: Harness, run_id: int):
    return plan_undo(harness.store, harness.profile, harness.connectors(), run_id)


def _undo(harness: Harness, run_id: int):
    return apply_undo(harness.store, harness.profile, harness.connectors(), _plan(harness, run_id), now=harness.now)


def _linked_pair(harness: Harness) -> tuple[str, str]:
    crm_id = harness.crm_create(customer_number="C01", company="Firma", phonenumber="0211", city="Brașov")
    harness.sync(direction=Direction.EXPORT)
    harness.advance(60)
    return crm_id, harness.links()[0].erp_id


def test_undo_restores_the_fields_a_run_changed_and_the_next_sync_keeps_them(harness):
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, phonenumber="0722", city="Cluj")
    run = harness.sync(direction=Direction.EXPORT)
    assert harness.erp_rows()[erp_id]["phone"] == "0722"
    harness.advance(60)

    result = _undo(harness, run.run_id)

    assert result.status == "success" and result.done == 1
    erp = harness.erp_rows()[erp_id]
    assert (erp["phone"], erp["city"]) == ("0211", "Brașov")
    assert harness.crm_rows()[crm_id]["city"] == "Cluj"  # the other side keeps its own values
    harness.advance(60)
    writes = harness.writes()
    again = harness.sync(direction=Direction.EXPORT)
    assert again.counts["updated"] == 0 and harness.writes() == writes
    assert harness.erp_rows()[erp_id]["city"] == "Brașov"


def test_the_dry_run_lists_the_plan_and_changes_nothing(harness):
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, city="Cluj")
    run = harness.sync(direction=Direction.EXPORT)
    writes = harness.writes()

    plan = _plan(harness, run.run_id)

    [step] = plan.steps
    assert (step.side, step.record_id, step.action) == (Side.ERP, erp_id, "restore")
    assert dict(step.fields) == {"city": "Brașov"} and dict(step.current) == {"city": "Cluj"}
    assert plan.cannot == ()
    assert harness.writes() == writes and harness.erp_rows()[erp_id]["city"] == "Cluj"


def test_a_field_changed_since_is_left_and_listed_and_the_rest_restored(harness):
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, phonenumber="0722", city="Cluj")
    run = harness.sync(direction=Direction.EXPORT)
    harness.erp_edit(erp_id, city="Iași")  # Finance changed it after the run

    plan = _plan(harness, run.run_id)
    _undo(harness, run.run_id)

    [cannot] = plan.cannot
    assert cannot.record_id == erp_id and "city" in cannot.reason and "changed since" in cannot.reason
    erp = harness.erp_rows()[erp_id]
    assert (erp["phone"], erp["city"]) == ("0211", "Iași")


def test_undo_deletes_what_the_run_created_unless_it_changed_since(harness):
    first = harness.crm_create(customer_number="C01", company="Eins")
    second = harness.crm_create(customer_number="C02", company="Zwei")
    run = harness.sync(direction=Direction.EXPORT)
    assert run.counts["inserted"] == 2
    by_crm = {link.crm_id: link.erp_id for link in harness.links()}
    harness.erp_edit(by_crm[second], city="Cluj")
    harness.advance(60)

    plan = _plan(harness, run.run_id)
    result = _undo(harness, run.run_id)

    assert [(s.record_id, s.action) for s in plan.steps] == [(by_crm[first], "delete")]
    assert [c.record_id for c in plan.cannot] == [by_crm[second]]
    assert result.done == 1
    assert set(harness.erp_rows()) == {by_crm[second]}
    # the CRM record stays, and the next sync does not create its twin again
    harness.advance(60)
    again = harness.sync(direction=Direction.EXPORT)
    assert again.counts["inserted"] == 0 and set(harness.erp_rows()) == {by_crm[second]}
    assert first in harness.crm_rows()


def test_an_undo_is_a_run_that_can_be_undone(harness):
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, city="Cluj")
    run = harness.sync(direction=Direction.EXPORT)
    harness.advance(60)
    undone = _undo(harness, run.run_id)
    assert harness.erp_rows()[erp_id]["city"] == "Brașov"
    with harness.store.session() as s:
        row = s.get(RunRow, undone.run_id)
        assert (row.trigger, row.kind, row.status) == ("undo", "undo", "success")
    harness.advance(60)

    redo = _undo(harness, undone.run_id)

    assert redo.done == 1 and harness.erp_rows()[erp_id]["city"] == "Cluj"


def test_undoing_an_undo_creates_again_what_it_deleted_and_links_it_to_its_twin(harness):
    crm_id = harness.crm_create(customer_number="C01", company="Eins", city="Brașov")
    run = harness.sync(direction=Direction.EXPORT)
    [old_erp_id] = harness.erp_rows()
    harness.advance(60)
    undone = _undo(harness, run.run_id)
    assert harness.erp_rows() == {}
    harness.advance(60)

    plan = _plan(harness, undone.run_id)
    [step] = plan.steps
    assert (step.side, step.record_id, step.action, step.twin) == (Side.ERP, old_erp_id, "recreate", crm_id)
    assert step.fields["company"] == "Eins" and step.fields["city"] == "Brașov"
    redo = _undo(harness, undone.run_id)

    assert redo.status == "success" and redo.done == 1
    [(erp_id, erp)] = harness.erp_rows().items()
    assert (erp["company"], erp["city"], erp["customer_number"]) == ("Eins", "Brașov", "C01")
    [link] = harness.links()
    assert (link.crm_id, link.erp_id, link.state) == (crm_id, erp_id, "synced")
    harness.advance(60)
    writes = harness.writes()
    again = harness.sync(direction=Direction.EXPORT)  # the pair is whole: nothing to create or update
    assert again.counts["inserted"] == again.counts["updated"] == 0 and harness.writes() == writes
    harness.advance(60)
    _undo(harness, redo.run_id)  # and the re-creation can be undone in turn
    assert harness.erp_rows() == {}


def test_a_record_created_again_never_takes_over_a_link_that_holds_a_twin_again(harness):
    harness.crm_create(customer_number="C01", company="Eins", city="Brașov")
    run = harness.sync(direction=Direction.EXPORT)
    harness.advance(60)
    undone = _undo(harness, run.run_id)
    plan = _plan(harness, undone.run_id)  # planned while the ERP record is gone
    [step] = plan.steps
    assert step.action == "recreate"
    # meanwhile the pair is made whole another way: a twin made in the ERP by hand, linked again
    [link] = harness.links()
    held = harness.erp_create(customer_number="C01", company="Eins", city="Brașov")
    with harness.store.session() as s, s.begin():
        row = s.get(LinkRow, link.id)
        row.erp_id, row.state, row.deleted_side = held, "synced", None
    # the old values under another customer number, so that the ERP takes the create (it refuses a taken one)
    other = dataclasses.replace(step, fields={**step.fields, "customer_number": "C02"})
    result = apply_undo(harness.store, harness.profile, harness.connectors(),
                        dataclasses.replace(plan, steps=(other,)), now=harness.now)

    assert result.done == 1 and len(harness.erp_rows()) == 2
    assert [link.erp_id for link in harness.links()] == [held]  # the pair keeps its twin


def test_undoing_an_undo_of_an_import_creates_the_crm_record_again(harness):
    erp_id = harness.erp_create(customer_number="C07", company="Sieben", city="Timișoara")
    run = harness.sync(direction=Direction.IMPORT)
    harness.advance(60)
    undone = _undo(harness, run.run_id)
    assert harness.crm_rows() == {}
    harness.advance(60)

    redo = _undo(harness, undone.run_id)

    assert redo.done == 1
    [(crm_id, crm)] = harness.crm_rows().items()
    assert (crm["company"], crm["city"], crm["customer_number"]) == ("Sieben", "Timișoara", "C07")
    assert crm["external_id"] == erp_id  # marked as ours, from its twin
    [link] = harness.links()
    assert (link.crm_id, link.erp_id, link.state) == (crm_id, erp_id, "synced")
    harness.advance(60)
    again = harness.sync(direction=Direction.IMPORT)
    assert again.counts["inserted"] == again.counts["updated"] == 0


def test_a_merge_writes_both_sides_and_undo_restores_both(harness):
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, phonenumber="0722")
    harness.erp_edit(erp_id, city="Cluj")
    harness.advance(60)
    run = harness.sync(policy="merge")
    assert harness.crm_rows()[crm_id]["city"] == "Cluj" and harness.erp_rows()[erp_id]["phone"] == "0722"
    harness.advance(60)

    result = _undo(harness, run.run_id)

    assert result.done == 2
    assert harness.crm_rows()[crm_id]["city"] == "Brașov"
    assert harness.erp_rows()[erp_id]["phone"] == "0211"


def test_before_images_are_kept_for_the_retention_period(harness):
    crm_id, _erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, city="Cluj")
    run = harness.sync(direction=Direction.EXPORT)

    assert undo_store.prune(harness.store, harness.now + timedelta(days=29)) == 0
    assert len(_plan(harness, run.run_id).steps) == 1
    assert undo_store.prune(harness.store, harness.now + timedelta(days=31)) >= 1
    with harness.store.session() as s:
        assert s.scalars(select(BeforeImageRow).where(BeforeImageRow.run_id == run.run_id)).all() == []
    assert _plan(harness, run.run_id).steps == ()


def test_before_images_keep_only_the_written_fields(harness):
    crm_id, erp_id = _linked_pair(harness)
    harness.crm_edit(crm_id, city="Cluj")
    run = harness.sync(direction=Direction.EXPORT)
    with harness.store.session() as s:
        [image] = s.scalars(select(BeforeImageRow).where(BeforeImageRow.run_id == run.run_id)).all()
    assert (image.side, image.record_id, image.action) == ("erp", erp_id, "update")
    assert image.before == {"city": "Brașov"} and image.after == {"city": "Cluj"}
