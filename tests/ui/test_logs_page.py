"""The Logs page: 100,000 lines from the store's log handler, filters, follow-tail, copy, export, redaction."""

from __future__ import annotations

import logging

from PySide6.QtGui import QGuiApplication

from erpsync_gui.store.log_handler import StoreLogHandler
from erpsync_gui.ui.pages.logs import LogsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, settle

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
    page.entity.setCurrentText("leads")
    qtbot.waitUntil(lambda: page.model.rowCount() == LINES // 2)
    assert {e.entity for e in page.model.visible()} == {"leads"}
    page.run.setText("8")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    page.run.setText("7")
    qtbot.waitUntil(lambda: page.model.rowCount() == LINES // 2)
    settle(qtbot)


def test_follows_the_tail_and_copies_and_exports(qtbot, ui_ctx, tmp_path):
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
    page.export(str(target))
    qtbot.waitUntil(target.exists)
    settle(qtbot)
    assert len(target.read_text(encoding="utf-8").splitlines()) == page.model.rowCount() == 500


def test_secrets_never_appear(qtbot, ui_ctx):
    secret = "s3cr3t-token-value-xyz"
    _fill(ui_ctx, 10, secret=secret)
    page = _page(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: page.model.total == 11, timeout=RUN_TIMEOUT_MS)
    assert any("auth failed" in e.message for e in page.model.visible())
    assert not any(secret in e.message for e in page.model.visible())
    settle(qtbot)
