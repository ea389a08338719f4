"""The settings form of one side of a profile: connector kind, URL, auth and its fields, limits, log level, and
below them the kind's own settings with the folded Advanced section (proxy, CA bundle, timeouts, ...).

Secrets are edited through SecretFields and handed back as pending changes for the keyring; the
EndpointConfig this form returns never holds one.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.config.kinds import kinds
from erpsync_gui.http.auth_kinds import AUTH_KINDS
from erpsync_gui.profile import LOG_LEVELS, EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.ui.icons import icon
from erpsync_gui.ui.pages.endpoint_advanced import EndpointOptions
from erpsync_gui.ui.widgets.layouts import with_message
from erpsync_gui.ui.widgets.secret_field import SecretChange, SecretField
from erpsync_gui.ui.widgets.validation import FormValidator

AUTH_LABELS = {name: kind.label for name, kind in AUTH_KINDS.items()}
OPTION_LABELS = {
    "api_key_name": "API key header", "username": "User name", "client_id": "Client ID",
    "authorize_url": "Authorization URL", "token_url": "Token URL", "scopes": "Scopes",
    "client_cert": "Certificate file (PEM or .p12)", "client_key": "Key file (PEM, if separate)",
}
SECRET_LABELS = {
    "token": "Access token", "password": "Password", "client_secret": "Client secret",
    "refresh_token": "Refresh token", "cert_password": "Certificate password", "client_token": "Client token",
    "db_password": "Database password",
}
#: secrets without which the endpoint cannot connect, by auth kind (from the auth kinds' registry)
REQUIRED_SECRETS = {name: kind.required_secrets()[0] for name, kind in AUTH_KINDS.items() if kind.required_secrets()}
#: plain settings each auth kind needs that this form shows (starred: required), from the registry
AUTH_OPTIONS: dict[str, tuple[str, ...]] = {
    name: tuple(("*" if option in kind.required_options else "") + option for option in kind.options
                if option in OPTION_LABELS)
    for name, kind in AUTH_KINDS.items()
}
AUTH_OPTIONS["client_cert"] = ("*client_cert", "client_key")
SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mariadb", "mssql", "oracle")


def url_problem(kind: str, url: str) -> str | None:
    """None when `url` suits the connector kind, else what is wrong with it."""
    url = url.strip()
    if not url:
        return "Enter the address of this system"
    if kind == "sql":
        scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
        if scheme not in SQL_SCHEMES:
            return ("Enter a database URL such as sqlite:///C:/data/crm.sqlite or "
                    "postgresql://user@host/db")
        return None
    if url == "sandbox://local":
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a web address starting with https:// (or http:// on a local network)"
    if " " in url:
        return "A web address cannot contain spaces"
    return None


class EndpointForm(QGroupBox):
    """One side's settings. `changed` fires on every edit; `validator.valid` says whether Save may run."""

    changed = Signal()
    #: the user asked for the OAuth2 browser sign-in of this side
    sign_in_requested = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._original: EndpointConfig | None = None
        #: which secrets the keyring held when the form was filled
        self._stored: dict[str, bool] = {}
        self.validator = FormValidator(self)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setHorizontalSpacing(14)
        self.form.setVerticalSpacing(8)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 20, 16, 16)
        outer.addLayout(self.form)
        self.kind_options = EndpointOptions()
        outer.addWidget(self.kind_options)
        outer.addStretch(1)

        self.kind = QComboBox()
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://erp.example.com/")
        self.url_error = QLabel()
        self.auth = QComboBox()
        for kind in AUTH_KINDS:
            self.auth.addItem(AUTH_LABELS.get(kind, kind), kind)
        self.options = {name: QLineEdit() for name in OPTION_LABELS}
        self.option_errors = {name: QLabel() for name in OPTION_LABELS}
        self.secrets = {name: SecretField() for name in SECRET_LABELS}
        self.secret_errors = {name: QLabel() for name in SECRET_LABELS}
        self.batch_size = _spin(1, 1000, 50)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")
        self.retries = _spin(0, 10, 3)
        self.log_level = QComboBox()
        self.log_level.addItems(LOG_LEVELS)
        self.sign_in_button = QPushButton(icon("key"), "Sign in…")
        self.sign_in_button.setToolTip("Sign in through the system browser; the tokens go to the keyring")
        self.sign_in_status = QLabel()
        self.sign_in_status.setObjectName("hint")
        self.sign_in_status.setWordWrap(True)
        self.sign_in_status.setOpenExternalLinks(True)
        self.sign_in_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.sign_in_row = _sign_in_row(self.sign_in_button, self.sign_in_status)
        self.sign_in_button.clicked.connect(self.sign_in_requested)

        self.form.addRow("Connector", self.kind)
        self.form.addRow("URL", with_message(self.url, self.url_error))
        self.form.addRow("Authentication", self.auth)
        for name, label in OPTION_LABELS.items():
            self.form.addRow(label, with_message(self.options[name], self.option_errors[name]))
        for name, label in SECRET_LABELS.items():
            self.form.addRow(label, with_message(self.secrets[name], self.secret_errors[name]))
        self.form.addRow("Sign-in", self.sign_in_row)  # after the settings it needs
        self.form.addRow("Batch size", self.batch_size)
        self.form.addRow("Timeout", self.timeout)
        self.form.addRow("Retries", self.retries)
        self.form.addRow("Log level", self.log_level)

        self.validator.add(self.url, lambda: url_problem(self.current_kind(), self.url.text()), self.url_error)
        for name, edit in self.options.items():
            self.validator.add(edit, lambda n=name: self._option_problem(n), self.option_errors[name])
        for name, field in self.secrets.items():
            self.validator.add(field.edit, lambda n=name: self._secret_problem(n), self.secret_errors[name])
        self.validator.add(self.kind_options, self._options_problem)

        for signal in (self.kind.currentIndexChanged, self.auth.currentIndexChanged):
            signal.connect(self._layout_changed)
        for widget in (self.url, *self.options.values()):
            widget.textEdited.connect(self._edited)
        for field in self.secrets.values():
            field.changed.connect(self._edited)
        for spin in (self.batch_size, self.timeout, self.retries):
            spin.valueChanged.connect(self._edited)
        self.log_level.currentIndexChanged.connect(self._edited)
        self.kind_options.changed.connect(self._edited)

    # -- loading and reading ---------------------------------------------------------------------

    def load(self, endpoint: EndpointConfig, stored: dict[str, bool]) -> None:
        """Show `endpoint`; `stored` says which of its secrets the keyring holds."""
        self._original, self._stored = endpoint, dict(stored)
        widgets = (self.kind, self.auth, self.url, self.batch_size, self.timeout, self.retries, self.log_level,
                   *self.options.values())
        for widget in widgets:
            widget.blockSignals(True)
        self.kind.clear()
        for kind in dict.fromkeys([*kinds(), endpoint.kind]):
            known = kinds().get(kind)
            self.kind.addItem(known.label if known else kind, kind)
        self.kind.setCurrentIndex(self.kind.findData(endpoint.kind))
        self.auth.setCurrentIndex(max(0, self.auth.findData(endpoint.auth)))
        self.url.setText(endpoint.url)
        self.url.setCursorPosition(0)  # a long address shows from its start (the scheme), not its end
        self.url.setToolTip(endpoint.url)
        for name, edit in self.options.items():
            edit.setText(str(endpoint.options.get(name) or ""))
        self.batch_size.setValue(endpoint.batch_size)
        self.timeout.setValue(endpoint.timeout)
        self.retries.setValue(endpoint.retries)
        self.log_level.setCurrentText(endpoint.log_level if endpoint.log_level in LOG_LEVELS else "INFO")
        for widget in widgets:
            widget.blockSignals(False)
        for name, field in self.secrets.items():
            field.set_stored(stored.get(name, False))
        self.kind_options.build(endpoint.kind, endpoint.side, endpoint.auth, endpoint.options, OPTION_LABELS,
                                after=self.log_level)
        self._show_rows()
        self.validator.validate()

    def shows(self, endpoint: EndpointConfig, stored: dict[str, bool]) -> bool:
        """Whether the form shows exactly these settings and stored secrets, unedited (loading them again would
        change nothing)."""
        return self._original == endpoint and self._stored == stored and not self.is_dirty()

    def current_kind(self) -> str:
        return str(self.kind.currentData() or "")

    def current_auth(self) -> str:
        return str(self.auth.currentData() or "none")

    def endpoint(self) -> EndpointConfig:
        """The settings as edited (secrets excluded: they go to the keyring)."""
        if self._original is None:
            raise RuntimeError("EndpointForm.endpoint() before load()")
        # options this form does not show now (another auth kind's, or set in a profile file, such as a client
        # certificate next to a bearer token) are kept as they are
        options = dict(self._original.options)
        for name in self.visible_options():
            value = self.options[name].text().strip()
            if value:
                options[name] = value
            else:
                options.pop(name, None)
        options = self.kind_options.apply(options)
        return dataclasses.replace(
            self._original, kind=self.current_kind(), url=self.url.text().strip(), auth=self.current_auth(),
            batch_size=self.batch_size.value(), timeout=float(self.timeout.value()), retries=self.retries.value(),
            log_level=self.log_level.currentText(), options=options)

    def secret_names(self) -> tuple[str, ...]:
        """The keyring entries the edited settings use."""
        side = self._original.side if self._original else Side.ERP
        probe = EndpointConfig(side=side, kind=self.current_kind(), url=self.url.text().strip(),
                               auth=self.current_auth(), options=dict(self._original.options if self._original else {}))
        known = kinds().get(self.current_kind())
        specs = known.needed_secrets(probe) if known else AUTH_KINDS[self.current_auth()].secrets
        return tuple(spec.name for spec in specs if spec.name in SECRET_LABELS)

    def visible_options(self) -> tuple[str, ...]:
        return tuple(name.lstrip("*") for name in AUTH_OPTIONS.get(self.current_auth(), ()))

    def secret_changes(self) -> dict[str, SecretChange]:
        """Pending keyring writes of the secrets in use: {name: change}."""
        changes = {}
        for name in self.secret_names():
            change = self.secrets[name].pending()
            if change is not None:
                changes[name] = change
        return changes

    def is_dirty(self) -> bool:
        return self._original is not None and (self.endpoint() != self._original or bool(self.secret_changes()))

    # -- validation ------------------------------------------------------------------------------

    def _option_problem(self, name: str) -> str | None:
        required = f"*{name}" in AUTH_OPTIONS.get(self.current_auth(), ())
        if required and not self.options[name].text().strip():
            return f"{OPTION_LABELS[name]} is needed for {AUTH_LABELS[self.current_auth()].lower()}"
        return None

    def _options_problem(self) -> str | None:
        if self._original is None:
            return None
        problems = self.kind_options.check(self.endpoint())
        return "Correct the settings marked red" if problems else None

    def _secret_problem(self, name: str) -> str | None:
        if name != REQUIRED_SECRETS.get(self.current_auth()) or name not in self.secret_names():
            return None
        field = self.secrets[name]
        change = field.pending()
        if (change is not None and change.removes) or (change is None and not field.stored):
            return f"{SECRET_LABELS[name]} is needed to sign in"
        return None

    # -- reacting to edits -----------------------------------------------------------------------

    def _show_rows(self) -> None:
        options, secrets = set(self.visible_options()), set(self.secret_names())
        for name in OPTION_LABELS:
            self.form.setRowVisible(self.options[name].parentWidget(), name in options)
        for name in SECRET_LABELS:
            self.form.setRowVisible(self.secrets[name].parentWidget(), name in secrets)
        self.form.setRowVisible(self.sign_in_row, self.current_auth() == "oauth2")

    def _layout_changed(self) -> None:
        if self._original is not None:  # another kind or sign-in has other settings of its own
            self.kind_options.build(self.current_kind(), self._original.side, self.current_auth(),
                                    self.endpoint().options, OPTION_LABELS, after=self.log_level)
        self._show_rows()
        self._edited()

    def _edited(self) -> None:
        self.validator.validate()
        self.changed.emit()


def _spin(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _sign_in_row(button: QPushButton, status: QLabel) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    layout.addWidget(button)
    layout.addWidget(status, 1)
    return box
