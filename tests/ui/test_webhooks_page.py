"""The Webhooks page: the receiver's address and state, the last events from the store's event log, and Send a
test event, clicked: a real call to the receiver, shown arriving."""

from __future__ import annotations

import urllib.parse
import urllib.request

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages.webhooks import COLUMNS, WebhooksPage
from erpsync_gui.ui.webhook_hosting import start_webhooks
from tests.ui.webhook_fixtures import NAME

WAIT_MS = 20_000


def _page(office, qtbot, **webhook) -> WebhooksPage:
    office.save(**webhook)
    office.ctx.profile.select(NAME)
    start_webhooks(office.ctx, poll=False)
    page = WebhooksPage(office.ctx)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    return page


def _cells(page: WebhooksPage, row: int) -> list[str]:
    return [page.table.item(row, column).text() for column in range(len(COLUMNS))]


def test_the_page_shows_the_address_with_its_token_hidden_and_copies_it_whole(office, qtbot):
    page = _page(office, qtbot)
    url = office.ctx.webhooks.state.url
    token = url.rsplit("/", 1)[1]

    assert page.state.level == "ok" and page.state.text() == "Listening"
    assert page.address.text() == f"http://127.0.0.1:{office.port}/webhook/crm/••••••••"
    assert token not in page.address.text() and "5 minutes" in page.poll_note.text()
    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url
    qtbot.waitUntil(lambda: page.empty.isVisible() and not page.table.isVisible(), timeout=WAIT_MS)


def test_send_a_test_event_sends_a_real_call_and_shows_it_arriving(office, qtbot):
    page = _page(office, qtbot)

    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=WAIT_MS)
    assert page.test_result.text().startswith("✔ The receiver got the test event (event ")
    time, source, event, _record, status, detail = _cells(page, 0)
    assert (source, event, status) == ("127.0.0.1", "Update", "ignored")
    assert "a test event" in detail and len(time) == 19
    assert office.erp.saves("2BFDA") == []  # a test syncs nothing


def test_a_refused_source_and_a_synced_edit_show_in_the_list(office, qtbot):
    page = _page(office, qtbot)
    code = office.erp.add_contact(Name="مشتری", TowardType=False)
    person = office.crm.add_person(nickName="مشتری", customerNumber=f"100-{code + 1000}")
    assert office.service.sync("clients", profile_name=NAME, approved=True).counts["linked"] == 1

    office.crm.edit(person, nickName="مشتری تازه")
    query = urllib.parse.urlencode({"event": "Update", "id": person, "type": "Identity", "subtype": "مخاطب"})
    with urllib.request.urlopen(f"{office.ctx.webhooks.state.url}?{query}", timeout=10) as reply:
        assert reply.status == 200
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and _cells(page, 0)[4] == "synced", timeout=WAIT_MS)
    _time, _source, event, record, _status, detail = _cells(page, 0)
    assert event == "Update" and record == f"clients {person}" and detail.startswith("run ")


def test_a_receiver_that_cannot_listen_shows_its_error_and_the_button_is_off(office, qtbot):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", office.port))
        taken.listen()
        page = _page(office, qtbot)
    assert page.state.level == "error" and str(office.port) in page.state.text()
    assert not page.test_button.isEnabled() and not page.copy_button.isEnabled()


def test_the_window_lists_the_page_in_its_sidebar(office, qtbot):
    office.save()
    office.ctx.profile.select(NAME)
    start_webhooks(office.ctx, poll=False)
    window = MainWindow(office.ctx)
    qtbot.addWidget(window)
    window.show_page_named("webhooks")
    assert isinstance(window.current_page(), WebhooksPage)
    assert window.sidebar.item(window.sidebar.currentRow()).text() == "Webhooks"
    window.shutdown()
