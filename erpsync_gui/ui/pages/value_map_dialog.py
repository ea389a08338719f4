"""The small editor of a picklist's value map: CRM value -> ERP value, one pair a row."""

from __future__ import annotations

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


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class ValueMapDialog(QDialog):
    """Edits {"<CRM value>": "<ERP value>"}; OK stays disabled while a row is empty or a CRM value repeats."""

    def __init__(self, field_label: str, value_map: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Value map - {field_label}")
        self.resize(460, 380)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["CRM value", "ERP value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.problem = QLabel()
        self.problem.setObjectName("fieldError")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        for crm, erp in value_map.items():
            self._append(_text(crm), _text(erp))
        add = QPushButton(icons.icon("add"), "Add value")
        remove = QPushButton(icons.icon("remove"), "Remove")
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
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        add.clicked.connect(lambda: self._append("", "", edit=True))
        remove.clicked.connect(self._remove_selected)
        self.table.itemChanged.connect(self._check)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._check()

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

    def value_map(self) -> dict[str, str]:
        return dict(self.pairs())

    def _check(self) -> None:
        problems = self.problems()
        self.problem.setText("; ".join(problems))
        self.problem.setVisible(bool(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""
