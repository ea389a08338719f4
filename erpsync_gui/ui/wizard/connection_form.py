"""The inputs of one side's connection, generated from its field specs: each with its label, a short help
line and its own inline problem; the settings a first set-up rarely needs sit in a folded Advanced section.
Secrets are typed into password boxes and kept in memory until the wizard saves (then to the keyring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.http.auth_kinds import AUTH_KINDS
from erpsync_gui.ui.widgets.validation import set_invalid
from erpsync_gui.ui.wizard.field_specs import FieldSpec


class ConnectionForm(QWidget):
    """One input per spec; `changed` on any edit, `auth_changed(name)` when the sign-in choice changes."""

    changed = Signal()
    auth_changed = Signal(str)

    def __init__(self, specs: Sequence[FieldSpec], values: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None, *,
                 advanced_title: str = "Advanced settings (proxy, certificates, limits, the system's own options)"
                 ) -> None:
        super().__init__(parent)
        self.specs = list(specs)
        self._advanced_title = advanced_title
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        main = QFormLayout()
        main.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        layout.addLayout(main)
        self.general_error = QLabel()
        self.general_error.setObjectName("fieldError")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        layout.addWidget(self.general_error)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_box = QWidget()
        advanced = QFormLayout(self.advanced_box)
        advanced.setContentsMargins(12, 0, 0, 0)
        self.advanced_box.hide()
        self.advanced_toggle.toggled.connect(self._show_advanced)
        self._show_advanced(False)
        for spec in self.specs:
            self._add_row(advanced if spec.advanced else main, spec)
        if any(spec.advanced for spec in self.specs):
            layout.addWidget(self.advanced_toggle)
            layout.addWidget(self.advanced_box)
        else:
            self.advanced_toggle.hide()
        layout.addStretch(1)
        for key, value in (values or {}).items():
            self.set_value(key, value)

    def _show_advanced(self, shown: bool) -> None:
        self.advanced_box.setVisible(shown)
        self.advanced_toggle.setText(("▾ " if shown else "▸ ") + self._advanced_title)

    def _add_row(self, form: QFormLayout, spec: FieldSpec) -> None:
        widget: QWidget
        if spec.widget == "check":
            widget = QCheckBox()
            widget.setChecked(bool(spec.default))
            widget.toggled.connect(lambda _on: self.changed.emit())
        elif spec.widget == "choice":
            widget = QComboBox()
            if not spec.required:
                widget.addItem("(default)", None)
            for choice in spec.choices:
                text = AUTH_KINDS[choice].label if spec.key == "auth" and choice in AUTH_KINDS else choice
                widget.addItem(text, choice)
            if spec.default is not None:
                widget.setCurrentIndex(max(0, widget.findData(str(spec.default))))
            widget.currentIndexChanged.connect(lambda _i, k=spec.key: self._choice_changed(k))
        else:
            widget = QLineEdit()
            if spec.widget == "secret":
                widget.setEchoMode(QLineEdit.EchoMode.Password)
                widget.setClearButtonEnabled(True)
            placeholder = spec.placeholder or ("" if spec.default in (None, "") else f"{spec.default}")
            widget.setPlaceholderText(placeholder)
            widget.textEdited.connect(lambda _t: self.changed.emit())
        widget.setAccessibleName(spec.label)
        if spec.help:
            widget.setToolTip(spec.help)
        self.inputs[spec.key] = widget
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        if spec.help:
            help_label = QLabel(spec.help)
            help_label.setObjectName("hint")
            help_label.setWordWrap(True)
            column.addWidget(help_label)
        error = QLabel()
        error.setObjectName("fieldError")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        self.errors[spec.key] = error
        label = QLabel(spec.label + (" *" if spec.required and spec.widget != "choice" else ""))
        label.setBuddy(widget)
        form.addRow(label, box)

    def _choice_changed(self, key: str) -> None:
        if key == "auth":
            self.auth_changed.emit(str(self.value("auth")))
        self.changed.emit()

    # -- values --------------------------------------------------------------------------------

    def value(self, key: str) -> Any:
        widget = self.inputs[key]
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        return widget.text()

    def set_value(self, key: str, value: Any) -> None:
        widget = self.inputs.get(key)
        if widget is None:
            return
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QLineEdit):
            widget.setText("" if value is None else str(value))

    def set_default(self, key: str) -> None:
        """The input as a new form shows it: the spec's default, or empty."""
        widget = self.inputs.get(key)
        spec = next((s for s in self.specs if s.key == key), None)
        if widget is None or spec is None:
            return
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(spec.default))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(str(spec.default))) if spec.default is not None else 0)
        elif isinstance(widget, QLineEdit):
            widget.setText("")

    def values(self) -> dict[str, Any]:
        """Every setting's value by key (secrets not included); a yes/no left at its default is left out."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            if spec.secret:
                continue
            value = self.value(spec.key)
            if spec.widget == "check" and value == bool(spec.default):
                continue
            out[spec.key] = value
        return out

    def secrets(self) -> dict[str, str]:
        """The typed secrets by name (empty ones left out)."""
        return {spec.key.removeprefix("secret:"): self.value(spec.key) for spec in self.specs
                if spec.secret and self.value(spec.key)}

    def missing_secrets(self) -> list[str]:
        """The labels of required secrets not typed yet."""
        return [spec.label for spec in self.specs if spec.secret and spec.required and not self.value(spec.key)]

    # -- problems ------------------------------------------------------------------------------

    def show_problems(self, problems: Mapping[str, Sequence[str]]) -> None:
        """Each problem under its input (an input of the Advanced section unfolds it); the rest below the form."""
        general: list[str] = list(problems.get("", ()))
        for key, label in self.errors.items():
            messages = problems.get(key, ())
            label.setText("; ".join(messages))
            label.setVisible(bool(messages))
            set_invalid(self.inputs[key], "; ".join(messages) or None)
            if messages and any(s.key == key and s.advanced for s in self.specs):
                self.advanced_toggle.setChecked(True)
        for key, messages in problems.items():
            if key and key not in self.errors:
                general.extend(f"{key}: {m}" for m in messages)
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
