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
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import EndpointStatus
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.connection_changes import setting_changes
from erpsync_gui.ui.pages.connection_loading import ConnectionsView, read_connections
from erpsync_gui.ui.pages.connection_secrets import write_secret_changes
from erpsync_gui.ui.pages.connection_signin import SignInFlow
from erpsync_gui.ui.pages.connection_testing import ConnectionTests
from erpsync_gui.ui.pages.endpoint_form import EndpointForm
from erpsync_gui.ui.pages.expired_banner import ExpiredBanner
from erpsync_gui.ui.pages.marker_offer import MarkerOffer
from erpsync_gui.ui.pages.side_result import SideResult
from erpsync_gui.ui.widgets.latest_read import LatestRead
from erpsync_gui.ui.widgets.layouts import page_layout

log = logging.getLogger("erpsync.ui")


class ConnectionsPage(ConnectionTests, QWidget):
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
        self._reads = LatestRead(self, self._arrived, self._read_failed)
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
        ctx.profile.changed.connect(lambda _name: self.refresh())
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
        """Re-read the profile on a pool thread; the forms change only where the settings did, and not while the
        user edits them (a page shown while a sync runs must not wait for the store or the keyring, nor build
        its inputs again)."""
        name = self.ctx.profile.name
        if name is None:
            self._show_none()
            return
        service = self.ctx.service
        self._reads.start(lambda: read_connections(service, name))

    def prepare(self) -> None:
        """Read and fill the forms ahead of the first visit (the window asks at launch, in an idle moment)."""
        if self.profile is None:
            self.refresh()

    # -- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Show the profile as saved, now (Revert, after Save): edits are dropped."""
        name = self.ctx.profile.name
        if name is None:
            self._show_none()
            return
        try:
            view = read_connections(self.ctx.service, name)
        except ERPSyncError as exc:
            self._read_failed(exc)
            return
        self._show(view, force=True)

    def _show_none(self) -> None:
        self._say(None)
        self.profile = None
        self.setEnabled(False)

    def _read_failed(self, exc: BaseException) -> None:
        self.profile = None
        self._say(str(exc), error=True)

    def _arrived(self, view: ConnectionsView) -> None:
        if view.profile.name != self.ctx.profile.name:  # another profile was chosen meanwhile
            return
        self._show(view, force=False)

    def _show(self, view: ConnectionsView, *, force: bool) -> None:
        """Fill the forms from `view`; unless `force`, a form already showing those settings is left as it is,
        and edits begun while the profile was read are kept (only the stored statuses change under them)."""
        editing = not force and self.profile is not None and self.profile.name == view.profile.name \
            and self.is_dirty()
        if not editing:
            self._say(view.keyring_problem, error=view.keyring_problem is not None)
            self.profile = view.profile
            self.setEnabled(True)
            for side, form in self.forms.items():
                endpoint, stored = view.profile.endpoint(side), view.secrets.get(side, {})
                if force or not form.shows(endpoint, stored):
                    form.load(endpoint, stored)
                if side not in self.signing.busy:
                    form.sign_in_status.setText("")
        self._show_status(view.status)
        self._update_buttons()

    def _show_status(self, stored: dict[Side, EndpointStatus]) -> None:
        """The status each side's last test, sign-in or run stored; the expired-sign-in banner follows it."""
        for side, status in stored.items():
            self.results[side].show_stored(status)
        self.expired.show_expired(side for side, status in stored.items() if status.status == "expired")

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
        """Read the stored statuses again: a run may have found a rejected refresh token (edits stay)."""
        if self.profile is not None and profile == self.profile.name:
            self.refresh()
