"""Tools > Maintenance: resetting statistics names what it deletes and keeps open errors unless asked to delete
them too; cleaning up logs keeps recent lines. Each confirmation is answered through its buttons."""

from __future__ import annotations

import logging
import time

from erpsync_gui.records import Direction
from erpsync_gui.store import queries
from erpsync_gui.store.log_handler import StoreLogHandler, query_log
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.maintenance_dialog import MaintenanceDialog
from tests.ui._helpers import RUN_TIMEOUT_MS, answering, click, settle
from tests.ui.test_errors_page import _failed_export


def _dialog(qtbot, ctx) -> MaintenanceDialog:
    dialog = MaintenanceDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _profile_id(ctx) -> int:
    return ctx.service.profile("demo").id


def test_it_is_in_the_tools_menu_not_on_the_dashboard(qtbot, ui_ctx):
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    assert "&Maintenance…" in [a.text() for a in window.menus.tools.actions()]
    dialog = window.show_maintenance()
    assert isinstance(dialog, MaintenanceDialog) and dialog.isVisible()
    dashboard = window.pages[0]
    assert not hasattr(dashboard, "reset_button") and not hasattr(dashboard, "cleanup_button")


def test_reset_names_what_goes_and_keeps_open_errors(qtbot, ui_ctx):
    _failed_export(ui_ctx)
    ui_ctx.service.sync("leads", profile_name="demo", direction=Direction.IMPORT)
    pid = _profile_id(ui_ctx)
    runs_before = len(queries.recent_runs(ui_ctx.store, pid))
    dialog = _dialog(qtbot, ui_ctx)

    with answering("Cancel") as asked:
        click(qtbot, dialog.reset_button)
        qtbot.waitUntil(lambda: dialog.status.text() == "Nothing was deleted.", timeout=RUN_TIMEOUT_MS)
    question = asked[0]
    gone = runs_before - 1  # the run the open error belongs to stays
    assert f"Delete {gone} run{'s' * (gone != 1)}, 2 daily figures and " in question
    assert "Kept: 1 open error (and the 1 run they belong to), links between records" in question
    assert len(queries.recent_runs(ui_ctx.store, pid)) == runs_before

    with answering("Delete"):
        click(qtbot, dialog.reset_button)
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Statistics reset"), timeout=RUN_TIMEOUT_MS)
    settle(qtbot)
    assert "1 open error kept" in dialog.status.text()
    assert [g.count for g in queries.grouped_errors(ui_ctx.store, pid)] == [1]
    assert len(queries.recent_runs(ui_ctx.store, pid)) == 1
    assert queries.daily_stats(ui_ctx.store, pid) == []


def test_the_box_includes_the_open_errors(qtbot, ui_ctx):
    _failed_export(ui_ctx)
    pid = _profile_id(ui_ctx)
    dialog = _dialog(qtbot, ui_ctx)
    click(qtbot, dialog.include_open)
    with answering("Delete") as asked:
        click(qtbot, dialog.reset_button)
        qtbot.waitUntil(lambda: dialog.status.text().startswith("Statistics reset"), timeout=RUN_TIMEOUT_MS)
    assert "and the 1 open error" in asked[0] and "open error (and" not in asked[0]
    settle(qtbot)
    assert queries.grouped_errors(ui_ctx.store, pid, include_resolved=True) == []
    assert queries.recent_runs(ui_ctx.store, pid) == []


def test_clean_up_logs_asks_first_and_keeps_recent_lines(qtbot, ui_ctx):
    handler = StoreLogHandler(ui_ctx.store)
    for age_days, words in ((40, "old line"), (0, "new line")):
        record = logging.LogRecord("erpsync.test", logging.INFO, __file__, 1, words, None, None)
        record.created = time.time() - age_days * 86400
        handler.handle(record)
    handler.close()
    dialog = _dialog(qtbot, ui_ctx)
    dialog.days.setValue(30)

    with answering("Cancel") as asked:
        click(qtbot, dialog.cleanup_button)
    assert "older than 30 days" in asked[0]
    assert len(query_log(ui_ctx.store)) == 2

    with answering("Delete"):
        click(qtbot, dialog.cleanup_button)
    qtbot.waitUntil(lambda: dialog.status.text() == "1 log line deleted.")
    assert [e.message for e in query_log(ui_ctx.store)] == ["new line"]
