"""The Connections page's own settings of each kind and its folded Advanced section (the wizard's inputs): an
edit there is tested before it is saved, like every other field, and a wrong value is named at its input."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from erpsync_gui.records import Side
from erpsync_gui.ui.pages.connections import ConnectionsPage
from tests.ui._helpers import settle

LEFT = Qt.MouseButton.LeftButton


def _page(qtbot, ctx) -> ConnectionsPage:
    page = ConnectionsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    settle(qtbot)
    return page


def _advanced(qtbot, page: ConnectionsPage, side: Side):
    form = page.forms[side].kind_options.form
    assert form is not None and form.advanced_box.isHidden()
    qtbot.mouseClick(form.advanced_toggle, LEFT)
    assert form.advanced_box.isVisible()
    return form


def _type(qtbot, form, key: str, text: str) -> QLineEdit:
    edit = form.inputs[key]
    assert isinstance(edit, QLineEdit) and edit.isVisible()
    edit.clear()
    qtbot.keyClicks(edit, text)
    return edit


def test_the_advanced_section_shows_the_stored_options_and_loading_changes_nothing(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    form = _advanced(qtbot, page, Side.ERP)
    stored = ui_ctx.service.profile("demo").erp.options
    assert form.value("options.paging") == stored["paging"] == "cursor"
    for key in ("options.proxy", "options.ca_bundle", "options.connect_timeout_s", "options.total_timeout_s"):
        assert key in form.inputs
    assert "options.client_id" not in form.inputs  # the main form shows the sign-in's own settings
    assert not page.is_dirty() and not page.save_button.isEnabled()
    crm = page.forms[Side.CRM].kind_options.form
    assert crm.value("options.preset") == ui_ctx.service.profile("demo").crm.options["preset"]
    assert crm.inputs["options.preset"].isVisible()  # the kind's own


def test_a_changed_timeout_is_tested_then_saved(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    form = _advanced(qtbot, page, Side.ERP)
    _type(qtbot, form, "options.connect_timeout_s", "7")
    assert page.is_dirty() and page.test_button.text() == "&Test, then save"
    assert ui_ctx.service.profile("demo").erp.options.get("connect_timeout_s") is None  # not saved yet
    with qtbot.waitSignal(page.saved, timeout=30_000):
        qtbot.mouseClick(page.test_button, LEFT)
    saved = ui_ctx.service.profile("demo").erp
    assert saved.options["connect_timeout_s"] == 7 and saved.options["paging"] == "cursor"
    qtbot.waitUntil(lambda: not page.test_button.isEnabled() or page.results[Side.ERP].overall.level == "ok",
                    timeout=30_000)
    assert not page.is_dirty()


def test_an_advanced_setting_that_fails_the_test_is_not_saved(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    form = _advanced(qtbot, page, Side.ERP)
    _type(qtbot, form, "options.proxy", "http://127.0.0.1:9")  # nothing listens there: the ERP is not reached
    qtbot.mouseClick(page.test_button, LEFT)
    qtbot.waitUntil(lambda: "Not saved" in page.message.text(), timeout=30_000)
    assert page.results[Side.ERP].overall.level == "error"
    assert "proxy" not in ui_ctx.service.profile("demo").erp.options
    assert page.is_dirty()  # the edit stays for correcting


def test_a_wrong_value_is_named_at_its_input_and_blocks_test_and_save(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    form = _advanced(qtbot, page, Side.ERP)
    edit = _type(qtbot, form, "options.total_timeout_s", "soon")
    error = form.errors["options.total_timeout_s"]
    assert error.isVisible() and error.text() and edit.property("invalid") is True
    assert not page.save_button.isEnabled() and not page.test_button.isEnabled()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)  # emptied: the default applies again
    assert not error.isVisible() and not page.is_dirty() and page.test_button.isEnabled()
