"""The small editor of a picklist's value map: CRM value -> ERP value, one pair a row. Where a side describes
the values its field allows (FieldInfo.choices from the connector's describe()), they are listed and offered in
a drop-down of that column (other values can still be typed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.ui import icons
from erpsync_gui.ui.widgets.choice_delegate import ChoiceDelegate

#: at most this many allowed values are listed under the table (all of them are in the drop-down)
LISTED = 12


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class ValueMapDialog(QDialog):
    """Edits {"<CRM value>": "<ERP value>"}; OK stays disabled while a row is empty or a CRM value repeats."""

    def __init__(self, field_label: str, value_map: dict[str, Any], parent: QWidget | None = None, *,
                 crm_choices: Sequence[Any] = (), erp_choices: Sequence[Any] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Value map - {field_label}")
        self.resize(500, 420)
        self.choices = {0: [_text(c) for c in crm_choices], 1: [_text(c) for c in erp_choices]}
        self.table = QTableWidget(0, 2)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["CRM value", "ERP value"])
        self.table.setAccessibleName("Value pairs")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for column, values in self.choices.items():
            if values:
                self.table.setItemDelegateForColumn(
                    column, ChoiceDelegate(lambda v=values: v, editable=True, parent=self.table))
        self.allowed = QLabel(self._allowed_text())
        self.allowed.setObjectName("hint")
        self.allowed.setWordWrap(True)
        self.allowed.setVisible(bool(self.allowed.text()))
        self.problem = QLabel()
        self.problem.setObjectName("fieldError")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        for crm, erp in value_map.items():
            self._append(_text(crm), _text(erp))
        add = self.add_button = QPushButton(icons.icon("add"), "&Add value")
        add.setToolTip("Add a pair of values")
        remove = self.remove_button = QPushButton(icons.icon("remove"), "&Remove")
        remove.setToolTip("Remove the selected pairs")
        tools = QHBoxLayout()
        tools.addWidget(add)
        tools.addWidget(remove)
        tools.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        note = QLabel("Each CRM value is written as its ERP value; the way back uses the same pairs reversed.")
        note.setWordWrap(True)
        note.setObjectName("pageSubtitle")
        layout.addWidget(note)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.allowed)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        add.clicked.connect(lambda: self._append("", "", edit=True))
        remove.clicked.connect(self._remove_selected)
        self.table.itemChanged.connect(self._check)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._check()

    def _allowed_text(self) -> str:
        lines = []
        for column, side in ((0, "CRM"), (1, "ERP")):
            values = self.choices[column]
            if values:
                shown = ", ".join(values[:LISTED]) + (f" … (+{len(values) - LISTED})" if len(values) > LISTED else "")
                lines.append(f"The {side} allows: {shown}")
        return "\n".join(lines)

    def _append(self, crm: str, erp: str, *, edit: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(crm))
        self.table.setItem(row, 1, QTableWidgetItem(erp))
        if edit:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(self.table.item(row, 0))
        self._check()

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._check()

    def pairs(self) -> list[tuple[str, str]]:
        return [(_cell(self.table, r, 0), _cell(self.table, r, 1)) for r in range(self.table.rowCount())]

    def problems(self) -> list[str]:
        problems, seen = [], set()
        for number, (crm, erp) in enumerate(self.pairs(), start=1):
            if not crm or not erp:
                problems.append(f"row {number}: both values are needed")
            elif crm in seen:
                problems.append(f"row {number}: CRM value {crm!r} is listed twice")
            seen.add(crm)
        return problems

    def warnings(self) -> list[str]:
        """Values a side says it does not allow (a side's list may be incomplete: OK stays possible)."""
        found = []
        for number, (crm, erp) in enumerate(self.pairs(), start=1):
            if erp and self.choices[1] and erp not in self.choices[1]:
                found.append(f"row {number}: the ERP does not list {erp!r}")
            if crm and self.choices[0] and crm not in self.choices[0]:
                found.append(f"row {number}: the CRM does not list {crm!r}")
        return found

    def value_map(self) -> dict[str, str]:
        return dict(self.pairs())

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("; ".join([*problems, *self.warnings()]))
        self.problem.setVisible(bool(self.problem.text()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""
