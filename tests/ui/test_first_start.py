"""From an empty data directory to a first real sync, in the window alone: the welcome page, the wizard against
the sandbox ERP and a SQLite CRM, Save and sync now, the dashboard; and the welcome page's other two ways on."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWizard

from erpsync_gui.records import Side
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages.dashboard import DashboardPage
from tests.ui.test_setup_wizard import _next, fill_connections, fill_systems

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, first_start):
    window = MainWindow(first_start.ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    yield window
    window.shutdown()


def test_a_first_start_shows_the_welcome_page_with_three_ways_on(window):
    welcome = window.profile_actions.welcome
    assert welcome.shown and welcome.page.isVisible()
    page = welcome.page
    assert [b.text() for b in (page.wizard_button, page.demo_button, page.import_button)] == \
        ["&Connect my systems", "Try the &demo", "&Import a profile file…"]
    assert not window.profile_actions.delete_action.isEnabled()


def _crm_clients(start) -> int:
    with sqlite3.connect(start.crm_path) as db:
        return db.execute("select count(*) from tblclients").fetchone()[0]


def test_from_the_welcome_page_through_the_wizard_to_a_first_sync(qtbot, window, first_start, memory_keyring):
    before = _crm_clients(first_start)
    qtbot.mouseClick(window.profile_actions.welcome.page.wizard_button, LEFT)
    wizard = window.profile_actions.wizard
    assert wizard is not None and wizard.isVisible()
    fill_systems(qtbot, wizard, "Head office")
    fill_connections(qtbot, wizard, first_start)
    qtbot.waitUntil(lambda: bool(wizard.entities.names), timeout=15_000)
    _next(qtbot, wizard)  # clients and contacts ticked, as offered
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    assert wizard.state.currency_mapping  # paired by ISO code, both lists read over the wire
    _next(qtbot, wizard)
    look = wizard.first_look
    qtbot.waitUntil(lambda: look.loaded, timeout=60_000)
    clients_said = look.table.item(0, 1).text()
    assert look.table.item(0, 0).text() == "Clients" and "create" in clients_said and "in the CRM" in clients_said
    assert "matched by key" in clients_said and "conflicts" in clients_said
    assert _crm_clients(first_start) == before  # the first look wrote nothing
    qtbot.mouseClick(look.table.cellWidget(0, 2), LEFT)
    assert look.preview.isVisible() and look.preview.apply_button.isHidden() and look.preview.result.plan
    look.preview.close()
    assert first_start.ctx.service.config.list_profiles() == []
    _next(qtbot, wizard)
    _next(qtbot, wizard)  # no schedule
    save_and_sync = wizard.button(QWizard.WizardButton.CustomButton1)
    assert save_and_sync.isVisible()
    with qtbot.waitSignal(first_start.ctx.sync_all.finished, timeout=60_000) as finished:
        qtbot.mouseClick(save_and_sync, LEFT)
    profile, outcomes = finished.args
    assert profile == "Head office"
    assert outcomes == {"clients": "success", "contacts": "success"}
    assert not window.profile_actions.welcome.shown
    assert window.profiles.currentText() == "Head office" and window.windowTitle().endswith("Head office")
    assert isinstance(window.current_page(), DashboardPage)
    # the sync really wrote: the ERP's clients are now rows of the CRM database, linked
    clients = _crm_clients(first_start)
    assert clients > before
    from erpsync_gui.app.profile_ops import footprint

    assert footprint(first_start.ctx.service, "Head office").links >= clients - 1
    assert memory_keyring.entries == {("ERPSync", "Head office/erp.token"): DEMO_AUTH_TOKEN,
                                      ("ERPSync", "Head office/erp.client_token"): DEMO_CLIENT_TOKEN}
    for path in first_start.ctx.data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert DEMO_AUTH_TOKEN.encode() not in content and DEMO_CLIENT_TOKEN.encode() not in content, path


def test_the_demo_button_opens_the_demo_profile(qtbot, window):
    qtbot.mouseClick(window.profile_actions.welcome.page.demo_button, LEFT)
    assert window.profiles.currentText() == "demo"
    assert not window.profile_actions.welcome.shown and window.profile_actions.delete_action.isEnabled()


def test_importing_a_file_with_problems_lists_every_one_and_imports_nothing(qtbot, window, first_start, tmp_path,
                                                                            monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Branch"\n[crm]\nkind = "sql"\nurl = "sqlite:///x.db"\nbatch_size = 0\n'
                   '[erp]\nkind = "rest"\nurl = "ftp://erp"\ntimout = 3\n', encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    qtbot.mouseClick(window.profile_actions.welcome.page.import_button, LEFT)
    shown = window.profile_actions.welcome.page.problem.text()
    assert "crm.batch_size" in shown and "erp.url" in shown and "did you mean 'timeout'" in shown
    assert window.profile_actions.message.text() == shown
    assert first_start.ctx.service.config.list_profiles() == []
    window.profile_actions.message.close()


def _export_and_reimport(qtbot, window, first_start, tmp_path, monkeypatch) -> None:
    qtbot.mouseClick(window.profile_actions.welcome.page.demo_button, LEFT)
    target = tmp_path / "demo-export.toml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.profile_actions.export_action.trigger()
    text = target.read_text(encoding="utf-8")
    assert 'kind = "rest"' in text and "token" not in text.lower().replace("client_token", "")
    target.write_text(text.replace('name = "demo"', 'name = "Imported"'), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(target), ""))
    window.profile_actions.import_action.trigger()


def test_export_then_import_from_the_profiles_menu(qtbot, window, first_start, tmp_path, monkeypatch):
    _export_and_reimport(qtbot, window, first_start, tmp_path, monkeypatch)
    assert window.profiles.currentText() == "Imported"
    imported = first_start.ctx.service.profile("Imported")
    assert imported.entities == first_start.ctx.service.profile("demo").entities


def test_duplicate_rename_and_delete(qtbot, window, first_start, monkeypatch, memory_keyring):
    from PySide6.QtWidgets import QInputDialog

    from erpsync_gui.ui.profiles.delete_dialog import DeleteProfileDialog

    qtbot.mouseClick(window.profile_actions.welcome.page.demo_button, LEFT)
    secrets = first_start.ctx.secrets
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Copy", True))
    window.profile_actions.duplicate_action.trigger()
    assert window.profiles.currentText() == "Copy"
    assert secrets.get("Copy", Side.ERP, "token") == secrets.get("demo", Side.ERP, "token") is not None
    assert [window.profiles.itemText(i) for i in range(window.profiles.count())] == ["demo", "Copy"]

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("demo", True))
    window.profile_actions.rename_action.trigger()  # a name in use is refused, and said so
    assert "already exists" in window.profile_actions.message.text()
    window.profile_actions.message.close()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Branch", True))
    window.profile_actions.rename_action.trigger()
    assert window.profiles.currentText() == "Branch"
    assert secrets.get("Branch", Side.ERP, "token") is not None and secrets.get("Copy", Side.ERP, "token") is None

    shown: list[DeleteProfileDialog] = []

    def confirm(dialog: DeleteProfileDialog) -> int:
        shown.append(dialog)
        dialog.remove_secrets.setChecked(True)
        return DeleteProfileDialog.DialogCode.Accepted

    monkeypatch.setattr(DeleteProfileDialog, "exec", confirm)
    window.profile_actions.delete_action.trigger()
    said = shown[0].text.text()
    assert "link" in said and "run" in said and "No record in the CRM or the ERP is changed" in said
    assert "ERP access token" in shown[0].remove_secrets.text()
    assert [p.name for p in first_start.ctx.service.config.list_profiles()] == ["demo"]
    assert secrets.get("Branch", Side.ERP, "token") is None and secrets.get("demo", Side.ERP, "token") is not None
    assert window.profiles.currentText() == "demo"

    window.profile_actions.delete_action.trigger()  # the last one: the welcome page comes back
    assert first_start.ctx.service.config.list_profiles() == []
    assert window.profile_actions.welcome.shown


def test_new_profile_from_the_profiles_menu_beside_an_existing_one(qtbot, window, first_start):
    qtbot.mouseClick(window.profile_actions.welcome.page.demo_button, LEFT)
    assert window.profile_actions.switcher_menu.actions()[0] is window.profile_actions.new_action
    window.profile_actions.new_action.trigger()
    wizard = window.profile_actions.wizard
    qtbot.keyClicks(wizard.systems.name_edit, "Demo")  # names are told apart regardless of case
    wizard.systems.select(Side.CRM, "sql")
    wizard.systems.select(Side.ERP, "rest")
    assert "exists already" in wizard.systems.name_error.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.systems.name_edit.clear()
    fill_systems(qtbot, wizard, "Branch")
    fill_connections(qtbot, wizard, first_start)
    qtbot.waitUntil(lambda: bool(wizard.entities.names), timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    assert [window.profiles.itemText(i) for i in range(window.profiles.count())] == ["demo", "Branch"]
    assert window.profiles.currentText() == "Branch"
    assert first_start.ctx.runs.running() == []  # Save alone syncs nothing
