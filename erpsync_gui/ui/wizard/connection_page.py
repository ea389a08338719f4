"""Step 2 (once per side): the connection settings of the chosen kind, checked by its model as they are typed,
and Test connection, which must pass before Next unless the admin deliberately continues untested. Any edit
makes an earlier test result stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from erpsync_gui.config.kinds import kinds
from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.secrets import EndpointSecrets
from erpsync_gui.ui.icons import icon
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.connection_form import ConnectionForm
from erpsync_gui.ui.wizard.field_specs import check_endpoint, field_specs
from erpsync_gui.ui.wizard.state import WizardState

#: how a connection test reaches the system: the endpoint as typed (the built-in sandbox's address already
#: resolved by the caller) and its secrets; it returns the connector's own CheckResult
Tester = Callable[[EndpointConfig, dict[str, str]], CheckResult]


def describe_result(result: CheckResult) -> str:
    """A test's outcome in one paragraph: verdict, the system's name or version, the latency, the details."""
    verdict = "Connected" if result.ok else ("Reached, but not signed in" if result.reachable else "Not reached")
    said = result.message or ""
    parts = [said if said.startswith(verdict) else f"{verdict}: {said}" if said else verdict]
    if result.server:
        parts.append(f"Server: {result.server}")
    if result.latency_ms is not None:
        parts.append(f"Latency: {result.latency_ms:.0f} ms")
    parts.extend(result.details)
    return "\n".join(parts)


class ConnectionPage(QWizardPage):
    def __init__(self, state: WizardState, side: Side, tester: Tester) -> None:
        super().__init__()
        self.state = state
        self.side = side
        self.tester = tester
        self.form: ConnectionForm | None = None
        self._built_for: tuple[str, str] | None = None
        self._auth: str | None = None
        self._typed: dict[str, object] = {}
        self.result: CheckResult | None = None
        self._testing = False
        layout = QVBoxLayout(self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(self.scroll, 1)
        row = QHBoxLayout()
        self.test_button = QPushButton(icon("test"), "&Test connection")
        self.test_button.setObjectName("primary")
        self.test_button.clicked.connect(self.test_connection)
        self.untested = QCheckBox("Continue &untested (I will test it later)")
        self.untested.toggled.connect(lambda _on: self.completeChanged.emit())
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.untested)
        layout.addLayout(row)
        self.result_label = QLabel("Test the connection before going on.")
        self.result_label.setObjectName("banner")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)

    # -- the form ------------------------------------------------------------------------------

    def initializePage(self) -> None:
        kind = kinds()[self.state.kinds[self.side]]
        self.setTitle(f"Connect the {self.side.value.upper()}: {kind.label}")
        self.setSubTitle(f"{kind.description}. Secrets go to the OS keyring when you save, never to a file.")
        auth = self._auth if self._built_for and self._built_for[0] == kind.name else kind.default_auth
        if self._built_for != (kind.name, auth):
            self._build(auth)

    def _build(self, auth: str) -> None:
        kind = kinds()[self.state.kinds[self.side]]
        if self.form is not None:
            self._typed = {**self.form.values(), **{f"secret:{k}": v for k, v in self.form.secrets().items()}}
        values = {**self._typed, "auth": auth}
        self._auth = auth
        self._built_for = (kind.name, auth)
        self.form = ConnectionForm(field_specs(kind, self.side, auth), values)
        self.form.changed.connect(self._edited)
        self.form.auth_changed.connect(self._auth_changed)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.form)
        self.scroll.setWidget(holder)
        self._edited()

    def _auth_changed(self, auth: str) -> None:
        if auth and auth != self._auth:
            self._build(auth)

    def _edited(self) -> None:
        """Check the inputs against the model; an earlier test result no longer holds."""
        self.state.endpoints.pop(self.side, None)
        self.state.tested.pop(self.side, None)
        self.state.tested_at.pop(self.side, None)
        if self.result is not None:
            self.result = None
            self.result_label.setProperty("level", "warn")
            self.result_label.setText("The settings changed since the last test: test the connection again.")
            self._repolish()
        self.check()
        self.test_button.setEnabled(not self._testing)
        self.completeChanged.emit()

    def check(self, reveal: bool = False) -> EndpointConfig | None:
        """The endpoint the inputs make, or None with each problem shown at its input (`reveal`: also the
        inputs left empty)."""
        assert self.form is not None
        kind = kinds()[self.state.kinds[self.side]]
        verdict = check_endpoint(kind, self.side, self._auth or kind.default_auth, self.form.values())
        problems = {key: list(messages) for key, messages in verdict.problems.items()}
        for spec in self.form.specs:
            if spec.secret and spec.required and not self.form.value(spec.key):
                problems.setdefault(spec.key, []).append("required")
        if not reveal:  # an input not filled in yet is not an error while the admin is still typing
            problems = {k: v for k, v in problems.items() if not (k in self.form.inputs and self.form.value(k) in
                                                                   ("", None))}
        self.form.show_problems(problems)
        if verdict.endpoint is None or self.form.missing_secrets():
            return None
        self.state.endpoints[self.side] = verdict.endpoint
        self.state.secrets[self.side] = self.form.secrets()
        return verdict.endpoint

    # -- the test ------------------------------------------------------------------------------

    def test_connection(self) -> None:
        endpoint = self.check(reveal=True)
        if endpoint is None:
            self._show("error", "Correct or fill in the settings marked red, then test again.")
            return
        self._testing = True
        self.test_button.setEnabled(False)
        self._show(None, "Testing the connection…")
        secrets = dict(self.state.secrets.get(self.side, {}))
        run_in_background(lambda: self.tester(endpoint, secrets), owner=self,
                          on_done=lambda result: self._tested(endpoint, result),
                          on_error=lambda exc: self._tested(endpoint, CheckResult(
                              False, False, False, None, str(exc) if isinstance(exc, ERPSyncError)
                              else f"{type(exc).__name__}: {exc}")))

    def _tested(self, endpoint: EndpointConfig, result: CheckResult) -> None:
        self._testing = False
        self.test_button.setEnabled(True)
        if self.state.endpoints.get(self.side) != endpoint:
            return  # edited while the test ran: that result is about settings no longer shown
        self.result = result
        self.state.tested[self.side] = result
        self.state.tested_at[self.side] = datetime.now(UTC)
        self._show("ok" if result.ok else "error", describe_result(result))
        self.completeChanged.emit()

    def _show(self, level: str | None, text: str) -> None:
        self.result_label.setProperty("level", level or "")
        self.result_label.setText(text)
        self._repolish()

    def _repolish(self) -> None:
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)

    def isComplete(self) -> bool:
        if self.side not in self.state.endpoints or self._testing:
            return False
        return (self.result is not None and self.result.ok) or self.untested.isChecked()


def endpoint_tester(resolve: Callable[[EndpointConfig], EndpointConfig]) -> Tester:
    """A tester that builds the kind's connector from the typed settings and secrets (nothing from the
    keyring, nothing stored) and asks it."""

    def test(endpoint: EndpointConfig, secrets: dict[str, str]) -> CheckResult:
        kind = kinds()[endpoint.kind]
        connector = kind.build(resolve(endpoint), EndpointSecrets(secrets))
        try:
            return connector.check()
        finally:
            connector.close()

    return test
