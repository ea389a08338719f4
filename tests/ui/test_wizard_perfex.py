"""The setup wizard's step for a Perfex CRM, driven as a person does against a Perfex-style SQLite CRM and the
sandbox ERP: the database's own departments, ticket statuses and priorities, lead sources and statuses
offered with Perfex's own starting rows preselected, the choice saved in the CRM endpoint's perfex_defaults,
and a ticket the first sync creates in the CRM carrying the chosen department. A CRM of another kind skips it."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.ui.wizard.perfex_page import is_perfex
from erpsync_gui.ui.wizard.wizard import SetupWizard
from tests.ui.test_setup_wizard import (
    LEFT,
    _next,
    fill_connections,
    fill_systems,
)


@pytest.fixture
def wizard(qtbot, first_start):
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _tickets(path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT ticketid, department FROM tbltickets ORDER BY ticketid").fetchall()


def test_a_perfex_crm_gets_its_reference_rows_chosen_and_new_tickets_take_them(qtbot, wizard, first_start,
                                                                               memory_keyring):
    with sqlite3.connect(first_start.crm_path) as db:
        db.execute("INSERT INTO tbldepartments (departmentid, name, email) VALUES (2, 'Sales', 'sales@crm.example')")
    fill_systems(qtbot, wizard)
    fill_connections(qtbot, wizard, first_start)
    entities = wizard.entities
    qtbot.waitUntil(lambda: bool(entities.names), timeout=15_000)
    entities.table.item(entities.row_of("tickets"), 0).setCheckState(Qt.CheckState.Checked)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    _next(qtbot, wizard, stop_at_perfex=True)
    page = wizard.perfex
    assert wizard.currentPage() is page
    qtbot.waitUntil(lambda: page.loaded, timeout=15_000)

    assert set(page.combos) == {"ticket_department", "ticket_status", "ticket_priority", "lead_source",
                                "lead_status"}
    # preselected as Perfex starts: the first department, Open, the first priority and source, and the first
    # lead status that is not the converted-customer one
    assert page.combos["ticket_department"].currentText() == "Suport (1)"
    assert page.combos["ticket_status"].currentText() == "Open (1)"
    assert page.combos["lead_status"].currentData() == 2
    department = page.combos["ticket_department"]
    assert [department.itemText(i) for i in range(department.count())] == ["Suport (1)", "Sales (2)"]
    department.setFocus()
    qtbot.keyClicks(department, "Sales")
    assert department.currentData() == 2
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)

    profile = first_start.ctx.service.profile("Office")
    chosen = profile.crm.options["perfex_defaults"]
    assert chosen["ticket_department"] == 2 and chosen["ticket_status"] == 1 and chosen["lead_status"] == 2
    before = dict(_tickets(first_start.crm_path))
    for entity in ("clients", "tickets"):
        first_start.ctx.service.sync(entity, profile_name="Office", direction=Direction.IMPORT, approved=True)
    created = {ticket: dept for ticket, dept in _tickets(first_start.crm_path) if ticket not in before}
    assert created and set(created.values()) == {2}, created


def test_only_a_perfex_crm_has_the_step():
    assert is_perfex(EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db", options={"preset": "smartcrm"}))
    assert is_perfex(EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db"))  # the SQL connector's default preset
    assert not is_perfex(EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db", options={"preset": "none"}))
    assert not is_perfex(EndpointConfig(Side.CRM, "zoho", "https://www.zohoapis.eu"))
