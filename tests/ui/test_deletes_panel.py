"""Errors -> Deletes waiting for approval: twins of deleted records; Approve deletes the twin, Keep leaves it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from erpsync_gui.records import Direction
from erpsync_gui.ui.pages.errors import ErrorsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, change_entity, crm_database, settle


def test_queued_deletes_are_approved_and_kept_from_the_window(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", on_delete="queue")
    ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        gone = [r[0] for r in conn.execute(text("SELECT userid FROM tblclients WHERE external_id IS NULL "
                                                "ORDER BY userid LIMIT 2"))]
        conn.execute(text(f"DELETE FROM tblclients WHERE userid IN ({', '.join(map(str, gone))})"))
    ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT, full=True)
    erp = ui_ctx.service.sandbox.start()
    before = {str(r["id"]) for r in erp.records("clients")}

    page = ErrorsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    panel = page.deletes
    assert page.deletes_box.title() == "Deletes waiting for approval (2)" and not page.deletes_box.isHidden()
    assert panel.queue.rowCount() == 2 and not panel.approve_button.isEnabled()
    first, second = panel.pending
    assert panel.queue.item(0, 1).text() == f"CRM ({first.deleted_id})"
    assert "company" in panel.queue.item(0, 3).text()

    panel.queue.selectRow(0)
    qtbot.mouseClick(panel.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.queue.rowCount() == 1, timeout=RUN_TIMEOUT_MS)
    panel.queue.selectRow(0)
    qtbot.mouseClick(panel.keep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.queue.rowCount() == 0, timeout=RUN_TIMEOUT_MS)

    after = {str(r["id"]) for r in erp.records("clients")}
    assert before - after == {first.twin_id}
    assert second.twin_id in after
    assert page.deletes_box.isHidden()  # nothing waits: the box is not shown
