"""The Logs page: 100,000 lines from the store's log handler, filters, follow-tail, copy, export through its
button, redaction; retry warnings of the HTTP layer carry their run's entity and number; connection edits and
connection tests are logged."""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.log_handler import StoreLogHandler, query_log
from erpsync_gui.ui.pages.logs import LogsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, settle, store_logging

LINES = 100_000


def _fill(ctx, lines: int = LINES, secret: str | None = None) -> None:
    """Lines through the real handler: every 10th a WARNING, every 100th an ERROR, two entities."""
    handler = StoreLogHandler(ctx.store, secrets=[secret] if secret else (), flush_every=10_000,
                              level=logging.DEBUG)
    logger = logging.getLogger("erpsync.test-fill")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        for n in range(lines):
            level = logging.ERROR if n % 100 == 0 else logging.WARNING if n % 10 == 0 else logging.INFO
            entity = "clients" if n % 2 else "leads"
            logger.log(level, "line %d of the sync needle-%d", n, n % 1000, extra={"entity": entity, "run_id": 7})
        if secret:
            logger.error("auth failed with token %s", secret, extra={"entity": "clients"})
    finally:
        logger.removeHandler(handler)
        handler.close()


def _page(qtbot, ctx) -> LogsPage:
    page = LogsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    page.refresh()
    return page


def test_copes_with_100k_lines_and_filters_by_level_and_text(qtbot, ui_ctx):
    _fill(ui_ctx)
    page = _page(qtbot, ui_ctx)
    page.level.setCurrentText("DEBUG")

    qtbot.waitUntil(lambda: page.model.total == LINES, timeout=RUN_TIMEOUT_MS)
    assert page.model.rowCount() == LINES

    page.level.setCurrentText("WARNING")
    assert page.model.rowCount() == LINES // 10  # warnings and errors
    page.level.setCurrentText("ERROR")
    assert page.model.rowCount() == LINES // 100

    page.level.setCurrentText("INFO")
    page.search.setText("NEEDLE-42")  # case-insensitive; matches needle-42, -420..-429
    qtbot.waitUntil(lambda: page.model.rowCount() == 11 * LINES // 1000)
    assert all("needle-42" in e.message for e in page.model.visible())

    page.search.clear()
    page.entity.setCurrentText("Leads")  # entities by their labels, as every other page names them
    qtbot.waitUntil(lambda: page.model.rowCount() == LINES // 2)
    assert {e.entity for e in page.model.visible()} == {"leads"}
    assert page.model.index(0, 2).data() == "Leads" and page.current_entity() == "leads"
    page.run.setText("8")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    page.run.setText("7")
    qtbot.waitUntil(lambda: page.model.rowCount() == LINES // 2)
    settle(qtbot)


def test_follows_the_tail_and_copies_and_exports(qtbot, ui_ctx, tmp_path, monkeypatch):
    _fill(ui_ctx, 300)
    page = _page(qtbot, ui_ctx)
    page.timer.setInterval(50)
    qtbot.waitUntil(lambda: page.model.total == 300, timeout=RUN_TIMEOUT_MS)

    _fill(ui_ctx, 200)  # the log grows while the page is open
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=RUN_TIMEOUT_MS)
    bar = page.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() == bar.maximum() and bar.maximum() > 0)

    page.view.selectRow(0)
    page.copy_selected()
    assert "line 0 of the sync" in QGuiApplication.clipboard().text()

    target = tmp_path / "log.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Text files"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)  # as a person exports: the button asks where
    qtbot.waitUntil(lambda: page.status.text().startswith("Exported"), timeout=RUN_TIMEOUT_MS)
    assert len(target.read_text(encoding="utf-8").splitlines()) == page.model.rowCount() == 500
    assert page.status.text() == f"Exported 500 lines to {target}"


def test_an_export_that_cannot_write_says_so_on_the_page(qtbot, ui_ctx, tmp_path, monkeypatch):
    _fill(ui_ctx, 5)
    page = _page(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: page.model.total == 5, timeout=RUN_TIMEOUT_MS)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path), "Text files"))  # a folder
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status.text().startswith("Export failed"), timeout=RUN_TIMEOUT_MS)
    assert page.export_button.isEnabled()


def test_retry_warnings_carry_their_runs_entity_and_number(qtbot, ui_ctx):
    profile = ui_ctx.service.profile("demo")
    erp = dataclasses.replace(profile.erp, options={**profile.erp.options, "backoff_s": 0.001})
    ConfigRepo(ui_ctx.store).save_profile(dataclasses.replace(profile, erp=erp))
    sandbox = ui_ctx.service.sandbox.start()
    sandbox.faults.configure(rate_limit_every=4, retry_after=0.01)
    with store_logging(ui_ctx) as handler:
        result = ui_ctx.service.sync("leads", profile_name="demo", direction=Direction.IMPORT)
        handler.flush()
    sandbox.faults.clear()
    retries = [e for e in query_log(ui_ctx.store, limit=10_000) if e.message.startswith("retrying ")]
    assert retries and {(e.entity, e.run_id) for e in retries} == {("leads", result.run_id)}

    page = _page(qtbot, ui_ctx)
    page.level.setCurrentText("WARNING")
    qtbot.waitUntil(lambda: page.entity.findData("leads") >= 0, timeout=RUN_TIMEOUT_MS)
    page.entity.setCurrentIndex(page.entity.findData("leads"))
    qtbot.keyClicks(page.run, str(result.run_id))
    qtbot.waitUntil(lambda: any(e.message.startswith("retrying ") for e in page.model.visible()),
                    timeout=RUN_TIMEOUT_MS)


def test_connection_edits_and_tests_are_logged_without_secrets(qtbot, ui_ctx):
    from erpsync_gui.ui.pages.connections import ConnectionsPage

    with store_logging(ui_ctx) as handler:
        page = ConnectionsPage(ui_ctx)
        qtbot.addWidget(page)
        page.show()
        page.refresh()
        settle(qtbot)
        form = page.forms[Side.ERP]
        form.batch_size.setValue(40)
        form.secrets["token"].set_value(DEMO_AUTH_TOKEN)  # typed again: the sandbox still takes it
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(page.tested, timeout=30_000):
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        handler.flush()
    lines = [e.message for e in query_log(ui_ctx.store, limit=1000)]
    saved = next(line for line in lines if line.startswith("Connection settings of demo saved"))
    assert "ERP batch_size 50 → 40" in saved and "ERP token replaced" in saved
    assert any(line.startswith("Connection test of the ERP endpoint of demo: connected") for line in lines)
    assert any(line.startswith("Connection test of the CRM endpoint of demo: connected") for line in lines)
    assert not any(DEMO_AUTH_TOKEN in line for line in lines)


def test_secrets_never_appear(qtbot, ui_ctx):
    secret = "s3cr3t-token-value-xyz"
    _fill(ui_ctx, 10, secret=secret)
    page = _page(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: page.model.total == 11, timeout=RUN_TIMEOUT_MS)
    assert any("auth failed" in e.message for e in page.model.visible())
    assert not any(secret in e.message for e in page.model.visible())
    settle(qtbot)
