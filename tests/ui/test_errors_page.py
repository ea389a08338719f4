"""The Errors page over real failures: a client the ERP refuses (422) shows up grouped - the cause readable at
1366 px, the record named beside its id, no record id in the group's title - is retried after the fix, marked
resolved and reopened with Undo, and exported as CSV; a run that cannot reach the ERP at all is a group of
its own, and so is a run a quota stopped, saying when it resumes. Every action goes through its button."""

from __future__ import annotations

import csv

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import text

from erpsync_gui.records import Direction, Side
from erpsync_gui.store.models import RunRow
from erpsync_gui.store.sync_state import SyncState
from erpsync_gui.ui.pages.errors import ErrorsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, break_erp, click, crm_database, quota_of_erp, settle

#: what is left of a 1366 px wide screen beside the sidebar
PAGE_AT_1366 = (1366 - 216, 700)


def _break_a_client(ctx, country: str = "Romania") -> tuple[str, str]:
    """The newest CRM client gets a country the ERP refuses; returns its id and company."""
    with crm_database(ctx) as engine, engine.begin() as conn:
        newest = text("SELECT userid, company FROM tblclients ORDER BY userid DESC LIMIT 1")
        userid, company = conn.execute(newest).one()
        conn.execute(text("UPDATE tblclients SET country = :c WHERE userid = :i"), {"c": country, "i": userid})
    return str(userid), company


def _page(qtbot, ctx, size=PAGE_AT_1366) -> ErrorsPage:
    page = ErrorsPage(ctx)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    page.refresh()
    settle(qtbot)
    return page


def _failed_export(ctx) -> tuple[str, str]:
    crm_id, company = _break_a_client(ctx)
    result = ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert result.counts["failed"] == 1, result
    return crm_id, company


def _select_group(qtbot, page: ErrorsPage, row: int = 0) -> None:
    rect = page.group_table.visualRect(page.group_table.model().index(row, 0))
    qtbot.mouseClick(page.group_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(qtbot)


def test_an_error_is_readable_named_and_grouped_without_the_records_id(qtbot, styled, ui_ctx):
    crm_id, company = _failed_export(ui_ctx)
    page = _page(qtbot, ui_ctx)

    assert len(page.groups) == 1
    group = page.groups[0]
    assert group.entity == "clients" and group.count == 1 and group.crm_ids == (crm_id,)
    assert page.summary.text() == "1 error in 1 group"
    cell = page.group_table.item(0, 2)
    assert "country" in cell.text() and crm_id not in cell.text().split()
    assert cell.text()[0].isupper() and "#" not in cell.text()  # said of no one record, as a sentence
    # the whole cause is in view at 1366 px: the column is wide enough and the row tall enough for its lines
    table = page.group_table
    width, height = table.columnWidth(2), table.rowHeight(0)
    needed = table.fontMetrics().boundingRect(QRect(0, 0, width - 8, 10_000), int(Qt.TextFlag.TextWordWrap),
                                              cell.text())
    assert width >= table.fontMetrics().averageCharWidth() * 40
    assert needed.height() <= height

    _select_group(qtbot, page)
    assert len(page.entries) == 1 and page.record_table.item(0, 2).text() == crm_id
    assert page.record_table.item(0, 4).text() == company  # the name beside the id
    qtbot.mouseClick(page.record_table.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.record_table.visualRect(page.record_table.model().index(0, 0)).center())
    detail = page.detail.toPlainText()
    assert "two-letter" in detail and '"country": "Romania"' in detail and f"Name: {company}" in detail


def test_a_retry_through_the_button_syncs_exactly_the_fixed_record(qtbot, ui_ctx):
    crm_id, _company = _failed_export(ui_ctx)
    page = _page(qtbot, ui_ctx)
    _select_group(qtbot, page)
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET country = 'RO' WHERE userid = :i"), {"i": int(crm_id)})
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(qtbot, page.retry_button)
    result = finished.args[2]
    assert result.counts["processed"] == 1 and result.counts["inserted"] == 1  # exactly the selected record

    qtbot.waitUntil(lambda: "1 of 1 record synced" in page.status.text(), timeout=RUN_TIMEOUT_MS)
    settle(qtbot)
    assert page.groups == [] and page.group_table.rowCount() == 0
    link = SyncState(ui_ctx.store, ui_ctx.service.profile("demo").id, "clients").links_by_ids(Side.CRM, [crm_id])
    assert link[crm_id].state == "synced"
    assert ui_ctx.service.sandbox.start().get("clients", int(link[crm_id].erp_id))["country"] == "RO"


def test_mark_resolved_closes_the_group_and_undo_reopens_it(qtbot, ui_ctx):
    _failed_export(ui_ctx)
    page = _page(qtbot, ui_ctx)
    _select_group(qtbot, page)

    click(qtbot, page.resolve_button)
    qtbot.waitUntil(lambda: page.status.text() == "1 error marked resolved.")
    settle(qtbot)
    assert page.groups == [] and page.undo_button.isVisible()

    click(qtbot, page.undo_button)
    qtbot.waitUntil(lambda: page.status.text() == "1 error reopened.")
    settle(qtbot)
    assert len(page.groups) == 1 and not page.undo_button.isVisible()
    _select_group(qtbot, page)
    assert page.record_table.item(0, 6).text() == "open"

    click(qtbot, page.resolve_button)
    qtbot.waitUntil(lambda: page.groups == [])
    click(qtbot, page.show_resolved)
    settle(qtbot)
    assert len(page.groups) == 1
    _select_group(qtbot, page)
    assert page.record_table.item(0, 6).text() == "resolved"


def test_a_run_that_cannot_reach_the_erp_is_a_group_of_its_own(qtbot, ui_ctx):
    break_erp(ui_ctx)
    for entity in ("clients", "leads"):
        assert ui_ctx.service.sync(entity, profile_name="demo").status == "failed"
    page = _page(qtbot, ui_ctx)

    assert len(page.groups) == 1
    assert page.group_table.item(0, 1).text() == "run failed"
    assert "connection refused by 127.0.0.1:9" in page.group_table.item(0, 2).text()
    assert page.group_table.item(0, 0).text() in ("Clients, Leads", "Leads, Clients")
    assert page.summary.text() == "2 failed runs"
    _select_group(qtbot, page)
    assert "The whole run stopped" in page.detail.toPlainText()
    assert page.retry_button.text() == "Run &again" and not page.resolve_button.isEnabled()


def test_export_csv_writes_one_row_per_record_or_failed_run(qtbot, ui_ctx, tmp_path, monkeypatch):
    crm_id, company = _failed_export(ui_ctx)
    page = _page(qtbot, ui_ctx)
    target = tmp_path / "errors.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV files (*.csv)"))

    click(qtbot, page.export_button)
    qtbot.waitUntil(lambda: "Exported 1 row" in page.status.text(), timeout=RUN_TIMEOUT_MS)
    with target.open(encoding="utf-8-sig", newline="") as data:
        rows = list(csv.DictReader(data))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Entity"], row["CRM id"], row["Name"], row["Written to"], row["State"]) == (
        "clients", crm_id, company, "ERP", "open")
    assert "two-letter" in row["Error"] and row["Kind"] == "permanent"


def test_a_run_stopped_by_the_quota_is_a_group_that_says_when_it_resumes(qtbot, ui_ctx, monkeypatch):
    quota_of_erp(ui_ctx, monkeypatch)
    result = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.IMPORT, approved=True)
    assert result.status == "partial" and "resumes after" in result.message, result.message
    with ui_ctx.store.session() as s:
        assert s.get(RunRow, result.run_id).error_kind == "quota_exhausted"
    page = _page(qtbot, ui_ctx)

    assert len(page.groups) == 1
    assert page.group_table.item(0, 0).text() == "Clients"
    assert page.group_table.item(0, 1).text() == "quota reached"
    assert "resumes after" in page.group_table.item(0, 2).text()
    assert page.summary.text() == "1 run stopped by a quota"
    _select_group(qtbot, page)
    detail = page.detail.toPlainText()
    assert "carries on from where this one stopped" in detail and "resumes after" in detail
    assert page.retry_button.text() == "Run &again"
