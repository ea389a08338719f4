"""The wizard's entities step shows the default mappings the two chosen kinds compose: Tryton as the ERP of a
Perfex database offers Tryton's own field names, and Save keeps exactly those rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from erpsync_gui.records import Side
from erpsync_gui.ui.wizard.wizard import SetupWizard
from tests.ui.test_setup_wizard import _next, _test, _type

LEFT = Qt.MouseButton.LeftButton


def test_picking_tryton_shows_its_mappings_in_the_entities_step(qtbot, first_start):
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.systems.name_edit, "Tryton office")
    wizard.systems.select(Side.CRM, "sql")
    wizard.systems.select(Side.ERP, "tryton")
    _next(qtbot, wizard)
    crm = wizard.connections[Side.CRM]
    _type(qtbot, crm, "url", first_start.crm_url)
    _type(qtbot, crm, "options.preset", "perfex")
    _test(qtbot, crm)
    _next(qtbot, wizard)
    erp = wizard.connections[Side.ERP]
    _type(qtbot, erp, "url", "http://127.0.0.1:9/")
    _type(qtbot, erp, "options.database", "erpsync")
    _type(qtbot, erp, "options.username", "admin")
    _type(qtbot, erp, "secret:password", "not-tested")
    qtbot.mouseClick(erp.untested, LEFT)
    _next(qtbot, wizard)

    page = wizard.entities
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=10_000)
    shown = [page.table.item(r, 1).text() for r in range(page.table.rowCount())]
    assert "Clients" in shown and "Invoices" in shown
    assert "Contacts" not in shown and "Tickets" not in shown  # Tryton declares neither
    row = page.row_of("invoices")
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=page.table.visualItemRect(page.table.item(row, 1)).center())
    text = page.fields_view.text()
    assert "own_number → reference" in text and "status ← state" in text and "qty ↔ quantity" in text
    assert page.table.item(row, 5).text() == "own_number"
    clients = page.row_of("clients")
    assert page.table.item(clients, 4).toolTip().splitlines()[0] == "company ↔ name"

    profile = wizard.state.profile()  # what Save stores
    entity = profile.entity("clients")
    assert entity.fields[0] == {"crm": "company", "erp": "name", "type": "text",
                                "transform": ["strip", "collapse_spaces"], "required": True}
    assert entity.match_keys == ("vat",) and profile.erp.kind == "tryton"
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def _to_entities(qtbot, first_start, erp_kind: str, fields: dict[str, str]):
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.systems.name_edit, "Office")
    wizard.systems.select(Side.CRM, "sql")
    wizard.systems.select(Side.ERP, erp_kind)
    _next(qtbot, wizard)
    crm = wizard.connections[Side.CRM]
    _type(qtbot, crm, "url", first_start.crm_url)
    _type(qtbot, crm, "options.preset", "perfex")
    _test(qtbot, crm)
    _next(qtbot, wizard)
    erp = wizard.connections[Side.ERP]
    for key, text in fields.items():
        _type(qtbot, erp, key, text)
    qtbot.mouseClick(erp.untested, LEFT)
    _next(qtbot, wizard)
    page = wizard.entities
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=10_000)
    return wizard, page


def test_perfex_invoices_are_offered_from_sap_only_with_the_reason_shown(qtbot, first_start):
    wizard, page = _to_entities(qtbot, first_start, "sap_b1", {
        "url": "https://127.0.0.1:9/b1s/v2", "options.company_db": "SBODEMO", "options.username": "manager",
        "secret:password": "not-tested"})
    row = page.row_of("invoices")
    direction = page.table.cellWidget(row, 2)
    assert direction.currentData() == "import" and not direction.isEnabled()
    assert "ItemCode" in direction.toolTip() and "service_account" in direction.toolTip()
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=page.table.visualItemRect(page.table.item(row, 1)).center())
    assert "ERP → CRM only" in page.explanation.text()
    page.table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    assert wizard.state.profile().entity("invoices").direction.value == "import"
    clients = page.table.cellWidget(page.row_of("clients"), 2)
    assert clients.isEnabled() and clients.toolTip() == ""


def test_tally_invoices_are_offered_with_their_party_and_items_by_id(qtbot, first_start):
    _wizard, page = _to_entities(qtbot, first_start, "tally",
                                 {"url": "http://127.0.0.1:9", "options.company": "Krishna"})
    row = page.row_of("invoices")
    assert page.table.cellWidget(row, 2).isEnabled() and page.table.cellWidget(row, 2).currentData() == "both"
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=page.table.visualItemRect(page.table.item(row, 1)).center())
    text = page.fields_view.text()
    assert "clientid ↔ party_id" in text and "qty ↔ quantity" in text and "description ↔ STOCKITEMNAME" in text
    assert page.table.item(row, 5).text() == "own_number"
