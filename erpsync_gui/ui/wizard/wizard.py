"""The connection wizard: systems, the connection of each side with its test, entities, schedule, summary and
Save (or Save and sync now). Cancel at any step leaves nothing behind: the secrets reach the keyring and the
profile the state database only on Save."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget, QWizard

from erpsync_gui import APP_NAME
from erpsync_gui.app.first_look import first_look
from erpsync_gui.config.kinds import kinds
from erpsync_gui.connectors.perfex.choices import ReferenceChoice
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.secrets import EndpointSecrets
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.wizard.connection_page import ConnectionPage, endpoint_tester
from erpsync_gui.ui.wizard.currency_page import CurrencyPage
from erpsync_gui.ui.wizard.entities_page import EntitiesPage
from erpsync_gui.ui.wizard.first_look_page import FirstLookPage
from erpsync_gui.ui.wizard.perfex_page import PerfexPage
from erpsync_gui.ui.wizard.schedule_page import SchedulePage
from erpsync_gui.ui.wizard.state import WizardState
from erpsync_gui.ui.wizard.summary_page import SummaryPage
from erpsync_gui.ui.wizard.systems_page import SystemsPage

log = logging.getLogger("erpsync.ui")


class SetupWizard(QWizard):
    """Built from the UiContext; `saved_profile` holds what Save stored, `sync_now` whether to sync at once."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = WizardState()
        self.sync_now = False
        self.setWindowTitle(f"Connect your systems — {APP_NAME}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Save")
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Save and s&ync now")
        self.setMinimumSize(QSize(640, 440))  # fits a 1366x768 screen at 150 % with the taskbar
        b = QWizard.WizardButton
        self.setButtonLayout([b.Stretch, b.BackButton, b.NextButton, b.CustomButton1, b.FinishButton, b.CancelButton])
        taken = [p.name for p in ctx.service.config.list_profiles()]
        resolve = ctx.service.sandbox.resolve
        self.systems = SystemsPage(self.state, taken)
        self.connections = {side: ConnectionPage(self.state, side, endpoint_tester(resolve)) for side in Side}
        self.entities = EntitiesPage(self.state, _lister(resolve))
        self.currencies = CurrencyPage(self.state, _currency_reader(resolve))
        self.perfex = PerfexPage(self.state, _choice_reader(resolve))
        self.first_look = FirstLookPage(self.state, _looker(resolve, ctx.service.redact))
        self.schedule = SchedulePage(self.state)
        self.summary = SummaryPage(self.state, self._save)
        for page in (self.systems, self.connections[Side.CRM], self.connections[Side.ERP], self.entities,
                     self.currencies, self.perfex, self.first_look, self.schedule, self.summary):
            self.addPage(page)
        self._perfex_id = self.pageIds()[5]
        self.customButtonClicked.connect(self._save_and_sync)
        self.currentIdChanged.connect(self._page_shown)
        self._page_shown(self.currentId())

    def nextId(self) -> int:
        """The Perfex step only for a Perfex CRM; other CRMs go from the currencies to the first look."""
        following = super().nextId()
        if following == self._perfex_id and not self.perfex.applies():
            return self.perfex.nextId()
        return following

    @property
    def saved_profile(self) -> ProfileConfig | None:
        return self.summary.saved

    def _page_shown(self, _page_id: int) -> None:
        self.button(QWizard.WizardButton.CustomButton1).setVisible(self.currentPage() is self.summary)

    def _save_and_sync(self, which: int) -> None:
        if which == QWizard.WizardButton.CustomButton1.value or which == QWizard.WizardButton.CustomButton1:
            self.sync_now = True
            self.button(QWizard.WizardButton.FinishButton).click()

    def _save(self, state: WizardState) -> ProfileConfig:
        """Check the profile, then the secrets to the keyring, then the profile with each side's connection
        test as its endpoint status; a failed save takes the secrets it wrote away again."""
        profile = state.profile()
        secrets = self.ctx.secrets
        state.store_secrets(secrets, profile.name)
        try:
            saved = self.ctx.service.config.save_profile(profile)
        except ERPSyncError:
            for side, values in state.secrets.items():
                for name in values:
                    secrets.delete(profile.name, side, name)
            raise
        self._store_tests(saved, state)
        return saved

    def _store_tests(self, profile: ProfileConfig, state: WizardState) -> None:
        """The verdict of each side's test (of exactly the settings saved: an edit drops it) with its time."""
        assert profile.id is not None
        for side, result in state.tested.items():
            tested_at = state.tested_at.get(side)
            if tested_at is None:
                continue
            try:
                self.ctx.service.config.set_endpoint_status(profile.id, side, "active" if result.ok else "error",
                                                            self.ctx.service.redact(result.message),
                                                            tested_at=tested_at)
            except ERPSyncError as exc:  # the profile is saved; only the remembered test is lost
                log.warning("the connection test of the %s side of %s was not stored: %s", side.value.upper(),
                            profile.name, exc)


def _lister(resolve):
    def entities(endpoint: EndpointConfig, secrets: dict[str, str]) -> Sequence[str]:
        connector = kinds()[endpoint.kind].build(resolve(endpoint), EndpointSecrets(secrets))
        try:
            return list(connector.entities())
        finally:
            connector.close()

    return entities


def _currency_reader(resolve):
    def currencies(endpoint: EndpointConfig, secrets: dict[str, str]) -> dict[str, Any]:
        connector = kinds()[endpoint.kind].build(resolve(endpoint), EndpointSecrets(secrets))
        try:
            if "currencies" not in connector.entities():
                raise ConfigError(f"{kinds()[endpoint.kind].label} lists no currencies")
            return {record.id: record.data for page in connector.changes("currencies", None, 200)
                    for record in page.records}
        finally:
            connector.close()

    return currencies


def _choice_reader(resolve):
    def choices(endpoint: EndpointConfig, secrets: dict[str, str]) -> list[ReferenceChoice]:
        connector = kinds()[endpoint.kind].build(resolve(endpoint), EndpointSecrets(secrets))
        try:
            read = getattr(connector, "perfex_choices", None)
            return list(read()) if read is not None else []
        finally:
            connector.close()

    return choices


def _looker(resolve, redact):
    def look(profile: ProfileConfig, state: WizardState):
        def connector(side: Side):
            endpoint = profile.endpoint(side)
            return kinds()[endpoint.kind].build(resolve(endpoint), EndpointSecrets(state.secrets.get(side, {})))

        return first_look(profile, connector, redact=redact)

    return look
