"""A table cell edited with a combo box of choices (optionally with free entry)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate


class ChoiceDelegate(QStyledItemDelegate):
    """`choices()` is asked each time an editor opens, so lists read later (field names) show up."""

    def __init__(self, choices: Callable[[], Sequence[str]], *, editable: bool = False, parent=None) -> None:
        super().__init__(parent)
        self._choices = choices
        self._editable = editable

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        combo.setEditable(self._editable)
        combo.addItems(list(self._choices()))
        return combo

    def setEditorData(self, editor, index):
        value = str(index.data(Qt.ItemDataRole.EditRole) or "")
        found = editor.findText(value)
        if found >= 0:
            editor.setCurrentIndex(found)
        elif self._editable:
            editor.setEditText(value)

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentText().strip(), Qt.ItemDataRole.EditRole)
