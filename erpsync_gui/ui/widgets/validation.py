"""Inline form validation: each checked widget is marked and explains itself; Save follows `valid`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget

#: a check returns None when the input is fine, else a short message saying what is wrong
Check = Callable[[], str | None]


@dataclass
class _Rule:
    widget: QWidget
    check: Check
    message_label: QLabel | None


def set_invalid(widget: QWidget, message: str | None) -> None:
    """Mark a widget invalid (the stylesheet draws `[invalid="true"]` in red) with its message as tooltip."""
    invalid = bool(message)
    if widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
    widget.setToolTip(message or "")


class FormValidator(QObject):
    """Runs every rule on `validate()`; emits `validity_changed(bool)` when the form's validity flips."""

    validity_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rules: list[_Rule] = []
        self.valid = True
        self.problems: dict[QWidget, str] = {}

    def add(self, widget: QWidget, check: Check, message_label: QLabel | None = None) -> None:
        """Check `widget` with `check`; `message_label`, when given, shows the message under the field."""
        if message_label is not None:
            message_label.setObjectName("fieldError")
            message_label.setWordWrap(True)
            message_label.hide()
        self._rules.append(_Rule(widget, check, message_label))

    def validate(self) -> bool:
        problems: dict[QWidget, str] = {}
        for rule in self._rules:
            message = rule.check()
            set_invalid(rule.widget, message)
            if rule.message_label is not None:
                rule.message_label.setText(message or "")
                rule.message_label.setVisible(bool(message))
            if message:
                problems[rule.widget] = message
        self.problems = problems
        valid = not problems
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)
        return valid

