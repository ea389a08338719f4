"""The Connections page names what a connection test found beside its verdict: the expected tables a CRM
database misses, by name."""

from __future__ import annotations

from PySide6.QtCore import Qt

from erpsync_gui.records import Side
from erpsync_gui.ui.pages.connections import ConnectionsPage
from tests.ui._helpers import settle


def test_the_missing_tables_are_named(qtbot, ui_ctx):
    import sqlite3

    crm_file = ui_ctx.service.profile("demo").crm.url.removeprefix("sqlite:///")
    with sqlite3.connect(crm_file) as db:  # a CRM without the Warehouse module's stock table
        db.execute("DROP TABLE tblinventory_manage")
    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    crm = blocker.args[1][Side.CRM]
    # the demo syncs stock: a missing table of an entity the profile syncs fails the test, and says which
    assert not crm.ok and "15 of 16 smartcrm tables found" in crm.message
    said = page.results[Side.CRM].cause.text().splitlines()
    assert said[0] == crm.message
    assert "missing table tblinventory_manage (entity stock)" in said[1:]
    assert "stock: table tblinventory_manage is missing: the entity cannot sync" in said[1:]


def _tested(qtbot, page):
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    return blocker.args[1]


def test_a_green_result_goes_stale_at_the_first_edit(qtbot, ui_ctx):
    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    _tested(qtbot, page)
    card = page.results[Side.ERP]
    assert card.overall.level == "ok"
    qtbot.keyClicks(page.forms[Side.ERP].secrets["token"].edit, "x")
    assert card.overall.level == "warn" and "changed since the last test" in card.overall.text()
    assert page.results[Side.CRM].overall.level == "ok"  # the other side's result still holds


def test_edited_settings_are_tested_before_they_are_saved(qtbot, ui_ctx):
    from PySide6.QtCore import Qt

    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    page.forms[Side.ERP].secrets["token"].set_value("a-wrong-token")
    assert page.test_button.text() == "&Test, then save"
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not saved" in page.message.text(), timeout=30_000)
    assert "the ERP test failed" in page.message.text()
    # the working token stays in the keyring; the edit is still there to correct
    assert ui_ctx.secrets.get("demo", Side.ERP, "token") != "a-wrong-token"
    assert page.is_dirty()
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN

    page.forms[Side.ERP].secrets["token"].set_value(DEMO_AUTH_TOKEN)
    page.forms[Side.ERP].timeout.setValue(45)
    with qtbot.waitSignal(page.tested, timeout=60_000) as blocker:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert all(result.ok for result in blocker.args[1].values())
    assert not page.is_dirty() and ui_ctx.service.profile("demo").erp.timeout == 45


def test_the_saved_message_does_not_move_the_forms(qtbot, ui_ctx, styled):
    from PySide6.QtCore import QPoint, Qt

    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.refresh()
    settle(qtbot)
    url = page.forms[Side.ERP].url
    qtbot.waitUntil(lambda: url.isVisible())
    before = url.mapTo(page, QPoint(0, 0))
    page.forms[Side.ERP].timeout.setValue(40)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.message.isVisible() and page.message.text() == "Saved."
    qtbot.wait(50)  # the layout settles
    assert url.mapTo(page, QPoint(0, 0)).y() == before.y()  # not pushed down under the pointer


def test_an_erp_that_ignores_lookup_filters_is_told_on_its_card(qtbot, ui_ctx):
    ui_ctx.service.sandbox.start().api.ignore_filters = True
    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    with qtbot.waitSignal(page.tested, timeout=30_000):
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    card = page.results[Side.ERP]
    assert card.overall.level == "ok"  # it works, only slower
    said = card.cause.text()
    assert "ignores the external_id, customer_number and code filters" in said
    assert "each run first reads the whole client list once" in said and "vendor" in said
    # opened again later, the page shows the stored verdict, which still says it
    again = ConnectionsPage(ui_ctx)
    qtbot.addWidget(again)
    again.refresh()
    settle(qtbot)
    stored = again.results[Side.ERP].cause.text()
    assert "ignores lookup filters, so each run reads its whole client list once" in stored
