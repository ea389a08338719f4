"""The Errors page over real failures: a client the ERP refuses (422) shows up grouped, is retried after
the fix, or marked resolved; a manual-policy conflict is decided field by field from the page."""

from __future__ import annotations

from sqlalchemy import text

from erpsync_gui.app import conflicts as conflict_service
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.sync_state import SyncState
from erpsync_gui.ui.pages.errors import ErrorsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, change_entity, crm_database, settle


def _break_a_client(ctx, country: str = "Romania") -> str:
    """The newest CRM client gets a country the ERP refuses; returns its id."""
    with crm_database(ctx) as engine, engine.begin() as conn:
        userid = conn.scalar(text("SELECT MAX(userid) FROM tblclients"))
        conn.execute(text("UPDATE tblclients SET country = :c WHERE userid = :i"), {"c": country, "i": userid})
    return str(userid)


def _page(qtbot, ctx) -> ErrorsPage:
    page = ErrorsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.refresh()
    settle(qtbot)
    return page


def _failed_export(qtbot, ctx) -> str:
    crm_id = _break_a_client(ctx)
    result = ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert result.counts["failed"] == 1, result
    return crm_id


def test_an_error_shows_up_grouped_and_can_be_retried(qtbot, ui_ctx):
    crm_id = _failed_export(qtbot, ui_ctx)
    page = _page(qtbot, ui_ctx)

    assert len(page.groups) == 1
    group = page.groups[0]
    assert group.entity == "clients" and group.count == 1 and group.crm_ids == (crm_id,)
    assert "country" in page.group_table.item(0, 2).text()
    page.group_table.selectRow(0)
    settle(qtbot)
    assert len(page.entries) == 1 and page.record_table.item(0, 2).text() == crm_id
    page.record_table.selectRow(0)
    detail = page.detail.toPlainText()
    assert "two-letter" in detail and '"country": "Romania"' in detail and "Payload sent" in detail

    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET country = 'RO' WHERE userid = :i"), {"i": int(crm_id)})
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.retry_button.click()
    result = finished.args[2]
    assert result.counts["processed"] == 1 and result.counts["inserted"] == 1  # exactly the selected record

    qtbot.waitUntil(lambda: "1 of 1 records synced" in page.status.text(), timeout=RUN_TIMEOUT_MS)
    settle(qtbot)
    assert page.groups == [] and page.group_table.rowCount() == 0
    link = SyncState(ui_ctx.store, ui_ctx.service.profile("demo").id, "clients").links_by_ids(Side.CRM, [crm_id])
    assert link[crm_id].state == "synced"
    assert ui_ctx.service.sandbox.start().get("clients", int(link[crm_id].erp_id))["country"] == "RO"


def test_mark_resolved_closes_the_group(qtbot, ui_ctx):
    _failed_export(qtbot, ui_ctx)
    page = _page(qtbot, ui_ctx)
    page.group_table.selectRow(0)
    settle(qtbot)

    page.resolve_button.click()
    qtbot.waitUntil(lambda: "1 errors marked resolved" in page.status.text())
    settle(qtbot)
    assert page.groups == []

    page.show_resolved.setChecked(True)
    settle(qtbot)
    assert len(page.groups) == 1
    page.group_table.selectRow(0)
    settle(qtbot)
    assert page.record_table.item(0, 5).text() == "resolved"


def test_a_manual_conflict_is_decided_field_by_field(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", policy="manual")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'"))
    result = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert result.counts["conflicts"] > 0
    page = _page(qtbot, ui_ctx)
    panel = page.conflicts
    assert page.tabs.tabText(1) == f"Conflicts ({result.counts['conflicts']})"

    row = next(r for r, c in enumerate(panel.conflicts) if len(c.differing) >= 2)
    conflict = panel.conflicts[row]
    panel.queue.selectRow(row)
    assert set(panel.choice()) == set(conflict.differing)
    first, second, *_ = conflict.differing
    panel.pick_all("erp")
    panel.pick(second, "crm")
    assert panel.fields.item(0, 1).text() != ""  # both sides' values side by side

    panel.apply_button.click()
    qtbot.waitUntil(lambda: "resolved" in panel.status.text(), timeout=RUN_TIMEOUT_MS)
    settle(qtbot)

    assert conflict.id not in {c.id for c in panel.conflicts}
    assert conflict.id not in {c.id for c in conflict_service.list_conflicts(ui_ctx.service, "demo")}
    mapping = EntityMapping.from_config(ui_ctx.service.profile("demo").entity("clients"))
    with ui_ctx.service.connectors(ui_ctx.service.profile("demo")) as sides:
        crm = sides[Side.CRM].get_many("clients", [conflict.crm_id])[conflict.crm_id]
        erp = sides[Side.ERP].get_many("clients", [conflict.erp_id])[conflict.erp_id]
    crm_values, erp_values = mapping.to_common(Side.CRM, crm.data), mapping.to_common(Side.ERP, erp.data)
    assert crm_values == erp_values
    assert crm_values[first] == conflict.erp_values[first] and crm_values[second] == conflict.crm_values[second]
