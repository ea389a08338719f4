"""Applying a reviewed preview: exactly the plan a dry run showed, through the engine's Applier, against the
real sandbox ERP and a Perfex-style CRM database. Records that changed since the preview (or whose twin appeared
since) are left out and named; nothing the preview did not show is written."""

from __future__ import annotations

import dataclasses

import pytest

from erpsync_gui.engine.apply_plan import apply_plan
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import Action, RunResult
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Direction
from erpsync_gui.store.queries import recent_runs
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path):
    h = Harness(tmp_path / "history")
    yield h
    h.close()


def _engine(h: Harness, direction: Direction = Direction.EXPORT, fields=None) -> SyncEngine:
    entity = dataclasses.replace(h.profile.entities[0], direction=direction, batch_size=50,
                                 **({"fields": fields} if fields is not None else {}))
    profile = dataclasses.replace(h.profile, entities=(entity,))
    return SyncEngine(h.store, profile, h.connectors(), clock=lambda: h.now, time_gate_s=0)


def _preview(h: Harness, direction: Direction = Direction.EXPORT) -> RunResult:
    result = _engine(h, direction).run("clients", direction, dry_run=True)
    assert result.dry_run and result.status != "failed", result.message
    return result


def test_the_reviewed_creates_are_written_and_nothing_else(harness):
    ids = [harness.crm_create(company=f"Firma {n}", customer_number=f"C{n:03d}", city="Iasi") for n in range(3)]
    preview = _preview(harness)
    assert [item.action for item in preview.plan] == [Action.CREATE] * 3
    assert harness.erp_rows() == {} and harness.writes() == 0  # a preview writes nothing
    late = harness.crm_create(company="Late GmbH", customer_number="C999")  # not in the reviewed plan

    result = apply_plan(_engine(harness), preview)

    assert result.status == "success" and result.not_applied == ()
    assert result.counts["inserted"] == 3 and result.counts["processed"] == 3
    written = sorted(row["company"] for row in harness.erp_rows().values())
    assert written == ["Firma 0", "Firma 1", "Firma 2"]  # the late record waits for the next sync
    links = {link.crm_id: link for link in harness.links()}
    assert set(links) == set(ids) and all(link.state == "synced" and link.erp_id for link in links.values())
    assert recent_runs(harness.store, harness.profile.id, limit=1)[0].kind == "reviewed"
    assert late not in links

    follow_up = harness.sync(direction=Direction.EXPORT, time_gate_s=0)
    assert follow_up.counts["inserted"] == 1  # only the late record: the applied ones are linked


def test_a_record_changed_since_the_preview_is_left_out_and_named(harness):
    kept = harness.crm_create(company="Kept SRL", customer_number="C001")
    changed = harness.crm_create(company="Old name SRL", customer_number="C002")
    preview = _preview(harness)
    harness.crm_edit(changed, company="New name SRL")

    result = apply_plan(_engine(harness), preview)

    assert result.status == "partial" and "changed since the preview" in (result.message or "")
    assert [item.source.id for item in result.not_applied] == [changed]
    assert result.not_applied[0].reason == "not applied: the CRM record changed since the preview"
    assert [row["company"] for row in harness.erp_rows().values()] == ["Kept SRL"]
    assert {link.crm_id for link in harness.links() if link.erp_id} == {kept}
    # the preview the admin saw is untouched, for showing it again
    assert {item.source.id for item in preview.plan} == {kept, changed}


def test_a_twin_made_in_the_erp_since_the_preview_is_not_created_twice(harness):
    harness.crm_create(company="Twin AG", customer_number="C010")
    preview = _preview(harness)
    made = harness.erp_create(company="Twin AG", customer_number="C010")

    result = apply_plan(_engine(harness), preview)

    assert len(result.not_applied) == 1 and "a matching ERP record exists now" in result.not_applied[0].reason
    assert list(harness.erp_rows()) == [made]  # no duplicate


def test_a_mapping_changed_since_the_preview_is_not_applied_with_the_old_values(harness):
    harness.crm_create(company="acme", customer_number="C020", city="cluj")
    preview = _preview(harness)
    fields = tuple({**f, "transform": ["strip", "upper"]} if f["crm"] == "city" else f
                   for f in harness.profile.entities[0].fields)

    result = apply_plan(_engine(harness, fields=fields), preview)

    assert len(result.not_applied) == 1
    assert "not the ones the preview showed" in result.not_applied[0].reason
    assert harness.erp_rows() == {}


def test_updates_of_a_two_way_plan_are_applied_once(harness):
    crm_id = harness.crm_create(company="Both SRL", customer_number="C030", city="Arad")
    assert harness.sync(direction=Direction.BOTH, time_gate_s=0).counts["inserted"] == 1
    erp_id = next(link.erp_id for link in harness.links() if link.crm_id == crm_id)
    harness.advance(60)
    harness.crm_edit(crm_id, city="Brasov")
    preview = _preview(harness, Direction.BOTH)
    assert [(item.action, item.source.id) for item in preview.plan] == [(Action.UPDATE, crm_id)]

    result = apply_plan(_engine(harness, Direction.BOTH), preview)

    assert result.status == "success" and result.counts["updated"] == 1
    assert harness.erp_rows()[erp_id]["city"] == "Brasov"


def test_only_a_preview_can_be_applied(harness):
    harness.crm_create(company="Real run", customer_number="C040")
    real = harness.sync(direction=Direction.EXPORT, time_gate_s=0)
    with pytest.raises(ConfigError, match="only the plan of a preview"):
        apply_plan(_engine(harness), real)


def test_a_pair_found_by_its_key_from_both_sides_is_linked_once(harness):
    crm_id = harness.crm_create(company="Same GmbH", customer_number="C050", city="Graz")
    erp_id = harness.erp_create(company="Same GmbH", customer_number="C050", city="Graz")
    preview = _preview(harness, Direction.BOTH)
    assert sorted((item.action, item.source_side.value) for item in preview.plan) == [
        (Action.LINK, "crm"), (Action.LINK, "erp")]

    result = apply_plan(_engine(harness, Direction.BOTH), preview)

    assert result.status == "success" and result.not_applied == ()
    assert [(link.crm_id, link.erp_id, link.state) for link in harness.links()] == [(crm_id, erp_id, "synced")]
    assert harness.writes() == 0
