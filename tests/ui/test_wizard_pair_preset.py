"""The setup wizard offers the payamgostar-siagh preset when those are the two systems: clicked through against
the fakes, Save stores the preset's profile on the wizard's connection settings, and its first sync is the
initial import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from erpsync_gui.records import Direction, Side
from erpsync_gui.ui.wizard.wizard import SetupWizard
from tests.fakes.payamgostar import PayamgostarFake
from tests.fakes.siagh import SiaghFake
from tests.ui.test_setup_wizard import _next, _test, _type

LEFT = Qt.MouseButton.LeftButton
NAME = "Office"


@pytest.fixture
def fakes() -> Iterator[tuple[PayamgostarFake, SiaghFake]]:
    crm, erp = PayamgostarFake().start(), SiaghFake().start()
    yield crm, erp
    crm.stop()
    erp.stop()


def _to_entities(qtbot, wizard: SetupWizard, crm: PayamgostarFake, erp: SiaghFake):
    qtbot.keyClicks(wizard.systems.name_edit, NAME)
    wizard.systems.select(Side.CRM, "payamgostar")
    wizard.systems.select(Side.ERP, "siagh")
    _next(qtbot, wizard)
    for side, fake in ((Side.CRM, crm), (Side.ERP, erp)):
        page = wizard.connections[side]
        _type(qtbot, page, "url", fake.url)
        page.form.inputs["options.username"].insert(fake.username)  # Siagh's user is Persian: not typable by keys
        _type(qtbot, page, "secret:password", fake.password)
        _test(qtbot, page)
        assert page.result.ok, page.result_label.text()
        _next(qtbot, wizard)
    entities = wizard.entities
    qtbot.waitUntil(lambda: bool(entities.names), timeout=15_000)
    return entities


def test_the_wizard_offers_the_pair_preset_and_saves_its_profile(qtbot, first_start, fakes):
    crm, erp = fakes
    code = erp.add_contact(Name="شركة كاوه یکتا", TowardType=False)
    person = crm.add_person(nickName="شركة كاوه یکتا", customerNumber=f"100-{code + 1000}")
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    entities = _to_entities(qtbot, wizard, crm, erp)

    assert entities.use_preset.isVisible() and entities.use_preset.isChecked()
    assert "Payamgostar CRM and Siagh Finance" in entities.use_preset.text()
    assert "imported from Finance once" in entities.preset_words.text()
    assert "initial import Finance → CRM" in entities.preset_words.toolTip()
    assert entities.names == ["clients", "orders"]
    clients = entities.row_of("clients")
    direction = entities.table.cellWidget(clients, 2)
    assert Direction(direction.currentData()) is Direction.EXPORT and not direction.isEnabled()
    assert entities.table.item(clients, 5).text() == "customerNumber"
    qtbot.mouseClick(entities.table.viewport(), LEFT,
                     pos=entities.table.visualItemRect(entities.table.item(clients, 1)).center())
    assert "customerNumber ↔ Code" in entities.fields_view.text()

    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currencies.loaded, timeout=15_000)
    _next(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.first_look.loaded, timeout=60_000)
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)

    service = first_start.ctx.service
    profile = service.profile(NAME)
    assert profile.crm.options["username"] == crm.username and profile.crm.options["webhook"]["enabled"]
    assert profile.crm.options["webhook"]["poll_minutes"] == 5
    assert profile.entity("clients").first_direction is Direction.IMPORT
    assert profile.entity("orders").direction is Direction.EXPORT
    assert first_start.ctx.secrets.get(NAME, Side.ERP, "password") == erp.password

    first = service.sync("clients", profile_name=NAME, approved=True)  # the wizard's Save and sync runs this
    assert first.direction is Direction.IMPORT and first.counts["linked"] == 1, first.message
    assert person in crm.identities


def test_without_the_preset_the_kinds_default_mappings_come_back(qtbot, first_start, fakes):
    crm, erp = fakes
    wizard = SetupWizard(first_start.ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    entities = _to_entities(qtbot, wizard, crm, erp)

    qtbot.mouseClick(entities.use_preset, LEFT)
    assert wizard.state.pair_preset is None
    qtbot.waitUntil(lambda: bool(entities.names), timeout=15_000)
    clients = entities.row_of("clients")
    assert entities.table.cellWidget(clients, 2).isEnabled()
    assert entities.table.item(clients, 5).text() != "customerNumber"  # the kinds' own keys
    qtbot.mouseClick(entities.use_preset, LEFT)
    qtbot.waitUntil(lambda: bool(entities.names) and entities.table.item(0, 5).text() == "customerNumber",
                    timeout=15_000)
    assert wizard.state.pair_preset == "payamgostar-siagh"
