"""The Sync page driving the real engine against the sandbox ERP and the demo CRM database."""

from __future__ import annotations

from sqlalchemy import text

from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.pages.logs import LogsPage
from erpsync_gui.ui.pages.sync import SyncPage
from tests.ui._helpers import RUN_TIMEOUT_MS, change_entity, crm_database, settle, store_logging


def _page(qtbot, ctx) -> SyncPage:
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    return page


def _crm_clients(ctx) -> int:
    with crm_database(ctx) as engine, engine.connect() as conn:
        return conn.scalar(text("SELECT COUNT(*) FROM tblclients"))


def test_a_sync_button_fills_the_dashboard_and_the_log(qtbot, ui_ctx):
    with store_logging(ui_ctx) as handler:
        page = _page(qtbot, ui_ctx)
        dashboard, logs = DashboardPage(ui_ctx), LogsPage(ui_ctx)
        qtbot.addWidget(dashboard)
        qtbot.addWidget(logs)
        assert page.rows["clients"].sync.isEnabled()

        with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            page.rows["clients"].sync.click()
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
        assert today["clients"] in ("SUCCESS", "PARTIAL") and today["leads"] == "no runs"
        assert dashboard.recent.item(0, 1).text() == "clients"
        qtbot.waitUntil(lambda: any(e.message.startswith("clients: success")
                                    for e in logs.model.visible()), timeout=RUN_TIMEOUT_MS)


def test_preview_lists_planned_changes_writes_nothing_and_applies(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    erp = ui_ctx.service.sandbox.start()
    crm_before, erp_before = _crm_clients(ui_ctx), erp.count("clients")

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS):
        page.rows["clients"].preview.click()
    qtbot.waitUntil(lambda: page.preview_dialog is not None)
    dialog = page.preview_dialog

    rows = dialog.rows()
    assert any(action == "Create" for action, _record in rows)
    create = next(dialog.tree.topLevelItem(i) for i in range(len(rows)) if rows[i][0] == "Create")
    create.setExpanded(True)
    fields = {create.child(i).text(2): create.child(i).text(4) for i in range(create.childCount())}
    assert fields.get("company")  # field-level before/after: the new record's company
    assert erp.faults.count("POST") == erp.faults.count("PUT") == 0
    assert _crm_clients(ui_ctx) == crm_before and erp.count("clients") == erp_before

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as applied:
        dialog.apply_button.click()
    result = applied.args[2]
    assert not result.dry_run and result.counts["inserted"] > 0
    assert erp.count("clients") > erp_before


def test_a_cancelled_preview_starts_nothing(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS):
        page.rows["leads"].preview.click()
    qtbot.waitUntil(lambda: page.preview_dialog is not None)
    page.preview_dialog.cancel_button.click()
    assert not ui_ctx.runs.running()
    assert page.rows["leads"].sync.isEnabled()


def test_cancel_stops_a_run_between_batches_and_an_entity_runs_once(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", batch_size=5)
    erp = ui_ctx.service.sandbox.start()
    erp.faults.configure(latency_ms=40)
    page = _page(qtbot, ui_ctx)
    row = page.rows["clients"]

    with qtbot.waitSignal(ui_ctx.bridge.run_progressed, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda e: e.processed > 0):
        row.sync.click()
    assert not row.sync.isEnabled() and row.cancel.isEnabled()
    assert ui_ctx.runs.start("demo", "clients") is False  # a second run of the same entity is refused
    assert page.start("clients") is False and row.status.text() == "already running"

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        row.cancel.click()
    erp.faults.clear()
    result = finished.args[2]
    assert result.status == "cancelled"
    assert result.counts["processed"] % 5 == 0  # stopped on a batch boundary
    assert result.counts["processed"] < _crm_clients(ui_ctx) + erp.count("clients")
    qtbot.waitUntil(lambda: row.sync.isEnabled())
    assert "Cancelled" in row.status.text()


def test_export_new_sends_the_records_made_in_the_crm_and_only_those(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    with crm_database(ui_ctx) as engine, engine.connect() as conn:
        local = conn.scalar(text("SELECT COUNT(*) FROM tblclients WHERE external_channel IS NULL"))
    erp = ui_ctx.service.sandbox.start()
    before = erp.count("clients")
    assert local > 0 and page.rows["clients"].export.isEnabled()

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.rows["clients"].export.click()
    _profile, entity, result = finished.args
    assert entity == "clients" and result.direction.value == "export"
    assert result.counts["processed"] == local  # the CRM's own records, none of the others
    assert erp.count("clients") == before + result.counts["inserted"]
    qtbot.waitUntil(lambda: page.rows["clients"].export.isEnabled(), timeout=RUN_TIMEOUT_MS)

    page.rows["clients"].export.click()  # all sent (or linked): nothing is left to export
    qtbot.waitUntil(lambda: "no records made in the CRM" in page.rows["clients"].status.text(),
                    timeout=RUN_TIMEOUT_MS)
    assert erp.count("clients") == before + result.counts["inserted"]
