"""Undo this run from the run history: the dry run shows what would be restored; Undo restores it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from erpsync_gui.records import Direction
from erpsync_gui.ui.pages.dashboard import DashboardPage
from tests.ui._helpers import RUN_TIMEOUT_MS, crm_database, settle


def test_a_run_is_undone_from_the_recent_runs(qtbot, ui_ctx):
    service = ui_ctx.service
    service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        crm_id = conn.execute(text("SELECT userid FROM tblclients WHERE external_id IS NULL ORDER BY userid")).scalar()
        conn.execute(text("UPDATE tblclients SET city = 'Undone Later' WHERE userid = :i"), {"i": crm_id})
    run = service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert run.counts["updated"] == 1
    erp = service.sandbox.start()
    city = lambda: {r["city"] for r in erp.records("clients")}  # noqa: E731
    assert "Undone Later" in city()

    page = DashboardPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    assert not page.undo_button.isEnabled() and page.undo_button.isHidden()
    row = next(i for i, r in enumerate(page.recent_runs) if r.id == run.run_id)
    page.recent.selectRow(row)
    assert page.undo_button.isEnabled() and not page.undo_button.isHidden()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    dialog = page.undo_dialog
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=RUN_TIMEOUT_MS)
    assert "1 to undo" in dialog.summary.text() and "dry run" in dialog.summary.text()
    restore = dialog.tree.topLevelItem(0)
    assert restore.text(0) == "Restore" and restore.child(0).text(2) == "city"
    assert "Undone Later" in city()  # the dry run changed nothing

    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=RUN_TIMEOUT_MS)
    assert dialog.result.status == "success" and dialog.result.done == 1
    assert "Undone Later" not in city()
