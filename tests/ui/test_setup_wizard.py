"""The connection wizard driven as a person does: pick the systems, type the settings, Test connection, tick
entities, schedule, Save; against the sandbox ERP over HTTP and a Perfex-style SQLite CRM."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWizard

from erpsync_gui.records import Side
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.ui.wizard.wizard import SetupWizard

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def wizard(qtbot, first_start):
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _next(qtbot, wizard: SetupWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=10_000)
    qtbot.mouseClick(button, LEFT)


def _type(qtbot, page, key: str, text: str) -> None:
    edit = page.form.inputs[key]
    assert isinstance(edit, QLineEdit)
    edit.clear()
    qtbot.keyClicks(edit, text)


def _test(qtbot, page) -> None:
    qtbot.mouseClick(page.test_button, LEFT)
    qtbot.waitUntil(lambda: page.result is not None, timeout=15_000)


def fill_systems(qtbot, wizard: SetupWizard, name: str = "Office") -> None:
    page = wizard.systems
    qtbot.keyClicks(page.name_edit, name)
    page.select(Side.CRM, "sql")
    page.select(Side.ERP, "rest")
    _next(qtbot, wizard)


def fill_connections(qtbot, wizard: SetupWizard, start) -> None:
    crm = wizard.connections[Side.CRM]
    _type(qtbot, crm, "url", start.crm_url)
    _type(qtbot, crm, "options.preset", "perfex")
    _test(qtbot, crm)
    assert crm.result.ok, crm.result_label.text()
    _next(qtbot, wizard)
    erp = wizard.connections[Side.ERP]
    _type(qtbot, erp, "url", start.erp_url)
    _type(qtbot, erp, "secret:token", DEMO_AUTH_TOKEN)
    _type(qtbot, erp, "secret:client_token", DEMO_CLIENT_TOKEN)
    _test(qtbot, erp)
    assert erp.result.ok, erp.result_label.text()
    _next(qtbot, wizard)


def test_the_systems_are_the_catalogue_s_kinds_on_their_sides(wizard):
    from erpsync_gui.config.kinds import kinds

    for side, listing in wizard.systems.lists.items():
        shown = {listing.item(r).data(Qt.ItemDataRole.UserRole) for r in range(listing.count())}
        assert shown == {k.name for k in kinds().values() if side in k.sides}
    first = wizard.systems.lists[Side.ERP].item(0)
    kind = kinds()[first.data(Qt.ItemDataRole.UserRole)]
    assert first.text() == f"{kind.label}\n{kind.description}" and not first.icon().isNull()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_a_wrong_setting_is_named_at_its_input_and_next_waits_for_a_passing_test(qtbot, wizard, first_start):
    fill_systems(qtbot, wizard)
    crm = wizard.connections[Side.CRM]
    _type(qtbot, crm, "url", "not a database url")
    _type(qtbot, crm, "options.preset", "Perfex!")
    assert crm.form.errors["options.preset"].isVisible()
    assert "is not" in crm.form.errors["options.preset"].text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    _type(qtbot, crm, "options.preset", "perfex")
    _type(qtbot, crm, "url", f"sqlite:///{(first_start.crm_path.parent / 'none.sqlite').as_posix()}")
    assert not crm.form.errors["options.preset"].isVisible()
    _test(qtbot, crm)
    assert not crm.result.ok and "does not exist" in crm.result_label.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(crm.untested, LEFT)  # the deliberate way on without a passing test
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(crm.untested, LEFT)
    _type(qtbot, crm, "url", first_start.crm_url)
    _test(qtbot, crm)
    text = crm.result_label.text()
    assert crm.result.ok and "Connected" in text and "Latency:" in text and "Server: sqlite" in text
    assert "perfex tables found" in text
    qtbot.keyClicks(crm.form.inputs["url"], "x")  # any edit makes that green result stale
    assert crm.result is None and "test the connection again" in crm.result_label.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_a_wrong_token_fails_the_test_with_the_system_s_answer(qtbot, wizard, first_start):
    fill_systems(qtbot, wizard)
    crm = wizard.connections[Side.CRM]
    _type(qtbot, crm, "url", first_start.crm_url)
    _test(qtbot, crm)
    _next(qtbot, wizard)
    erp = wizard.connections[Side.ERP]
    _type(qtbot, erp, "url", first_start.erp_url)
    qtbot.mouseClick(erp.test_button, LEFT)  # the token is required: the test names it and does not run
    assert erp.result is None and erp.form.errors["secret:token"].text() == "required"
    _type(qtbot, erp, "secret:token", "wrong-token")
    _test(qtbot, erp)
    assert not erp.result.ok and erp.result.reachable
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_cancel_saves_nothing(qtbot, wizard, first_start, memory_keyring):
    fill_systems(qtbot, wizard)
    fill_connections(qtbot, wizard, first_start)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CancelButton), LEFT)
    assert first_start.ctx.service.config.list_profiles() == []
    assert memory_keyring.entries == {}


def test_save_stores_the_profile_and_puts_the_token_in_the_keyring_only(qtbot, wizard, first_start, memory_keyring):
    fill_systems(qtbot, wizard)
    fill_connections(qtbot, wizard, first_start)
    entities = wizard.entities
    qtbot.waitUntil(lambda: bool(entities.names), timeout=15_000)
    assert {"clients", "contacts", "leads"} <= set(entities.names)
    clients = entities.row_of("clients")
    assert entities.table.item(clients, 0).checkState() == Qt.CheckState.Checked
    policy = entities.table.cellWidget(clients, 3)
    policy.setCurrentIndex(policy.findData("erp_wins"))
    assert "the ERP's version is kept" in entities.explanation.text()
    assert "Recommended" in entities.explanation.text()
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.schedule.every, LEFT)
    wizard.schedule.unit.setCurrentText("minutes")
    wizard.schedule.amount.setValue(30)
    _next(qtbot, wizard)
    assert "every 30 minutes" in wizard.summary.text.text()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)

    profile = first_start.ctx.service.profile("Office")
    assert profile.crm.kind == "sql" and profile.erp.url == first_start.erp_url and profile.erp.auth == "bearer"
    assert profile.entity("clients").policy == "erp_wins" and profile.entity("clients").fields
    assert profile.schedule.enabled and profile.schedule.interval_hours == pytest.approx(0.5)
    assert first_start.ctx.secrets.get("Office", Side.ERP, "token") == DEMO_AUTH_TOKEN
    # the token is in the keyring and in no file of the data directory (state database included)
    for path in first_start.ctx.data_dir.rglob("*"):
        if path.is_file():
            assert DEMO_AUTH_TOKEN.encode() not in path.read_bytes(), path


def test_the_test_of_a_crm_database_names_the_tables_it_misses(qtbot, wizard, first_start):
    import sqlite3

    with sqlite3.connect(first_start.crm_path) as db:
        db.execute("drop table tblleads")
    fill_systems(qtbot, wizard)
    crm = wizard.connections[Side.CRM]
    _type(qtbot, crm, "url", first_start.crm_url)
    _test(qtbot, crm)
    assert crm.result.ok
    assert "missing table tblleads (entity leads)" in crm.result_label.text().splitlines()


def _to_summary(qtbot, wizard, start) -> None:
    fill_systems(qtbot, wizard)
    fill_connections(qtbot, wizard, start)
    qtbot.waitUntil(lambda: bool(wizard.entities.names), timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    _next(qtbot, wizard)


def test_without_a_keyring_save_says_so_and_stores_nothing(qtbot, wizard, first_start):
    import keyring
    from keyring.backends import fail

    _to_summary(qtbot, wizard, first_start)
    keyring.set_keyring(fail.Keyring())  # the memory keyring fixture puts its own back afterwards
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    assert wizard.isVisible() and wizard.currentPage() is wizard.summary
    assert "The profile was not saved" in wizard.summary.problems.text()
    assert "keyring" in wizard.summary.problems.text().lower()
    assert first_start.ctx.service.config.list_profiles() == []


def test_the_currency_step_proposes_by_iso_code_and_flags_pairing_by_equal_ids(qtbot, wizard, first_start,
                                                                               memory_keyring):
    import sqlite3

    # this CRM keeps its currencies under other ids than the ERP: its id 1 is USD and its id 3 is RON
    with sqlite3.connect(first_start.crm_path) as db:
        for currency_id, name in ((1, "TMP"), (3, "RON"), (1, "USD")):
            db.execute("UPDATE tblcurrencies SET name = ? WHERE id = ?", (name, currency_id))
    fill_systems(qtbot, wizard)
    fill_connections(qtbot, wizard, first_start)
    qtbot.waitUntil(lambda: bool(wizard.entities.names), timeout=15_000)
    _next(qtbot, wizard)
    page = wizard.currencies
    qtbot.waitUntil(lambda: page.loaded, timeout=15_000)

    erp_codes = {c.id: c.code for c in page.editor.codes(Side.ERP)}
    crm_codes = {c.id: c.code for c in page.editor.codes(Side.CRM)}
    mapping = wizard.state.currency_mapping
    assert set(mapping) == set(erp_codes) and all(erp_codes[e] == crm_codes[str(c)] for e, c in mapping.items())
    ron = next(i for i, code in erp_codes.items() if code == "RON")
    assert str(mapping[ron]) == "3"  # RON to the CRM's RON, not to its id 1 (USD)
    note = page.note.text()
    assert "Proposed by ISO code" in note and "amounts in RON would be written as USD" in note
    assert page.editor.warnings() == []  # the proposal itself writes every amount in its own currency
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    saved = first_start.ctx.service.profile("Office").entity("clients").currency_mapping
    assert {k: str(v) for k, v in saved.items()} == {k: str(v) for k, v in mapping.items()}
