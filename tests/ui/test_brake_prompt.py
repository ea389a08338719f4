"""The Sync page's brake prompt: a held run opens its preview; Apply anyway runs it, Cancel leaves it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from erpsync_gui.ui.pages.brake_dialog import BrakeDialog
from erpsync_gui.ui.pages.sync import SyncPage
from tests.ui._helpers import RUN_TIMEOUT_MS, change_entity, crm_database, settle


def _page(qtbot, ctx) -> SyncPage:
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    return page


def _sync(qtbot, ctx, page: SyncPage):
    with qtbot.waitSignal(ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        page.rows["clients"].sync.click()
    qtbot.waitUntil(lambda: page.rows["clients"].sync.isEnabled(), timeout=RUN_TIMEOUT_MS)
    return finished.args[2]


def test_a_held_run_shows_the_brake_prompt_and_applies_on_request(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", brake_percent=5.0, brake_min=0)
    page = _page(qtbot, ui_ctx)
    assert _sync(qtbot, ui_ctx, page).status in ("success", "partial")  # the demo's first sync: not held
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Everywhere'"))
    erp = ui_ctx.service.sandbox.start()
    puts = erp.faults.count("PUT")

    held = _sync(qtbot, ui_ctx, page)

    assert held.held
    dialog = page.preview_dialog
    assert isinstance(dialog, BrakeDialog) and dialog.isVisible()
    assert "This run would change" in dialog.findChildren(type(dialog.summary))[0].text()
    assert dialog.apply_button.text() == "Apply anyway" and not dialog.apply_button.isDefault()
    assert page.rows["clients"].status.text().startswith("Held, nothing written")
    assert erp.faults.count("PUT") == puts

    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    applied = finished.args[2]
    assert not applied.held and applied.counts["updated"] > 0
    assert erp.faults.count("PUT") > puts


def test_cancel_leaves_a_held_run_unapplied(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", brake_percent=5.0, brake_min=0)
    page = _page(qtbot, ui_ctx)
    _sync(qtbot, ui_ctx, page)
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Everywhere'"))
    erp = ui_ctx.service.sandbox.start()
    puts = erp.faults.count("PUT")
    assert _sync(qtbot, ui_ctx, page).held

    qtbot.mouseClick(page.preview_dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert not page.preview_dialog.isVisible()
    assert not ui_ctx.runs.is_running("demo", "clients")
    assert erp.faults.count("PUT") == puts
