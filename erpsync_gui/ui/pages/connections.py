"""Connections: both sides' settings, secrets kept in the keyring, and a background connection test."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QWidget,
)

from erpsync_gui.app.oauth_login import SignInOutcome
from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.errors import ERPSyncError, KeyringUnavailableError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import EndpointStatus
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.connection_changes import setting_changes
from erpsync_gui.ui.pages.connection_secrets import stored_secrets, typed_secrets, write_secret_changes
from erpsync_gui.ui.pages.connection_signin import SignInFlow
from erpsync_gui.ui.pages.endpoint_form import EndpointForm
from erpsync_gui.ui.pages.expired_banner import ExpiredBanner
from erpsync_gui.ui.pages.marker_offer import MarkerOffer
from erpsync_gui.ui.pages.side_result import SideResult
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.connection_page import endpoint_tester

log = logging.getLogger("erpsync.ui")


class ConnectionsPage(QWidget):
    """Both endpoints of the current profile. Save writes settings to the database and secrets to the keyring."""

    title = "Connections"
    icon = "connections"
    help_topic = "connections"
    #: (profile name, {Side: CheckResult}) after a connection test
    tested = Signal(str, object)
    #: the profile's settings were saved
    saved = Signal(str)
    #: (profile name, Side) after a successful OAuth2 sign-in
    signed_in = Signal(str, object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 open_browser: Callable[[str], Any] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile: ProfileConfig | None = None
        self._testing = False
        self.expired = ExpiredBanner()
        self.forms = {Side.CRM: EndpointForm("CRM"), Side.ERP: EndpointForm("ERP")}
        self.signing = SignInFlow(ctx, self.forms, self, open_browser=open_browser)
        self.signing.finished.connect(self._signed_in)
        self.signing.failed.connect(self._sign_in_failed)
        self.results = {side: SideResult(side) for side in Side}
        self.message = QLabel()
        self.message.setObjectName("banner")
        self.message.setWordWrap(True)
        self.message.hide()
        self.markers = MarkerOffer(ctx)
        self.test_button = QPushButton(icons.icon("test"), "&Test connection")
        self.test_button.setToolTip("Check both sides (edited settings first, saved only when they pass): "
                                    "reachable, signed in, latency")
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Show the settings as saved")
        self.save_button = QPushButton(icons.icon("save"), "&Save")
        self.save_button.setToolTip("Settings to the database, secrets to the system keyring")
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)

        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 4, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(12)
        grid.addWidget(self.forms[Side.CRM], 0, 0)
        grid.addWidget(self.forms[Side.ERP], 0, 1)
        grid.addWidget(self.results[Side.CRM], 1, 0)
        grid.addWidget(self.results[Side.ERP], 1, 1)
        grid.addWidget(self.markers, 2, 0, 1, 2)
        grid.setRowStretch(3, 1)
        self.body_scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        # the message sits beside the buttons, not above the forms: showing it never moves a field under the
        # pointer
        buttons.addWidget(self.message, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = page_layout(self, self.title, "Where ERPSync reads and writes, and how it signs in. Passwords and "
                                               "tokens are kept in the system keyring, never in the database.")
        layout.addWidget(self.expired)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        for side, form in self.forms.items():
            form.changed.connect(self._update_buttons)
            form.changed.connect(lambda s=side: self._stale(s))
            form.sign_in_requested.connect(lambda s=side: self._sign_in_clicked(s))
        self.expired.sign_in_requested.connect(self._sign_in_clicked)
        ctx.bridge.run_finished.connect(self._run_ended)
        ctx.bridge.run_failed.connect(self._run_ended)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.reload)
        self.test_button.clicked.connect(self.test_connection)
        ctx.profile.changed.connect(lambda _name: self.reload())
        self.setTabOrder(self.forms[Side.CRM], self.forms[Side.ERP])
        self._update_buttons()

    @property
    def open_browser(self) -> Callable[[str], Any]:
        """Opens the authorization URL of a sign-in; the system browser unless a test hands in its own."""
        return self.signing.open_browser

    @open_browser.setter
    def open_browser(self, opener: Callable[[str], Any]) -> None:
        self.signing.open_browser = opener

    @property
    def login_timeout(self) -> float:
        """How long a sign-in waits for the browser to come back, in seconds."""
        return self.signing.login_timeout

    @login_timeout.setter
    def login_timeout(self, seconds: float) -> None:
        self.signing.login_timeout = seconds

    # -- page contract ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the profile unless the user is in the middle of editing it."""
        if self.profile is None or self.profile.name != self.ctx.profile.name or not self.is_dirty():
            self.reload()

    # -- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self._say(None)
        name = self.ctx.profile.name
        if name is None:
            self.profile = None
            self.setEnabled(False)
            return
        try:
            self.profile = self.ctx.service.profile(name)
        except ERPSyncError as exc:
            self.profile = None
            self._say(str(exc), error=True)
            return
        self.setEnabled(True)
        for side, form in self.forms.items():
            form.load(self.profile.endpoint(side), self._stored_secrets(side))
            if side not in self.signing.busy:
                form.sign_in_status.setText("")
        for side, status in self._stored_status().items():
            self.results[side].show_stored(status)
        self._update_buttons()

    def _stored_secrets(self, side: Side) -> dict[str, bool]:
        assert self.profile is not None
        try:
            return stored_secrets(self.ctx.secrets, self.profile.name, side)
        except KeyringUnavailableError as exc:
            self._say(f"{exc.message}. Secrets cannot be stored or changed here ({exc.hint}).", error=True)
            return {}

    def _stored_status(self) -> dict[Side, EndpointStatus]:
        """The status each side's last test, sign-in or run stored; the expired-sign-in banner follows it."""
        if self.profile is None or self.profile.id is None:
            return {}
        try:
            stored = self.ctx.service.config.endpoint_status(self.profile.id)
        except ERPSyncError as exc:
            log.warning("endpoint status of %s unreadable: %s", self.profile.name, exc)
            return {}
        self.expired.show_expired(side for side, status in stored.items() if status.status == "expired")
        return stored

    # -- state -----------------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return any(form.is_dirty() for form in self.forms.values())

    def is_valid(self) -> bool:
        return all(form.validator.validate() for form in self.forms.values())

    def _update_buttons(self) -> None:
        valid = all(form.validator.valid for form in self.forms.values())
        dirty = self.profile is not None and self.is_dirty()
        self.save_button.setEnabled(dirty and valid)
        self.revert_button.setEnabled(dirty)
        self.test_button.setEnabled(self.profile is not None and valid and not self._testing)
        self.test_button.setText("&Test, then save" if dirty else "&Test connection")
        for side, form in self.forms.items():
            form.sign_in_button.setEnabled(self.profile is not None and valid and side not in self.signing.busy)
            form.sign_in_button.setText("Save and sign in…" if dirty else "Sign in…")
            self.expired.set_busy(side, side in self.signing.busy)

    def _stale(self, side: Side) -> None:
        """A shown test result no longer holds once a setting of its side is edited."""
        if self.forms[side].is_dirty() and not self._testing:
            self.results[side].show_stale()

    def _say(self, text: str | None, *, error: bool = False) -> None:
        self.message.setVisible(bool(text))
        self.message.setText(text or "")
        self.message.setProperty("level", "error" if error else "info")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    # -- saving ----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Secrets to the keyring, settings to the database; False (and nothing lost) when it cannot."""
        if self.profile is None or not self.is_valid():
            self._update_buttons()
            return False
        name = self.profile.name
        before = self.profile
        try:
            secrets_changed = write_secret_changes(self.ctx.secrets, name, self.forms)
            updated = dataclasses.replace(self.profile, crm=self.forms[Side.CRM].endpoint(),
                                          erp=self.forms[Side.ERP].endpoint())
            self.profile = self.ctx.service.config.save_profile(updated)
        except ERPSyncError as exc:
            self._say(f"Not saved: {self.ctx.service.redact(str(exc))}", error=True)
            log.warning("Connection settings of %s not saved: %s", name, self.ctx.service.redact(str(exc)),
                        extra={"profile_id": before.id})
            return False
        changes = [*setting_changes(before, self.profile), *secrets_changed]
        said = self.ctx.service.redact("; ".join(changes)) or "nothing changed"
        log.info("Connection settings of %s saved: %s", name, said, extra={"profile_id": self.profile.id})
        self.reload()
        self._say("Saved.")
        self.saved.emit(name)
        self.ctx.profile.saved.emit(name)
        return True

    # -- testing ---------------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Test both sides on a pool thread; edited settings are tested before they are saved."""
        if self.profile is None or self._testing:
            return
        if self.is_dirty():
            self._test_typed()
            return
        name = self.profile.name
        self._testing = True
        for card in self.results.values():
            card.show_busy()
        self._update_buttons()
        service = self.ctx.service
        run_in_background(lambda: service.test_connections(name), owner=self,
                          on_done=lambda results: self._tested(name, results),
                          on_error=lambda exc: self._test_failed(name, exc))

    def _test_typed(self) -> None:
        """Test the edited settings before anything is stored; save them only when both sides pass, so a wrong
        URL or token never replaces working settings."""
        if not self.is_valid():
            self._update_buttons()
            return
        assert self.profile is not None
        name = self.profile.name
        try:
            typed = {side: (form.endpoint(), typed_secrets(self.ctx.secrets, name, side, form))
                     for side, form in self.forms.items()}
        except ERPSyncError as exc:
            self._say(f"Not tested: {self.ctx.service.redact(str(exc))}", error=True)
            return
        self._testing = True
        for card in self.results.values():
            card.show_busy()
        self._update_buttons()
        test = endpoint_tester(self.ctx.service.sandbox.resolve)
        run_in_background(lambda: {side: test(*typed[side]) for side in Side}, owner=self,
                          on_done=lambda results: self._typed_tested(name, results),
                          on_error=lambda exc: self._test_failed(name, exc))

    def _typed_tested(self, name: str, results: dict[Side, CheckResult]) -> None:
        self._testing = False
        for side, result in results.items():
            self.results[side].show_result(result)
        self._show_results()
        self._update_buttons()
        if self.profile is None or self.profile.name != name:
            return
        if not all(result.ok for result in results.values()):
            failed = " and ".join(side.value.upper() for side, result in results.items() if not result.ok)
            self._say(f"Not saved: the {failed} test failed with these settings. Correct them, or Save anyway.",
                      error=True)
            return
        if self.save():
            self.test_connection()  # the saved settings' test records each side's status and clock offset

    def _tested(self, name: str, results: dict[Side, CheckResult]) -> None:
        self._testing = False
        stored = self._stored_status()  # the test stored each side's verdict with its time
        for side, result in results.items():
            status = stored.get(side)
            self.results[side].show_result(result, status.tested_at if status is not None else None)
        crm = results.get(Side.CRM)
        self.markers.button.show()
        self.markers.show_for(name, tuple(crm.details) if crm is not None else ())
        self._show_results()
        self._update_buttons()
        self.tested.emit(name, results)

    def _test_failed(self, name: str, exc: BaseException) -> None:
        self._testing = False
        message = self.ctx.service.redact(str(exc))
        log.error("connection test of %s failed: %s", name, message)
        failed = CheckResult(False, False, False, None, f"The test could not run: {message}")
        for card in self.results.values():
            card.show_result(failed)
        self._show_results()
        self._update_buttons()

    def _show_results(self) -> None:
        """Scroll the test's results into view: on a small or scaled screen they sit below the forms."""
        for card in self.results.values():
            self.body_scroll.ensureWidgetVisible(card, 0, 0)

    # -- OAuth2 sign-in --------------------------------------------------------------------------

    def sign_in(self, side: Side) -> bool:
        """Save pending edits, then run the browser sign-in of `side` on a pool thread; False when it cannot start."""
        if self.profile is None or side in self.signing.busy:
            return False
        if self.is_dirty() and not self.save():
            return False
        if self.forms[side].current_auth() != "oauth2":
            self._say(f"The {side.value.upper()} side does not use OAuth2: choose \"OAuth2 (authorization code)\" "
                      "as its authentication first.", error=True)
            return False
        self.signing.start(self.profile.name, side)
        self._update_buttons()
        return True

    def _sign_in_clicked(self, side: Side) -> None:
        self.sign_in(side)  # a slot returns nothing to Qt

    def is_signing_in(self, side: Side | None = None) -> bool:
        return bool(self.signing.busy) if side is None else side in self.signing.busy

    def _signed_in(self, outcome: SignInOutcome) -> None:
        side = outcome.side
        learnt = self.profile is not None and outcome.profile.endpoint(side) != self.profile.endpoint(side)
        if not self.is_dirty():
            self.reload()
        self._say(f"{side.value.upper()} signed in. Its refresh token is kept in the system keyring.")
        self._update_buttons()
        self.signed_in.emit(outcome.profile.name, side)
        if learnt:
            self.ctx.profile.saved.emit(outcome.profile.name)

    def _sign_in_failed(self, side: Side, message: str) -> None:
        self._say(f"The {side.value.upper()} sign-in did not complete: {message}", error=True)
        self._update_buttons()

    # -- expiry ----------------------------------------------------------------------------------

    def _run_ended(self, profile: str, *_args: object) -> None:
        """Re-read the stored statuses: a run may have found a rejected refresh token."""
        if self.profile is None or profile != self.profile.name or self.profile.id is None:
            return
        # on a pool thread: another run may be writing the store, and the window must not wait for it
        config, profile_id, name = self.ctx.service.config, self.profile.id, self.profile.name
        run_in_background(lambda: config.endpoint_status(profile_id), owner=self,
                          on_done=lambda stored: self._show_expired(name, stored),
                          on_error=lambda exc: log.warning("endpoint status of %s unreadable: %s", name, exc))

    def _show_expired(self, name: str, stored: dict[Side, EndpointStatus]) -> None:
        if self.profile is not None and self.profile.name == name:
            self.expired.show_expired(side for side, status in stored.items() if status.status == "expired")
