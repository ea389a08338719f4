"""An input for one keyring secret that never shows the stored value.

It shows whether a value is stored; the user can type a replacement or mark it for removal. The page
that owns it writes the pending change to the keyring on Save (`pending()`), never to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from erpsync_gui.ui.icons import icon


@dataclass(frozen=True)
class SecretChange:
    """What Save should do with one secret: store `value`, or remove it when `value` is None."""

    value: str | None

    @property
    def removes(self) -> bool:
        return self.value is None


class SecretField(QWidget):
    """Stored / not set, a password box for a new value, and a Remove button."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setClearButtonEnabled(True)
        self.remove_button = QPushButton(icon("remove"), "Remove", self)
        self.remove_button.setCheckable(True)
        self.remove_button.setToolTip("Remove the stored value from the keyring on Save")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.remove_button)
        self._stored = False
        self.edit.textEdited.connect(self._typed)
        self.remove_button.toggled.connect(self._remove_toggled)
        self.setFocusProxy(self.edit)
        self.set_stored(False)

    @property
    def stored(self) -> bool:
        return self._stored

    def set_stored(self, stored: bool) -> None:
        """Reset to the keyring's state: nothing pending."""
        self._stored = stored
        self.edit.clear()
        self.remove_button.blockSignals(True)
        self.remove_button.setChecked(False)
        self.remove_button.blockSignals(False)
        self._update()

    def set_value(self, value: str) -> None:
        """Type a replacement value (as a user would)."""
        self.edit.setText(value)
        self._typed(value)

    def pending(self) -> SecretChange | None:
        """The change Save should make, or None when the stored state stays as it is."""
        if self.remove_button.isChecked():
            return SecretChange(None)
        value = self.edit.text().strip()
        return SecretChange(value) if value else None

    def _typed(self, text: str) -> None:
        if text and self.remove_button.isChecked():
            self.remove_button.blockSignals(True)
            self.remove_button.setChecked(False)
            self.remove_button.blockSignals(False)
        self._update()
        self.changed.emit()

    def _remove_toggled(self, checked: bool) -> None:
        if checked:
            self.edit.clear()
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        removing = self.remove_button.isChecked()
        self.remove_button.setVisible(self._stored)
        self.remove_button.setText("Keep" if removing else "Remove")
        self.edit.setEnabled(not removing)
        if removing:
            self.edit.setPlaceholderText("removed on Save")
        elif self._stored:
            self.edit.setPlaceholderText("stored · type to replace")
        else:
            self.edit.setPlaceholderText("not set")
        self.setProperty("pending", self.pending() is not None)
