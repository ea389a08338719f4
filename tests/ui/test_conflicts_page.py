"""The Conflicts page: a manual-policy conflict, its record named, decided field by field from the page and
written to both systems; the sidebar's count follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton
from sqlalchemy import text

from erpsync_gui.app import conflicts as conflict_service
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import Direction, Side
from erpsync_gui.ui.pages.conflicts import ConflictsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, change_entity, click, crm_database, settle


def test_a_manual_conflict_is_decided_field_by_field(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", policy="manual")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'"))
    result = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert result.counts["conflicts"] > 0
    page = ConflictsPage(ui_ctx)
    qtbot.addWidget(page)
    page.resize(1150, 700)
    page.show()
    page.refresh()
    settle(qtbot)
    panel = page.panel
    counts: list[int] = []
    panel.count_changed.connect(counts.append)

    row = next(r for r, c in enumerate(panel.conflicts) if len(c.differing) >= 2)
    conflict = panel.conflicts[row]
    assert panel.queue.item(row, 3).text() == conflict.crm_values["company"]  # the record's name
    qtbot.mouseClick(panel.queue.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.queue.visualRect(panel.queue.model().index(row, 0)).center())
    assert panel.current is conflict and page.current_entity() == "clients"
    assert set(panel.choice()) == set(conflict.differing)
    first, second, *_ = conflict.differing
    click(qtbot, panel.all_erp)
    click(qtbot, panel.fields.findChild(QRadioButton, f"{second}:crm"))
    assert panel.choice()[first] == "erp" and panel.choice()[second] == "crm"

    click(qtbot, panel.apply_button)
    qtbot.waitUntil(lambda: "resolved" in panel.status.text(), timeout=RUN_TIMEOUT_MS)
    settle(qtbot)

    assert conflict.id not in {c.id for c in panel.conflicts}
    assert counts and counts[-1] == result.counts["conflicts"] - 1
    assert conflict.id not in {c.id for c in conflict_service.list_conflicts(ui_ctx.service, "demo")}
    mapping = EntityMapping.from_config(ui_ctx.service.profile("demo").entity("clients"))
    with ui_ctx.service.connectors(ui_ctx.service.profile("demo")) as sides:
        crm = sides[Side.CRM].get_many("clients", [conflict.crm_id])[conflict.crm_id]
        erp = sides[Side.ERP].get_many("clients", [conflict.erp_id])[conflict.erp_id]
    crm_values, erp_values = mapping.to_common(Side.CRM, crm.data), mapping.to_common(Side.ERP, erp.data)
    assert crm_values == erp_values
    assert crm_values[first] == conflict.erp_values[first] and crm_values[second] == conflict.crm_values[second]
