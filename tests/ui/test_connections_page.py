"""The Connections page against the real service: settings to the database, secrets to the keyring,
connection tests on a pool thread against the sandbox."""

from __future__ import annotations

import dataclasses
import json

from PySide6.QtCore import Qt
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.pool import NullPool

from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE
from erpsync_gui.store.models import EndpointRow
from erpsync_gui.ui.pages.connections import ConnectionsPage
from tests import perfex_schema as stock
from tests.ui._helpers import settle

NEW_TOKEN = "tok-replaced-7f3a9c"


def _page(qtbot, ctx) -> ConnectionsPage:
    page = ConnectionsPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    return page


def test_shows_settings_and_never_the_stored_secret(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    erp = page.forms[Side.ERP]
    assert erp.current_kind() == "rest" and erp.url.text() == "sandbox://local"
    assert erp.batch_size.value() == 50 and erp.timeout.value() == 30 and erp.retries.value() == 3
    token = erp.secrets["token"]
    assert token.stored and token.edit.text() == ""
    assert "stored" in token.edit.placeholderText()
    assert not page.save_button.isEnabled()


def test_saving_writes_secrets_to_the_keyring_not_the_database(qtbot, ui_ctx, memory_keyring):
    page = _page(qtbot, ui_ctx)
    erp = page.forms[Side.ERP]
    erp.secrets["token"].set_value(NEW_TOKEN)
    erp.batch_size.setValue(25)
    assert page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    assert memory_keyring.entries[(SERVICE, "demo/erp.token")] == NEW_TOKEN
    with ui_ctx.store.session() as session:
        rows = session.scalars(select(EndpointRow)).all()
        dumped = json.dumps([{c.name: getattr(r, c.name) for c in EndpointRow.__table__.columns}
                             for r in rows], default=str)
    assert NEW_TOKEN not in dumped
    assert ui_ctx.service.profile("demo").erp.batch_size == 25
    assert erp.secrets["token"].stored and erp.secrets["token"].edit.text() == ""


def test_removing_a_required_secret_is_refused_inline(qtbot, ui_ctx, memory_keyring):
    page = _page(qtbot, ui_ctx)
    erp = page.forms[Side.ERP]
    erp.secrets["token"].remove_button.click()
    assert erp.secrets["token"].edit.property("invalid") is True
    assert not page.save_button.isEnabled()
    assert (SERVICE, "demo/erp.token") in memory_keyring.entries


def test_invalid_url_is_marked_and_cannot_be_saved(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    crm = page.forms[Side.CRM]
    crm.url.clear()
    qtbot.keyClicks(crm.url, "not a database")
    assert crm.url.property("invalid") is True
    assert crm.url_error.isVisibleTo(page) and "database URL" in crm.url_error.text()
    assert not page.save_button.isEnabled() and not page.save()
    assert ui_ctx.service.profile("demo").crm.url.startswith("sqlite:///")


def test_connection_test_reports_both_sides(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    results = blocker.args[1]
    assert results[Side.CRM].ok and results[Side.ERP].ok
    card = page.results[Side.ERP]
    assert card.overall.level == "ok" and card.reachable.level == "ok" and card.authenticated.level == "ok"
    assert "ms" in card.latency.text()


def test_connection_test_reports_a_bad_token(qtbot, ui_ctx):
    ui_ctx.secrets.set("demo", Side.ERP, "token", "wrong-token")
    page = _page(qtbot, ui_ctx)
    with qtbot.waitSignal(page.tested, timeout=30_000) as blocker:
        page.test_button.click()
    erp = blocker.args[1][Side.ERP]
    assert erp.reachable and not erp.authenticated
    card = page.results[Side.ERP]
    assert card.reachable.level == "ok" and card.authenticated.level == "error"
    assert "rejected the auth token" in card.cause.text() and "erp.token" in card.cause.text()
    assert "wrong-token" not in card.cause.text()
    status = ui_ctx.service.config.endpoint_status(ui_ctx.service.profile("demo").id)
    assert status[Side.ERP].status != "active" and "erp.token" in (status[Side.ERP].message or "")



def test_settings_the_form_does_not_show_survive_a_save(qtbot, ui_ctx):
    import dataclasses

    from erpsync_gui.store.config_repo import ConfigRepo

    profile = ui_ctx.service.profile("demo")
    erp = dataclasses.replace(profile.erp, options={**profile.erp.options, "client_cert": "/etc/erpsync/me.p12"})
    ConfigRepo(ui_ctx.store).save_profile(dataclasses.replace(profile, erp=erp))
    page = _page(qtbot, ui_ctx)
    page.forms[Side.ERP].batch_size.setValue(40)  # a bearer endpoint: the certificate field is not shown
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)

    saved = ui_ctx.service.profile("demo").erp
    assert saved.batch_size == 40 and saved.options["client_cert"] == "/etc/erpsync/me.p12"
    assert saved.options["paging"] == "cursor"


def _stock_perfex_crm(ctx, path) -> object:
    """The demo profile's CRM pointed at a stock Perfex database (no marker columns)."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    stock.create_stock(engine)
    profile = ctx.service.profile("demo")
    ctx.service.config.save_profile(dataclasses.replace(
        profile, crm=dataclasses.replace(profile.crm, url=f"sqlite:///{path}")))
    return engine


def _marked(engine) -> set[str]:
    return {t for t in ("tblclients", "tbltickets", "tblinvoicepaymentrecords")
            if "external_id" in {c["name"] for c in inspect(engine).get_columns(t)}}


def test_a_crm_without_marker_columns_is_offered_the_ddl_shown_first_and_run_only_when_confirmed(
        qtbot, ui_ctx, tmp_path):
    engine = _stock_perfex_crm(ui_ctx, tmp_path / "perfex.db")
    shown: list[str] = []
    answers = [False, True]

    def confirm(_parent, plan) -> bool:
        shown.append(plan.sql_text())
        return answers.pop(0)

    page = _page(qtbot, ui_ctx)
    page.markers.confirm = confirm
    with qtbot.waitSignal(page.tested, timeout=30_000):
        page.test_button.click()
    assert page.markers.isVisibleTo(page) and "tbltickets" in page.markers.note.text()

    page.markers.button.click()
    qtbot.waitUntil(lambda: len(shown) == 1 and page.markers.button.isEnabled(), timeout=30_000)
    assert "ALTER TABLE" in shown[0] and "CREATE INDEX" in shown[0]
    assert _marked(engine) == set() and "Nothing was changed" in page.markers.note.text()

    with qtbot.waitSignal(page.markers.done, timeout=30_000):
        page.markers.button.click()
    assert _marked(engine) == {"tblclients", "tbltickets", "tblinvoicepaymentrecords"}
    assert "Added the marker columns" in page.markers.note.text()
    with qtbot.waitSignal(page.tested, timeout=30_000):
        page.test_button.click()
    assert not page.markers.isVisibleTo(page)
    engine.dispose()


def test_the_results_of_a_test_are_scrolled_into_view_at_150_percent(qtbot, styled, ui_ctx):
    from PySide6.QtCore import QPoint

    from erpsync_gui.ui.main_window import MainWindow
    from tests.ui._helpers import SCREENS, settle

    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(*SCREENS["1920x1080 at 150%"])
    window.show()
    page = next(p for p in window.pages if isinstance(p, ConnectionsPage))
    window.show_page(window.pages.index(page))
    settle(qtbot)
    viewport = page.body_scroll.viewport()
    with qtbot.waitSignal(page.tested, timeout=30_000):
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    for card in page.results.values():
        top = card.mapTo(viewport, QPoint(0, 0)).y()
        assert top >= 0 and top + card.height() <= viewport.height(), (top, card.height(), viewport.height())
