"""The wizard's first look counts the entities that depend on another (contacts after clients) truthfully,
against the sandbox ERP and a SQLite CRM: a contact of a client already in both is planned against that link,
a contact of a client the first sync creates is counted as created after it; the real first sync then does
what was said. Nothing is written to either system by the first look."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from erpsync_gui.engine.types import Action
from erpsync_gui.store.queries import last_runs_per_entity
from erpsync_gui.ui.main_window import MainWindow
from tests.ui.test_setup_wizard import _next, fill_connections, fill_systems

LEFT = Qt.MouseButton.LeftButton


def _crm_count(start, table: str) -> int:
    with sqlite3.connect(start.crm_path) as db:
        return db.execute(f"select count(*) from {table}").fetchone()[0]


def test_contacts_are_counted_against_the_clients_first_sync(qtbot, first_start):
    window = MainWindow(first_start.ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.mouseClick(window.profile_actions.welcome.page.wizard_button, LEFT)
    wizard = window.profile_actions.wizard
    fill_systems(qtbot, wizard, "Head office")
    fill_connections(qtbot, wizard, first_start)
    qtbot.waitUntil(lambda: bool(wizard.entities.names), timeout=15_000)
    _next(qtbot, wizard)  # clients and contacts, as offered
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    before = {t: _crm_count(first_start, t) for t in ("tblclients", "tblcontacts")}
    _next(qtbot, wizard)
    page = wizard.first_look
    qtbot.waitUntil(lambda: page.loaded, timeout=60_000)
    assert {t: _crm_count(first_start, t) for t in before} == before  # the first look wrote nothing

    clients, contacts = page.looks["clients"], page.looks["contacts"]
    assert page.table.item(1, 0).text() == "Contacts"
    said = page.table.item(1, 1).text()
    assert "planned once" not in said and "cannot be planned" not in said
    created_clients = sum(1 for i in clients.result.plan if i.action is Action.CREATE)
    assert created_clients > 0 and contacts.after_parents > 0 and contacts.parents == ("clients",)
    assert f"create {contacts.after_parents:,} after their client" in said
    planned = {action: sum(1 for i in contacts.result.plan if i.action is action) for action in Action}
    # the contacts of clients already in both are planned for real, not left waiting
    assert planned[Action.CREATE] + planned[Action.LINK] > 0
    assert planned[Action.FAILED] == contacts.after_parents, said  # every other one waits for its client only

    with qtbot.waitSignal(first_start.ctx.sync_all.finished, timeout=60_000):
        _next(qtbot, wizard)
        _next(qtbot, wizard)  # no schedule
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.CustomButton1), LEFT)
    profile = first_start.ctx.service.profile("Head office")
    runs = last_runs_per_entity(first_start.ctx.store, profile.id)
    # the real first sync does what the first look said
    assert runs["clients"].inserted == created_clients
    assert runs["contacts"].inserted == planned[Action.CREATE] + contacts.after_parents
    assert runs["contacts"].failed == 0
    window.shutdown()
