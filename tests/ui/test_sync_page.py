"""The Sync page driving the real engine against the sandbox ERP and the demo CRM database: runs and their
progress (never "240 of 40"), a preview that is not a result and whose reviewed plan Apply writes exactly,
Sync all in dependency order, the last results after a restart, Cancel, and results that fit their row.
Every action goes through its button."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import text

from erpsync_gui.records import Direction
from erpsync_gui.ui import theme
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.pages.logs import LogsPage
from erpsync_gui.ui.pages.sync import SyncPage
from tests.ui._helpers import (
    RUN_TIMEOUT_MS,
    SCREENS,
    break_erp,
    change_entity,
    click,
    crm_database,
    settle,
    store_logging,
)


def _page(qtbot, ctx) -> SyncPage:
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.resize(1150, 720)
    page.show()
    page.refresh()
    settle(qtbot)
    return page


def _crm_clients(ctx) -> int:
    with crm_database(ctx) as engine, engine.connect() as conn:
        return conn.scalar(text("SELECT COUNT(*) FROM tblclients"))


def _new_crm_client(ctx, company: str, number: str) -> str:
    with crm_database(ctx) as engine, engine.begin() as conn:
        conn.execute(text("INSERT INTO tblclients (company, customer_number, datecreated, active) "
                          "VALUES (:c, :n, CURRENT_TIMESTAMP, 1)"), {"c": company, "n": number})
        return str(conn.scalar(text("SELECT MAX(userid) FROM tblclients")))


def _preview(qtbot, page, entity: str):
    with qtbot.waitSignal(page.ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS):
        click(qtbot, page.rows[entity].preview)
    qtbot.waitUntil(lambda: page.preview_dialog is not None)
    return page.preview_dialog


def test_a_sync_button_fills_the_dashboard_and_the_log(qtbot, ui_ctx):
    with store_logging(ui_ctx) as handler:
        page = _page(qtbot, ui_ctx)
        dashboard, logs = DashboardPage(ui_ctx), LogsPage(ui_ctx)
        qtbot.addWidget(dashboard)
        qtbot.addWidget(logs)
        assert page.rows["clients"].sync.isEnabled()

        with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            click(qtbot, page.rows["clients"].sync)
        _profile, entity, result = finished.args
        handler.flush()

        assert entity == "clients" and result.status in ("success", "partial") and result.counts["inserted"] > 0
        qtbot.waitUntil(lambda: page.rows["clients"].sync.isEnabled(), timeout=RUN_TIMEOUT_MS)
        assert "created" in page.rows["clients"].status.text()
        dashboard.refresh()
        logs.refresh()
        settle(qtbot)
        qtbot.waitUntil(lambda: dashboard.recent.rowCount() >= 1, timeout=RUN_TIMEOUT_MS)
        today = {dashboard.today.item(r, 0).text(): dashboard.today.item(r, 1).text()
                 for r in range(dashboard.today.rowCount())}
        assert today["Clients"] in ("SUCCESS", "PARTIAL") and today["Leads"] == "no runs"
        assert dashboard.recent.item(0, 1).text() == "Clients"
        qtbot.waitUntil(lambda: any(e.message.startswith("clients: success")
                                    for e in logs.model.visible()), timeout=RUN_TIMEOUT_MS)


def test_progress_counts_both_sides_and_never_passes_its_total(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", batch_size=20)
    page = _page(qtbot, ui_ctx)
    row = page.rows["clients"]
    seen: list[tuple[int, int, str, int | None]] = []
    ui_ctx.bridge.run_progressed.connect(
        lambda e: seen.append((row.bar.maximum(), row.bar.value(), row.status.text(), e.total)))
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(qtbot, row.sync)
    processed = finished.args[2].counts["processed"]
    applying = [s for s in seen if s[3] is not None]
    waiting = [s for s in seen[1:] if s[3] is None]
    # the CRM side is read first, before the ERP has said how many it has: a moving bar and plain counts
    assert waiting and all(maximum == 0 and " read · " in words for maximum, _v, words, _t in waiting)
    assert applying and {total for *_rest, total in applying} == {processed}
    assert all(f" of {processed:,} · " in words for _m, _v, words, _t in applying)
    assert all(value <= maximum for maximum, value, _w, _t in applying)


def test_preview_names_records_filters_searches_exports_and_writes_nothing(qtbot, ui_ctx, tmp_path, monkeypatch):
    page = _page(qtbot, ui_ctx)
    erp = ui_ctx.service.sandbox.start()
    crm_before, erp_before = _crm_clients(ui_ctx), erp.count("clients")

    dialog = _preview(qtbot, page, "clients")
    status = page.rows["clients"].status
    assert status.text().startswith("Preview: would create ") and "nothing written" in status.text()
    assert status.colour() == theme.state_colour("preview") != theme.state_colour("success")
    assert erp.faults.count("POST") == erp.faults.count("PUT") == 0
    assert _crm_clients(ui_ctx) == crm_before and erp.count("clients") == erp_before

    rows = dialog.rows()
    creates = [record for action, record in rows if action == "Create" and " · CRM " in record]
    assert creates and all(record.endswith("→ ERP new") for record in creates)  # "Firma SRL · CRM 26 → ERP new"
    creates = [record for record in creates if record.isascii() or record.split(" · ")[0].isascii()]
    name = creates[0].split(" · ")[0]  # one a keyboard types (the test's key clicks are ASCII)
    create = next(dialog.tree.topLevelItem(i) for i in range(len(rows)) if rows[i] == ("Create", creates[0]))
    create.setExpanded(True)
    fields = {create.child(i).text(2): create.child(i).text(4) for i in range(create.childCount())}
    assert fields.get("company") == name  # the name is the record's company, field-level before/after

    dialog.action_filter.setCurrentIndex(dialog.action_filter.findText("Create", Qt.MatchFlag.MatchStartsWith))
    assert {item.action.value for item, _n in dialog.visible_rows()} == {"create"}
    qtbot.keyClicks(dialog.search, name)
    qtbot.waitUntil(lambda: len(dialog.visible_rows()) == 1)
    assert dialog.shown.text() == f"1 of {len(rows):,} rows"

    target = tmp_path / "plan.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV files (*.csv)"))
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: "Exported" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)
    with target.open(encoding="utf-8-sig", newline="") as data:
        lines = list(csv.DictReader(data))
    assert lines and {line["Name"] for line in lines} == {name} and {line["Action"] for line in lines} == {"Create"}
    assert any(line["Field"] == "company" and line["After"] == name for line in lines)


def test_apply_writes_exactly_the_reviewed_plan(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    erp = ui_ctx.service.sandbox.start()
    erp_before = erp.count("clients")
    dialog = _preview(qtbot, page, "clients")
    planned = dialog.result.counts["inserted"]
    to_erp = sum(1 for item in dialog.result.plan if item.action.value == "create" and item.write_side.value == "erp")
    assert planned > to_erp > 0
    late = _new_crm_client(ui_ctx, "Arrived Later SRL", "C99999")  # after the review: not in the plan

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as applied:
        click(qtbot, dialog.apply_button)
    result = applied.args[2]
    assert not result.dry_run and result.counts["inserted"] == planned and result.not_applied == ()
    assert erp.count("clients") == erp_before + to_erp
    assert all(r.get("company") != "Arrived Later SRL" for r in erp.records("clients"))
    assert page.stale_dialog is None
    assert late  # the next sync takes it


def test_records_changed_since_the_preview_are_listed_and_previewed_again(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    dialog = _preview(qtbot, page, "clients")
    create = next(item for item in dialog.result.plan if item.action.value == "create"
                  and item.source_side.value == "crm")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET company = 'Renamed SRL' WHERE userid = :i"),
                     {"i": int(create.source.id)})

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS):
        click(qtbot, dialog.apply_button)
    qtbot.waitUntil(lambda: page.stale_dialog is not None)
    stale = page.stale_dialog
    assert [row[2] for row in stale.rows()] == ["the CRM record changed since the preview"]
    assert f"CRM {create.source.id} → ERP new" in stale.rows()[0][1]
    assert "changed since the preview" in page.rows["clients"].status.text()

    page.preview_dialog = None
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as again:
        click(qtbot, stale.preview_button)
    assert again.args[2].dry_run and again.args[2].counts["processed"] == 1
    qtbot.waitUntil(lambda: page.preview_dialog is not None)
    assert [record for _action, record in page.preview_dialog.rows()] == [
        f"Renamed SRL · CRM {create.source.id} → ERP new"]


def test_a_cancelled_preview_starts_nothing(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    dialog = _preview(qtbot, page, "leads")
    click(qtbot, dialog.cancel_button)
    assert not ui_ctx.runs.running()
    assert page.rows["leads"].sync.isEnabled()


def test_sync_all_runs_every_entity_in_dependency_order(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    started: list[str] = []
    ui_ctx.bridge.run_started.connect(lambda _p, entity, _t: started.append(entity))
    with qtbot.waitSignal(ui_ctx.sync_all.finished, timeout=RUN_TIMEOUT_MS * 3) as done:
        click(qtbot, page.sync_all_button)
        assert not page.sync_all_button.isEnabled() and page.cancel_all_button.isEnabled()
    enabled = [cfg.entity for cfg in ui_ctx.service.profile("demo").entities if cfg.enabled]
    assert sorted(started) == sorted(enabled)
    for before, after in (("clients", "contacts"), ("clients", "projects"), ("product_groups", "products"),
                          ("products", "invoices"), ("clients", "invoices")):
        assert started.index(before) < started.index(after)
    assert set(done.args[1].values()) <= {"success", "partial"}
    assert page.notice.text().startswith("Sync all done") and page.sync_all_button.isEnabled()


def test_a_failed_dependency_skips_what_depends_on_it(qtbot, ui_ctx):
    break_erp(ui_ctx)
    page = _page(qtbot, ui_ctx)
    with qtbot.waitSignal(ui_ctx.sync_all.finished, timeout=RUN_TIMEOUT_MS * 3) as done:
        click(qtbot, page.sync_all_button)
    outcomes = done.args[1]
    assert outcomes["clients"] == "failed" and outcomes["contacts"] == "skipped: Clients failed"
    assert outcomes["invoices"].startswith("skipped: ")
    text_ = page.rows["clients"].status.text()
    assert text_.startswith("Failed: connection refused by 127.0.0.1:9") and "0 failed" not in text_


def test_after_a_restart_each_row_shows_its_last_result(qtbot, ui_ctx):
    ui_ctx.service.sync("leads", profile_name="demo")
    ui_ctx.service.sync("projects", profile_name="demo", dry_run=True)  # a preview is not a result
    page = _page(qtbot, ui_ctx)
    leads = page.rows["leads"].status
    assert leads.text().startswith("Last run ") and ": success, " in leads.text() and "created" in leads.text()
    assert leads.colour() == theme.state_colour("success")
    assert page.rows["projects"].status.text() == ""


def test_cancel_stops_between_batches_and_the_result_fits_its_row(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", batch_size=5)
    erp = ui_ctx.service.sandbox.start()
    erp.faults.configure(latency_ms=40)
    page = _page(qtbot, ui_ctx)
    row = page.rows["clients"]

    with qtbot.waitSignal(ui_ctx.bridge.run_progressed, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda e: e.processed > 0):
        click(qtbot, row.sync)
    assert not row.sync.isEnabled() and row.cancel.isEnabled()
    assert ui_ctx.runs.start("demo", "clients") is False  # a second run of the same entity is refused
    assert page.start("clients") is False and row.status.text() == "already running"

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(qtbot, row.cancel)
    erp.faults.clear()
    result = finished.args[2]
    assert result.status == "cancelled"
    assert result.counts["processed"] % 5 == 0  # stopped on a batch boundary
    assert result.counts["processed"] < _crm_clients(ui_ctx) + erp.count("clients")
    qtbot.waitUntil(lambda: row.sync.isEnabled())
    assert row.status.text().startswith("Cancelled")
    # the text is drawn in at most two lines inside the label, whatever its length; the rest is in the tooltip
    lines = row.status.lines()
    assert 1 <= len(lines) <= 2
    assert row.status.fontMetrics().lineSpacing() * len(lines) <= row.status.height()
    assert row.status.toolTip() == row.status.text()
    assert row.status.geometry().bottom() <= row.cancel.geometry().bottom() + row.cancel.height()


def test_a_run_that_ends_well_still_shows_what_stays_open(qtbot, ui_ctx):
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET country = 'Romania' WHERE userid = (SELECT MAX(userid) "
                          "FROM tblclients)"))
    assert ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT).counts["failed"] == 1
    page = _page(qtbot, ui_ctx)
    page.direction.setCurrentIndex(page.direction.findData(Direction.IMPORT))
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        click(qtbot, page.rows["clients"].sync)
    assert finished.args[2].status == "success"  # the import met no trouble; the CRM record still fails
    status = page.rows["clients"].status
    qtbot.waitUntil(lambda: status.text().endswith(" · 1 error open"), timeout=RUN_TIMEOUT_MS)
    assert status.text().startswith("Success: ") and status.colour() == theme.state_colour("partial")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_partial_result_is_read_whole_in_its_row(qtbot, styled, ui_ctx, screen):
    change_entity(ui_ctx, "clients", policy="manual")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'"))
        conn.execute(text("UPDATE tblclients SET country = 'Romania' WHERE userid = (SELECT MAX(userid) "
                          "FROM tblclients)"))
    result = ui_ctx.service.sync("clients", profile_name="demo")
    assert result.status == "partial" and result.counts["failed"] == 1 and result.counts["conflicts"] > 1
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(*SCREENS[screen])
    window.show()
    window.show_page(window.pages.index(next(p for p in window.pages if isinstance(p, SyncPage))))
    settle(qtbot)
    status = window.current_page().rows["clients"].status
    qtbot.waitUntil(lambda: "wait for a decision" in status.text(), timeout=RUN_TIMEOUT_MS)
    settle(qtbot)
    lines = status.lines()
    assert "".join(lines).replace(" ", "") == status.text().replace(" ", ""), lines  # nothing cut off
    assert not lines[-1].endswith("…")


def test_the_preview_shows_each_reason_whole_beside_the_names(qtbot, styled, ui_ctx):
    ui_ctx.service.sync("clients", profile_name="demo")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET phonenumber = '+40 700 000 001', city = 'Sibiu' "
                          "WHERE customer_number = 'C00007'"))
    page = _page(qtbot, ui_ctx)
    dialog = _preview(qtbot, page, "clients")
    settle(qtbot)
    tree = dialog.tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert any(row.text(0) == "Update" for row in rows)
    metrics = tree.fontMetrics()
    for row in rows:
        assert metrics.horizontalAdvance(row.text(5)) <= tree.columnWidth(5), row.text(5)
    assert tree.columnWidth(1) >= 200  # a name still reads
    dialog.reject()


def test_export_new_sends_the_records_made_in_the_crm_and_only_those(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    with crm_database(ui_ctx) as engine, engine.connect() as conn:
        local = conn.scalar(text("SELECT COUNT(*) FROM tblclients WHERE external_channel IS NULL"))
    erp = ui_ctx.service.sandbox.start()
    before = erp.count("clients")
    page.export_entity.setCurrentIndex(page.export_entity.findData("clients"))
    assert local > 0 and page.export_button.isEnabled()

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.export_button.click()
    _profile, entity, result = finished.args
    assert entity == "clients" and result.direction.value == "export"
    assert result.counts["processed"] == local  # the CRM's own records, none of the others
    assert erp.count("clients") == before + result.counts["inserted"]
    qtbot.waitUntil(lambda: page.rows["clients"].sync.isEnabled(), timeout=RUN_TIMEOUT_MS)

    page.export_button.click()  # all sent (or linked): nothing is left to export
    qtbot.waitUntil(lambda: "no records made in the CRM" in page.rows["clients"].status.text(),
                    timeout=RUN_TIMEOUT_MS)
    assert erp.count("clients") == before + result.counts["inserted"]
