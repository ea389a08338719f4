"""Connections: both sides' settings, secrets kept in the keyring, and a background connection test."""

from __future__ import annotations

import dataclasses
import logging
import time
import webbrowser
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.oauth_login import SignInOutcome, sign_in
from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.errors import ERPSyncError, KeyringUnavailableError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.connection_changes import setting_changes
from erpsync_gui.ui.pages.endpoint_form import SECRET_LABELS, EndpointForm
from erpsync_gui.ui.pages.expired_banner import ExpiredBanner
from erpsync_gui.ui.pages.marker_offer import MarkerOffer
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.status_badge import StatusBadge
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.connection_page import endpoint_tester

log = logging.getLogger("erpsync.ui")


class SideResult(QFrame):
    """The outcome of one side's connection test: overall badge, the three checks and the cause."""

    def __init__(self, side: Side, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.side = side
        self.overall = StatusBadge(f"{side.value.upper()}: not tested yet", "idle")
        self.overall.label.setObjectName("cardTitle")
        self.reachable = StatusBadge("Reachable", "idle")
        self.authenticated = StatusBadge("Signed in", "idle")
        self.latency = QLabel("Latency: -")
        self.cause = QLabel("")
        self.cause.setWordWrap(True)
        self.cause.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(self.overall)
        checks = QHBoxLayout()
        checks.setSpacing(18)
        checks.addWidget(self.reachable)
        checks.addWidget(self.authenticated)
        checks.addWidget(self.latency)
        checks.addStretch(1)
        layout.addLayout(checks)
        layout.addWidget(self.cause)

    def show_busy(self) -> None:
        self.overall.set_status("busy", f"{self.side.value.upper()}: testing…")
        self.cause.setText("")

    def show_result(self, result: CheckResult) -> None:
        name = self.side.value.upper()
        if result.ok:
            self.overall.set_status("ok", f"{name}: connected" + (f" ({result.server})" if result.server else ""))
        elif result.reachable:
            self.overall.set_status("warn", f"{name}: reachable, but not usable")
        else:
            self.overall.set_status("error", f"{name}: cannot be reached")
        self.reachable.set_status("ok" if result.reachable else "error",
                                  "Reachable" if result.reachable else "Not reachable")
        self.authenticated.set_status("ok" if result.authenticated else ("error" if result.reachable else "idle"),
                                      "Signed in" if result.authenticated else "Not signed in")
        self.latency.setText(f"Latency: {result.latency_ms:.0f} ms" if result.latency_ms is not None
                             else "Latency: -")
        # the findings beside the verdict (the expected tables a database misses, by name)
        self.cause.setText("\n".join([result.message, *result.details]))


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
    #: (Side, authorization URL), emitted from the sign-in worker so the page can offer the link
    _login_url = Signal(object, str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 open_browser: Callable[[str], Any] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile: ProfileConfig | None = None
        self._testing = False
        #: opens the authorization URL; the system browser unless a test hands in its own
        self.open_browser: Callable[[str], Any] = open_browser or webbrowser.open
        #: how long a sign-in waits for the browser to come back, in seconds
        self.login_timeout = 300.0
        self._signing_in: set[Side] = set()
        self.expired = ExpiredBanner()
        self.forms = {Side.CRM: EndpointForm("CRM"), Side.ERP: EndpointForm("ERP")}
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
        self._login_url.connect(self._show_login_url)
        ctx.bridge.run_finished.connect(self._run_ended)
        ctx.bridge.run_failed.connect(self._run_ended)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.reload)
        self.test_button.clicked.connect(self.test_connection)
        ctx.profile.changed.connect(lambda _name: self.reload())
        self.setTabOrder(self.forms[Side.CRM], self.forms[Side.ERP])
        self._update_buttons()

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
            if side not in self._signing_in:
                form.sign_in_status.setText("")
        self._show_stored_status()
        self._update_buttons()

    def _stored_secrets(self, side: Side) -> dict[str, bool]:
        try:
            return {n: self.ctx.secrets.has(self.profile.name, side, n) for n in SECRET_LABELS}
        except KeyringUnavailableError as exc:
            self._say(f"{exc.message}. Secrets cannot be stored or changed here ({exc.hint}).", error=True)
            return {}

    def _show_stored_status(self) -> None:
        """The last recorded test result of each side, until a new test runs."""
        if self.profile is None or self.profile.id is None:
            return
        try:
            stored = self.ctx.service.config.endpoint_status(self.profile.id)
        except ERPSyncError:
            return
        self.expired.show_expired(side for side, status in stored.items() if status.status == "expired")
        for side, status in stored.items():
            card = self.results[side]
            if status.status == "active" and not status.message:
                card.overall.set_status("idle", f"{side.value.upper()}: not tested yet")
                continue
            level = {"active": "ok", "expired": "warn"}.get(status.status, "error")
            card.overall.set_status(level, f"{side.value.upper()}: last test {status.status}")
            card.cause.setText(status.message or "")

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
            form.sign_in_button.setEnabled(self.profile is not None and valid and side not in self._signing_in)
            form.sign_in_button.setText("Save and sign in…" if dirty else "Sign in…")
            self.expired.set_busy(side, side in self._signing_in)

    def _stale(self, side: Side) -> None:
        """A shown test result no longer holds once a setting of its side is edited."""
        if self.forms[side].is_dirty() and not self._testing:
            card = self.results[side]
            card.overall.set_status("warn", f"{side.value.upper()}: changed since the last test")
            card.cause.setText("Test the connection again: the result shown was for the settings before the edit.")

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
        secrets_changed: list[str] = []
        try:
            for side, form in self.forms.items():
                for secret, change in form.secret_changes().items():
                    if change.removes:
                        self.ctx.secrets.delete(name, side, secret)
                    else:
                        self.ctx.secrets.set(name, side, secret, change.value)
                    done = "removed" if change.removes else "replaced"
                    secrets_changed.append(f"{side.value.upper()} {secret} {done}")
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
            typed = {side: (form.endpoint(), self._typed_secrets(side)) for side, form in self.forms.items()}
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

    def _typed_secrets(self, side: Side) -> dict[str, str]:
        """The side's secrets as they would be after Save: the stored ones with the typed changes over them."""
        assert self.profile is not None
        values = {n: v for n in SECRET_LABELS if (v := self.ctx.secrets.get(self.profile.name, side, n))}
        for secret, change in self.forms[side].secret_changes().items():
            if change.removes:
                values.pop(secret, None)
            else:
                values[secret] = change.value or ""
        return values

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
        for side, result in results.items():
            self.results[side].show_result(result)
        crm = results.get(Side.CRM)
        self.markers.button.show()
        self.markers.show_for(name, tuple(crm.details) if crm is not None else ())
        self._show_results()
        self._update_buttons()
        self._show_expired()
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
        if self.profile is None or side in self._signing_in:
            return False
        if self.is_dirty() and not self.save():
            return False
        form = self.forms[side]
        if form.current_auth() != "oauth2":
            self._say(f"The {side.value.upper()} side does not use OAuth2: choose \"OAuth2 (authorization code)\" "
                      "as its authentication first.", error=True)
            return False
        name, service, opener = self.profile.name, self.ctx.service, self.open_browser
        timeout, announce = self.login_timeout, (lambda url: self._login_url.emit(side, url))
        self._signing_in.add(side)
        form.sign_in_status.setText("Opening the sign-in page in your browser…")
        self._update_buttons()
        run_in_background(lambda: sign_in(service, name, side, open_browser=opener, announce=announce,
                                          timeout=timeout),
                          owner=self, on_done=self._signed_in, on_error=lambda exc: self._sign_in_failed(side, exc))
        return True

    def _sign_in_clicked(self, side: Side) -> None:
        self.sign_in(side)  # a slot returns nothing to Qt

    def is_signing_in(self, side: Side | None = None) -> bool:
        return bool(self._signing_in) if side is None else side in self._signing_in

    def _show_login_url(self, side: Side, url: str) -> None:
        if side in self._signing_in:
            self.forms[side].sign_in_status.setText(
                "Waiting for the sign-in in your browser… If no browser opened, "
                f'<a href="{escape(url, quote=True)}">open the sign-in page</a>.')

    def _signed_in(self, outcome: SignInOutcome) -> None:
        side = outcome.side
        self._signing_in.discard(side)
        learnt = self.profile is not None and outcome.profile.endpoint(side) != self.profile.endpoint(side)
        if not self.is_dirty():
            self.reload()
        until = (f"; access valid until {time.strftime('%H:%M', time.localtime(outcome.expires_at))}"
                 if outcome.expires_at else "")
        self.forms[side].sign_in_status.setText(f"Signed in{until}.")
        self._say(f"{side.value.upper()} signed in. Its refresh token is kept in the system keyring.")
        self._update_buttons()
        self.signed_in.emit(outcome.profile.name, side)
        if learnt:
            self.ctx.profile.saved.emit(outcome.profile.name)

    def _sign_in_failed(self, side: Side, exc: BaseException) -> None:
        self._signing_in.discard(side)
        message = self.ctx.service.redact(str(exc))
        log.warning("OAuth2 sign-in of the %s side failed: %s", side.value.upper(), message)
        self.forms[side].sign_in_status.setText("Not signed in.")
        self._say(f"The {side.value.upper()} sign-in did not complete: {message}", error=True)
        self._update_buttons()

    # -- expiry ----------------------------------------------------------------------------------

    def _run_ended(self, profile: str, *_args: object) -> None:
        if self.profile is not None and profile == self.profile.name:
            self._show_expired()

    def _show_expired(self) -> None:
        """Re-read the stored statuses: a run or a test may have found a rejected refresh token."""
        if self.profile is None or self.profile.id is None:
            return
        try:
            stored = self.ctx.service.config.endpoint_status(self.profile.id)
        except ERPSyncError as exc:
            log.warning("endpoint status of %s unreadable: %s", self.profile.name, exc)
            return
        self.expired.show_expired(side for side, status in stored.items() if status.status == "expired")
