"""The OAuth2 browser sign-in of one side from the Connections page: run on a pool thread, the authorization
link offered in case no browser opens, the outcome said beside the side's Sign in button."""

from __future__ import annotations

import logging
import time
import webbrowser
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QObject, Signal

from erpsync_gui.app.oauth_login import SignInOutcome, sign_in
from erpsync_gui.records import Side
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.endpoint_form import EndpointForm
from erpsync_gui.ui.widgets.worker import run_in_background

log = logging.getLogger("erpsync.ui")


class SignInFlow(QObject):
    """Runs sign-ins; `finished(outcome)` or `failed(side, message)` ends each, on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object, str)
    #: (Side, authorization URL), emitted from the sign-in worker so the page can offer the link
    _login_url = Signal(object, str)

    def __init__(self, ctx: UiContext, forms: dict[Side, EndpointForm], parent: QObject | None = None, *,
                 open_browser: Callable[[str], Any] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.forms = forms
        #: opens the authorization URL; the system browser unless a test hands in its own
        self.open_browser: Callable[[str], Any] = open_browser or webbrowser.open
        #: how long a sign-in waits for the browser to come back, in seconds
        self.login_timeout = 300.0
        self.busy: set[Side] = set()
        self._login_url.connect(self._show_login_url)

    def start(self, name: str, side: Side) -> None:
        """The browser sign-in of `side` of profile `name` on a pool thread."""
        service, opener = self.ctx.service, self.open_browser
        timeout, announce = self.login_timeout, (lambda url: self._login_url.emit(side, url))
        self.busy.add(side)
        self.forms[side].sign_in_status.setText("Opening the sign-in page in your browser…")
        run_in_background(lambda: sign_in(service, name, side, open_browser=opener, announce=announce,
                                          timeout=timeout),
                          owner=self, on_done=self._signed_in, on_error=lambda exc: self._sign_in_failed(side, exc))

    def _show_login_url(self, side: Side, url: str) -> None:
        if side in self.busy:
            self.forms[side].sign_in_status.setText(
                "Waiting for the sign-in in your browser… If no browser opened, "
                f'<a href="{escape(url, quote=True)}">open the sign-in page</a>.')

    def _signed_in(self, outcome: SignInOutcome) -> None:
        self.busy.discard(outcome.side)
        self.finished.emit(outcome)
        until = (f"; access valid until {time.strftime('%H:%M', time.localtime(outcome.expires_at))}"
                 if outcome.expires_at else "")
        self.forms[outcome.side].sign_in_status.setText(f"Signed in{until}.")

    def _sign_in_failed(self, side: Side, exc: BaseException) -> None:
        self.busy.discard(side)
        message = self.ctx.service.redact(str(exc))
        log.warning("OAuth2 sign-in of the %s side failed: %s", side.value.upper(), message)
        self.forms[side].sign_in_status.setText("Not signed in.")
        self.failed.emit(side, message)
