"""OAuth2 sign-in from the Connections page against the fake authorization server: the PKCE code flow with
a scripted browser, the refresh token in the keyring and nowhere in the state database, and the
"sign-in has expired" banner and status-bar warning when a run meets a rejected refresh token."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from PySide6.QtCore import Qt

from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages.connections import ConnectionsPage
from tests.ui._helpers import RUN_TIMEOUT_MS, settle
from tests.unit.http_auth_server import FakeAuthServer

EXPIRED = "The ERP sign-in has expired: sign in again"


@pytest.fixture
def auth_server():
    with FakeAuthServer(rotate=True) as server:
        yield server


class ScriptedBrowser:
    """Follows the authorization URL itself: the fake server redirects straight back to the listener."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        httpx.get(url, follow_redirects=True, timeout=10)
        return True


def _switch_erp_to_oauth2(page: ConnectionsPage, server: FakeAuthServer) -> None:
    """What an admin types: OAuth2 as the ERP's sign-in, the app's client id, URLs and secret."""
    erp = page.forms[Side.ERP]
    erp.auth.setCurrentIndex(erp.auth.findData("oauth2"))
    for name, value in (("client_id", server.state.client_id), ("authorize_url", f"{server.url}/authorize"),
                        ("token_url", f"{server.url}/token"), ("scopes", "erp.read erp.write")):
        erp.options[name].setText(value)
        erp.options[name].textEdited.emit(value)
    erp.secrets["client_secret"].set_value(server.state.client_secret)


def _database_text(ctx) -> str:
    """Everything the state database holds, WAL included."""
    path = ctx.store.engine.url.database
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def test_sign_in_completes_the_pkce_flow_and_keeps_the_tokens_in_the_keyring(qtbot, ui_ctx, auth_server,
                                                                             memory_keyring):
    browser = ScriptedBrowser()
    page = ConnectionsPage(ui_ctx, open_browser=browser)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    settle(qtbot)
    erp = page.forms[Side.ERP]
    assert erp.sign_in_row.isHidden()  # bearer: nothing to sign in to
    _switch_erp_to_oauth2(page, auth_server)
    assert not erp.sign_in_row.isHidden() and erp.sign_in_button.text() == "Save and sign in…"

    with qtbot.waitSignal(page.signed_in, timeout=RUN_TIMEOUT_MS) as signed:
        qtbot.mouseClick(erp.sign_in_button, Qt.MouseButton.LeftButton)
    assert signed.args == ["demo", Side.ERP]
    settle(qtbot)

    assert browser.opened and browser.opened[0].startswith(f"{auth_server.url}/authorize?")
    assert "code_challenge_method=S256" in browser.opened[0] and "scope=erp.read+erp.write" in browser.opened[0]
    assert auth_server.state.pkce_checked == 1
    refresh = memory_keyring.entries[(SERVICE, "demo/erp.refresh_token")]
    assert refresh in auth_server.state.refresh_tokens
    stored = ui_ctx.service.profile("demo").erp
    assert stored.auth == "oauth2" and stored.options["authorize_url"] == f"{auth_server.url}/authorize"
    dump = _database_text(ui_ctx)
    for secret in (refresh, auth_server.state.client_secret, *auth_server.state.valid_access):
        assert secret not in dump
    status = ui_ctx.service.config.endpoint_status(ui_ctx.service.profile("demo").id)
    assert status[Side.ERP].status == "active"
    assert erp.secrets["refresh_token"].stored and erp.secrets["refresh_token"].edit.text() == ""
    assert erp.sign_in_status.text().startswith("Signed in")
    assert "signed in" in page.message.text() and page.expired.isHidden()


def test_a_refused_sign_in_says_why_and_stores_nothing(qtbot, ui_ctx, auth_server, memory_keyring):
    page = ConnectionsPage(ui_ctx, open_browser=ScriptedBrowser())
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    _switch_erp_to_oauth2(page, auth_server)
    page.forms[Side.ERP].options["client_id"].setText("someone-else")
    page.forms[Side.ERP].options["client_id"].textEdited.emit("someone-else")
    page.login_timeout = 1.0  # the fake server refuses the unknown client: no redirect comes back
    assert page.sign_in(Side.ERP)
    qtbot.waitUntil(lambda: not page.is_signing_in(), timeout=RUN_TIMEOUT_MS)
    assert "did not complete" in page.message.text() and page.message.property("level") == "error"
    assert (SERVICE, "demo/erp.refresh_token") not in memory_keyring.entries


def test_an_expired_sign_in_after_a_run_shows_the_banner_and_the_status_bar_warning(qtbot, ui_ctx, auth_server,
                                                                                     memory_keyring):
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_connections()
    settle(qtbot)  # the page reads the profile off the GUI thread
    page = window.current_page()
    assert isinstance(page, ConnectionsPage)
    page.open_browser = ScriptedBrowser()
    _switch_erp_to_oauth2(page, auth_server)
    assert page.save()
    memory_keyring.set_password(SERVICE, "demo/erp.refresh_token", "rt-revoked-long-ago")
    window.show_page(0)
    assert window.expired_notice.isHidden() and page.expired.isHidden()

    assert ui_ctx.runs.start("demo", "clients")  # the ERP answers the dead refresh token with invalid_grant
    qtbot.waitUntil(lambda: not ui_ctx.runs.is_running("demo", "clients"), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.expired_notice.isHidden(), timeout=RUN_TIMEOUT_MS)
    assert window.expired_notice.text() == EXPIRED
    assert window.health[Side.ERP].text() == "ERP: sign-in expired"
    assert not page.expired.isHidden() and page.expired.label.text() == EXPIRED
    assert not page.expired.buttons[Side.ERP].isHidden() and page.expired.buttons[Side.CRM].isHidden()

    window.expired_notice.click()
    assert window.current_page() is page
    with qtbot.waitSignal(page.signed_in, timeout=RUN_TIMEOUT_MS):
        page.expired.buttons[Side.ERP].click()
    assert window.expired_notice.isHidden() and page.expired.isHidden()
    assert window.health[Side.ERP].text() == "ERP: connected"
