"""The Connections page names what a connection test found beside its verdict: the expected tables a CRM
database misses, by name (the demo CRM has 10 of Perfex's 13)."""

from __future__ import annotations

from erpsync_gui.records import Side
from erpsync_gui.ui.pages.connections import ConnectionsPage


def test_the_missing_tables_are_named(qtbot, ui_ctx):
    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    crm = blocker.args[1][Side.CRM]
    assert crm.ok and "10 of 13 perfex tables found" in crm.message
    said = page.results[Side.CRM].cause.text().splitlines()
    assert said[0] == crm.message
    assert said[1] == "missing: tblestimates, tblinvoicepaymentrecords, tblwarehouse"
