"""The connection test of the Connections page: both sides tested on a pool thread, the saved settings or the
edited ones (saved only when both sides pass), each side's card showing its verdict (mixed into
ConnectionsPage)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import EndpointStatus
from erpsync_gui.ui.pages.connection_loading import read_status
from erpsync_gui.ui.pages.connection_secrets import typed_secrets
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.connection_page import endpoint_tester

log = logging.getLogger("erpsync.ui")


class ConnectionTests:
    """Test connection, and what its results show (mixed into ConnectionsPage, which owns the forms, the
    result cards, the markers offer and the `tested` signal)."""

    if TYPE_CHECKING:
        # the rest of ConnectionsPage as seen from here
        def __getattr__(self, name: str) -> Any: ...

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
        service, profile = self.ctx.service, self.profile

        def test() -> tuple[dict[Side, CheckResult], dict[Side, EndpointStatus]]:
            results = service.test_connections(name)
            return results, read_status(service, profile)  # the test stored each side's verdict with its time

        run_in_background(test, owner=self, on_done=lambda done: self._tested(name, *done),
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

    def _tested(self, name: str, results: dict[Side, CheckResult], stored: dict[Side, EndpointStatus]) -> None:
        self._testing = False
        self.expired.show_expired(side for side, status in stored.items() if status.status == "expired")
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
