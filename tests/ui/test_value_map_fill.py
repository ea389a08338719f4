"""The value-map editor's fill from both sides' lists, on the Mappings page of the demo: the clients' county row
pairs the demo CRM's tblcounties rows with the county names the sandbox's clients use, and the page saves them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from erpsync_gui.ui.pages.mappings import MappingsPage
from erpsync_gui.ui.pages.value_map_dialog import ValueMapDialog


@pytest.fixture
def page(qtbot, ui_ctx) -> MappingsPage:
    page = MappingsPage(ui_ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000), \
            qtbot.waitSignal(page.currencies_loaded, timeout=30_000):
        page.refresh()
    if page.current != "clients":
        with qtbot.waitSignal(page.samples_loaded, timeout=30_000):
            page.entity.setCurrentIndex(page.entity.findData("clients"))
    return page


def test_the_fill_pairs_the_crm_rows_with_the_erp_names_and_the_page_saves_them(page, qtbot, ui_ctx):
    row = next(r for r in range(page.model.rowCount()) if page.model.row(r).get("crm") == "county_id")
    page.model.set_value_map(row, {"3": "BV", "99": "XX"})  # one pair right, one a person typed wrong
    seen: list[ValueMapDialog] = []

    def fill_and_accept(dialog: ValueMapDialog) -> int:
        seen.append(dialog)
        dialog.show()
        qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.fill_note.text().startswith("Filled"), timeout=30_000)
        return 1 if dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled() else 0

    original = ValueMapDialog.exec
    ValueMapDialog.exec = fill_and_accept  # type: ignore[method-assign]
    try:
        page.table.selectRow(row)
        qtbot.mouseClick(page.value_map_button, Qt.MouseButton.LeftButton)
    finally:
        ValueMapDialog.exec = original  # type: ignore[method-assign]
    dialog = seen[0]
    qtbot.addWidget(dialog)
    erp_counties = {c["county"] for c in ui_ctx.service.sandbox.start().records("clients")}
    expected = {"3": "BV", "99": "XX", "2": "B", "5": "CT", "6": "IS", "8": "TM", "9": "BY", "10": "NRW",
                "11": "THR", "12": "ISF"}
    assert set(expected.values()) - {"XX"} == erp_counties  # every county the ERP's clients name, paired once
    assert dialog.value_map() == expected
    assert "Brașov (BV)" in dialog.allowed.text()  # the CRM's rows by their names
    assert "the CRM does not list '99'" in dialog.problem.text()  # the pair typed wrong stays, flagged
    assert dialog.fill_note.text() == "Filled 8 pairs; 5 CRM values without an ERP value that names them"

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    saved = next(f for f in ui_ctx.service.profile("demo").entity("clients").fields if f["crm"] == "county_id")
    assert saved["value_map"] == expected
