"""The small editor of a picklist's value map: CRM value -> ERP value, one pair a row. Where a side describes
the values its field allows (FieldInfo.choices from the connector's describe()), they are listed and offered in
a drop-down of that column (other values can still be typed). Given a way to read both sides' lists, "Fill from
both lists" pairs each CRM row (a lookup's id and name) with the ERP value that names it; the pairs so far stay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

from erpsync_gui.app.value_lists import ValueLists, fetch_value_lists
from erpsync_gui.mapping.value_fill import propose_value_map
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.widgets.choice_delegate import ChoiceDelegate
from erpsync_gui.ui.widgets.worker import run_in_background

#: at most this many allowed values are listed under the table (all of them are in the drop-down)
LISTED = 12


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class ValueMapDialog(QDialog):
    """Edits {"<CRM value>": "<ERP value>"}; OK stays disabled while a row is empty or a CRM value repeats."""

    def __init__(self, field_label: str, value_map: dict[str, Any], parent: QWidget | None = None, *,
                 crm_choices: Sequence[Any] = (), erp_choices: Sequence[Any] = (),
                 crm_labels: Sequence[str] = (),
                 load_lists: Callable[[], ValueLists] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Value map - {field_label}")
        self.resize(500, 420)
        self.choices = {0: [_text(c) for c in crm_choices], 1: [_text(c) for c in erp_choices]}
        #: CRM value -> the name people know it by (a lookup row's name), where the CRM says
        self.crm_labels: dict[str, str] = dict(zip(self.choices[0], crm_labels, strict=False))
        self.load_lists = load_lists
        self.table = QTableWidget(0, 2)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["CRM value", "ERP value"])
        self.table.setAccessibleName("Value pairs")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for column in self.choices:
            self._offer(column)
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
        fill = self.fill_button = QPushButton(icons.icon("refresh"), "&Fill from both lists")
        fill.setToolTip("Read both sides' lists and pair each CRM value with the ERP value that names it")
        fill.setVisible(load_lists is not None)
        self.fill_note = QLabel()
        self.fill_note.setObjectName("hint")
        self.fill_note.setWordWrap(True)
        self.fill_note.setVisible(False)
        tools = QHBoxLayout()
        tools.addWidget(add)
        tools.addWidget(remove)
        tools.addWidget(fill)
        tools.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        note = QLabel("Each CRM value is written as its ERP value; the way back uses the same pairs reversed.")
        note.setWordWrap(True)
        note.setObjectName("pageSubtitle")
        layout.addWidget(note)
        layout.addLayout(tools)
        layout.addWidget(self.fill_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.allowed)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        add.clicked.connect(lambda: self._append("", "", edit=True))
        remove.clicked.connect(self._remove_selected)
        fill.clicked.connect(self.fill_from_lists)
        self.table.itemChanged.connect(self._check)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._check()

    def _offer(self, column: int) -> None:
        """A drop-down of the column's listed values, once it has any (asked each time an editor opens)."""
        if self.choices[column] and self.table.itemDelegateForColumn(column) is None:
            self.table.setItemDelegateForColumn(
                column, ChoiceDelegate(lambda c=column: self.choices[c], editable=True, parent=self.table))

    # -- filling from both sides' lists ----------------------------------------------------------

    def fill_from_lists(self) -> None:
        """Read both sides' lists off the GUI thread; `show_lists` fills the pairs when they arrive."""
        if self.load_lists is None:
            return
        self.fill_button.setEnabled(False)
        self._note("Reading both sides' lists…")
        run_in_background(self.load_lists, owner=self, on_done=self.show_lists,
                          on_error=lambda exc: self.show_lists(ValueLists(errors={Side.CRM: str(exc)})))

    def show_lists(self, lists: ValueLists) -> None:
        """List both sides' values and add a pair for each CRM value an ERP value names; returns nothing."""
        self.fill_button.setEnabled(True)
        if lists.crm:
            self.choices[0] = list(lists.crm)
            self.crm_labels.update(lists.crm)
        if lists.erp:
            self.choices[1] = list(lists.erp)
        for column in self.choices:
            self._offer(column)
        complete = {crm: erp for crm, erp in self.pairs() if crm and erp}
        proposed = propose_value_map(lists.crm, lists.erp, keep=complete)
        added = {crm: erp for crm, erp in proposed.items() if crm not in complete}
        self.table.blockSignals(True)
        for row in reversed(range(self.table.rowCount())):  # empty rows make room for the proposed pairs
            if not any(self.pairs()[row]):
                self.table.removeRow(row)
        for crm, erp in added.items():
            self._append(crm, erp)
        self.table.blockSignals(False)
        self._label_rows()
        self.allowed.setText(self._allowed_text())
        self.allowed.setVisible(bool(self.allowed.text()))
        unpaired = len([c for c in lists.crm if c not in proposed])
        parts = [f"Filled {len(added)} pair{'s' if len(added) != 1 else ''}"]
        if unpaired:
            parts.append(f"{unpaired} CRM value{'s' if unpaired != 1 else ''} without an ERP value that names "
                         f"{'them' if unpaired != 1 else 'it'}")
        parts += [f"the {side.value.upper()} list could not be read: {why}" for side, why in lists.errors.items()]
        self._note("; ".join(parts))
        self._check()

    def _note(self, text: str) -> None:
        self.fill_note.setText(text)
        self.fill_note.setVisible(bool(text))

    def _label_rows(self) -> None:
        """Each CRM cell says, as its tooltip, the name its value stands for."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text() in self.crm_labels:
                item.setToolTip(self.crm_labels[item.text()])

    def _allowed_text(self) -> str:
        lines = []
        for column, side in ((0, "CRM"), (1, "ERP")):
            values = self.choices[column]
            if values:
                named = [f"{v} {self.crm_labels[v]}" if column == 0 and v in self.crm_labels else v for v in values]
                shown = ", ".join(named[:LISTED]) + (f" … (+{len(values) - LISTED})" if len(values) > LISTED else "")
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


def lists_loader(service: Any, profile_name: str, entity: str | None, crm_field: object,
                 erp_field: object) -> Callable[[], ValueLists] | None:
    """What the fill button reads for a row of `entity` (None when the row is not complete enough to read)."""
    if not entity or not crm_field or not erp_field:
        return None
    return lambda: fetch_value_lists(service, profile_name, entity, str(crm_field), str(erp_field))

