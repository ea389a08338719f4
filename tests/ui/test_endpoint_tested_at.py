"""The time of each side's last connection test in the window: stored by the Connections page's test and by
the wizard's Save (the wizard's own test), shown on the Connections page's status line and in the status bar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from erpsync_gui.records import Side
from erpsync_gui.ui.pages.connections import ConnectionsPage
from erpsync_gui.ui.when import when_text
from erpsync_gui.ui.wizard.wizard import SetupWizard
from tests.ui._helpers import settle
from tests.ui.test_setup_wizard import _next, fill_connections, fill_systems

LEFT = Qt.MouseButton.LeftButton


def _at(hour: int, minute: int) -> datetime:
    """Today at hour:minute local time, in UTC (as the store keeps it)."""
    return datetime.now().astimezone().replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def test_the_connections_page_test_stores_and_shows_its_time(qtbot, ui_ctx):
    moment = _at(14, 2)
    ui_ctx.service.clock = lambda: moment
    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    assert page.results[Side.ERP].overall.text() == "ERP: not tested yet"
    with qtbot.waitSignal(page.tested, timeout=30_000):
        qtbot.mouseClick(page.test_button, LEFT)
    status = ui_ctx.service.config.endpoint_status(ui_ctx.service.profile("demo").id)
    assert status[Side.ERP].tested_at == status[Side.CRM].tested_at == moment
    shown = page.results[Side.ERP].overall.text()
    assert shown.startswith("ERP: connected") and shown.endswith("· tested today 14:02")

    again = ConnectionsPage(ui_ctx)  # a later visit shows the stored verdict with the time of its test
    qtbot.addWidget(again)
    again.refresh()
    settle(qtbot)
    assert again.results[Side.CRM].overall.text() == "CRM: connected · tested today 14:02"
    assert again.results[Side.CRM].overall.level == "ok"


def test_a_run_s_status_keeps_the_time_of_the_last_test(qtbot, ui_ctx):
    yesterday = _at(9, 15) - timedelta(days=1)
    profile = ui_ctx.service.profile("demo")
    ui_ctx.service.config.set_endpoint_status(profile.id, Side.ERP, "active", None, tested_at=yesterday)
    ui_ctx.service.config.set_endpoint_status(profile.id, Side.ERP, "error", "the last run: timed out")
    page = ConnectionsPage(ui_ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    card = page.results[Side.ERP]
    assert card.overall.text() == "ERP: error · tested yesterday 09:15" and card.overall.level == "error"
    assert card.cause.text() == "the last run: timed out"


def test_the_status_bar_says_when_each_side_was_tested(qtbot, ui_ctx):
    from erpsync_gui.ui.main_window import MainWindow

    moment = _at(8, 5)
    ui_ctx.service.clock = lambda: moment
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    assert window.health[Side.ERP].text() == "ERP: not tested"
    page = next(p for p in window.pages if isinstance(p, ConnectionsPage))
    window.show_page(window.pages.index(page))
    settle(qtbot)  # the page reads the profile off the GUI thread
    with qtbot.waitSignal(page.tested, timeout=30_000):
        qtbot.mouseClick(page.test_button, LEFT)
    assert window.health[Side.ERP].text().startswith("ERP: connected")
    assert window.health[Side.ERP].toolTip().startswith("Tested today 08:05")
    window.shutdown()


def test_the_wizard_s_save_stores_its_connection_tests_with_their_time(qtbot, first_start):
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    before = datetime.now(UTC)
    fill_systems(qtbot, wizard, "Office")
    fill_connections(qtbot, wizard, first_start)
    after = datetime.now(UTC)
    qtbot.waitUntil(lambda: bool(wizard.entities.names), timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)

    service = first_start.ctx.service
    status = service.config.endpoint_status(service.profile("Office").id)
    for side in Side:
        assert status[side].status == "active" and before <= status[side].tested_at <= after
    assert "perfex tables found" in status[Side.CRM].message
    first_start.ctx.profile.select("Office")
    page = ConnectionsPage(first_start.ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    assert page.results[Side.ERP].overall.text() == \
        f"ERP: connected · tested {when_text(status[Side.ERP].tested_at)}"
