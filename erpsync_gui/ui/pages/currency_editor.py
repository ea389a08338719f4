"""The currency mapping editor: ERP currency -> CRM currency, checked against both sides' currency lists
when they could be read (free entry otherwise), proposed from them by ISO code, imported and exported in the
seed's JSON form. A pair whose ISO codes differ (RON sent as USD) is flagged beside the table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.currency_proposal import Currency, propose_currency_mapping
from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping import validate_currency_mapping
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.fonts import displayable

_COLUMN_SIDE = {0: Side.ERP, 1: Side.CRM}


class _CurrencyDelegate(QStyledItemDelegate):
    """An editable combo of the side's known currencies; the cell keeps just the id."""

    def __init__(self, editor: CurrencyEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        combo.setEditable(True)
        for cid, label in (self._editor.known.get(_COLUMN_SIDE[index.column()]) or {}).items():
            combo.addItem(f"{cid}  {label}", cid)
        return combo

    def setEditorData(self, editor, index):
        value = str(index.data(Qt.ItemDataRole.EditRole) or "")
        found = editor.findData(value)
        if found >= 0:
            editor.setCurrentIndex(found)
        else:
            editor.setEditText(value)

    def setModelData(self, editor, model, index):
        text = editor.currentText().strip()
        found = editor.findText(text)
        value = editor.itemData(found) if found >= 0 else text.split(" ", 1)[0]
        model.setData(index, value, Qt.ItemDataRole.EditRole)


class CurrencyEditor(QWidget):
    """`set_mapping({"1": 1})`, `mapping()`, `problems()`; `changed` on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: {side: {id: label}} once that side's list was read; absent means free entry
        self.known: dict[Side, dict[str, str]] = {}
        self.table = QTableWidget(0, 3)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["ERP currency id", "CRM currency id", "Currencies"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(140)
        self.table.verticalHeader().setVisible(False)
        self.table.setItemDelegateForColumn(0, _CurrencyDelegate(self))
        self.table.setItemDelegateForColumn(1, _CurrencyDelegate(self))
        self.add_button = QPushButton(icons.icon("add"), "Add")
        self.remove_button = QPushButton(icons.icon("remove"), "Remove")
        self.propose_button = QPushButton("Propose by ISO code")
        self.propose_button.setToolTip("Pair each ERP currency with the CRM currency of the same ISO code")
        self.propose_button.setEnabled(False)
        self.import_button = QPushButton(icons.icon("import"), "Import JSON…")
        self.export_button = QPushButton(icons.icon("export"), "Export JSON…")
        self.lists_note = QLabel("Reading both sides' currency lists…")
        self.lists_note.setObjectName("hint")
        self.lists_note.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setObjectName("fieldError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.warning = QLabel()
        self.warning.setObjectName("fieldError")
        self.warning.setWordWrap(True)
        self.warning.hide()
        tools = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.propose_button):
            tools.addWidget(button)
        tools.addStretch(1)
        for button in (self.import_button, self.export_button):
            tools.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.lists_note)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.warning)
        self.add_button.clicked.connect(self.add_row)
        self.propose_button.clicked.connect(self.propose)
        self.remove_button.clicked.connect(self._remove_selected)
        self.table.itemChanged.connect(self._edited)

    # -- contents --------------------------------------------------------------------------------

    def set_mapping(self, mapping: dict[str, Any]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for erp_id, crm_id in mapping.items():
            self._append(str(erp_id), str(crm_id))
        self.table.blockSignals(False)
        self._edited()

    def add_row(self, erp_id: str = "", crm_id: str = "") -> None:
        self.table.blockSignals(True)
        self._append(erp_id, crm_id)
        self.table.blockSignals(False)
        self._edited()

    def set_cell(self, row: int, side: Side, value: str) -> None:
        self.table.item(row, 0 if side is Side.ERP else 1).setText(value)

    def _append(self, erp_id: str, crm_id: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(erp_id))
        self.table.setItem(row, 1, QTableWidgetItem(crm_id))
        names = QTableWidgetItem("")
        names.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(row, 2, names)

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._edited()

    def pairs(self) -> list[tuple[str, str]]:
        return [(self._cell(r, 0), self._cell(r, 1)) for r in range(self.table.rowCount())]

    def _cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def set_known(self, side: Side, currencies: dict[str, str] | None) -> None:
        """The side's currency list (None: it could not be read, so any id is accepted)."""
        self._know(side, currencies)
        self._edited()

    def _know(self, side: Side, currencies: dict[str, str] | None) -> None:
        if currencies is None:
            self.known.pop(side, None)
        else:
            self.known[side] = dict(currencies)
        self.propose_button.setEnabled(all(side in self.known for side in Side))

    def show_lists(self, lists: Mapping[Side, dict[str, str] | str]) -> str:
        """Take both sides' currency lists as read (a side's text: why it could not be read, so any id is
        accepted there); the line that says what was found, for the note beside the editor. The table is checked
        again once, with both lists."""
        notes = []
        for side in Side:
            found = lists.get(side)
            if isinstance(found, dict):
                # a sign no installed font draws (the rial's) would show as an empty box: its spelled-out form
                found = {key: displayable(text) for key, text in found.items()}
                self._know(side, found)
                notes.append(f"{side.value.upper()}: {', '.join(found.values()) or 'no currencies'}")
            else:
                self._know(side, None)
                notes.append(f"{side.value.upper()}: the list could not be read, any id is accepted ({found})")
        self._edited()
        return "  ·  ".join(notes)

    def codes(self, side: Side) -> list[Currency]:
        """The side's listed currencies with their ISO codes (a label starts with the code)."""
        return [Currency(cid, label.split()[0].upper()) for cid, label in (self.known.get(side) or {}).items()
                if label.split()]

    def propose(self) -> list[str]:
        """Replace the table with the mapping by ISO code from both lists; what stays unmapped, in words."""
        proposal = propose_currency_mapping(self.codes(Side.ERP), self.codes(Side.CRM))
        self.set_mapping(proposal.mapping)
        self.lists_note.setText("\n".join(("Proposed by ISO code.", *proposal.notes)))
        return list(proposal.notes)

    def warnings(self) -> list[str]:
        """Pairs whose ISO codes differ on the two sides: saved if wanted, but amounts change currency."""
        codes = {side: {c.id: c.code for c in self.codes(side)} for side in Side}
        found = []
        for number, (erp_id, crm_id) in enumerate(self.pairs(), start=1):
            erp_code, crm_code = codes[Side.ERP].get(erp_id), codes[Side.CRM].get(crm_id)
            if erp_code and crm_code and erp_code != crm_code:
                found.append(f"row {number}: ERP currency {erp_id} ({erp_code}) is mapped to CRM currency {crm_id} "
                             f"({crm_code}): amounts in {erp_code} would be written as {crm_code}")
        return found

    # -- checking ---------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Everything wrong with the table, worded for the person editing it."""
        problems: list[str] = []
        seen_erp: dict[str, int] = {}
        for number, (erp_id, crm_id) in enumerate(self.pairs(), start=1):
            if not erp_id or not crm_id:
                problems.append(f"row {number}: both currency ids are needed")
                continue
            if erp_id in seen_erp:
                problems.append(f"row {number}: ERP currency {erp_id} is already mapped in row {seen_erp[erp_id]}")
            seen_erp.setdefault(erp_id, number)
            for side, value in ((Side.ERP, erp_id), (Side.CRM, crm_id)):
                known = self.known.get(side)
                if known is not None and value not in known:
                    problems.append(f"row {number}: {side.value.upper()} currency {value} does not exist "
                                    f"(known: {', '.join(known) or 'none'})")
        if not problems:
            try:
                validate_currency_mapping(dict(self.pairs()))
            except ConfigError as exc:
                problems.append(exc.message)
        return problems

    def mapping(self) -> dict[str, int | str]:
        """The checked mapping {"<erp id>": <crm id>}; ConfigError listing the problems otherwise."""
        problems = self.problems()
        if problems:
            raise ConfigError("currency mapping: " + "; ".join(problems))
        return validate_currency_mapping(dict(self.pairs()))

    # -- JSON -------------------------------------------------------------------------------------

    def import_json(self, text: str) -> None:
        """Replace the table with a mapping in the seed's form {"1": 1, "2": 3}; ConfigError when malformed."""
        self.set_mapping(validate_currency_mapping(text))

    def ask_import(self, parent: QWidget) -> str | None:
        """Ask for the seed's JSON form and load it; the problem in words when it cannot be loaded."""
        text, ok = QInputDialog.getMultiLineText(parent, "Import currency mapping",
                                                 'Paste the mapping, e.g. {"1": 1, "2": 3}:')
        if not ok:
            return None
        try:
            self.import_json(text)
        except ConfigError as exc:
            return str(exc)
        return None

    def show_export(self, parent: QWidget) -> str | None:
        """Copy the JSON form to the clipboard and show it; the problem in words when there is one."""
        try:
            text = self.export_json()
        except ConfigError as exc:
            return str(exc)
        QGuiApplication.clipboard().setText(text)
        QInputDialog.getMultiLineText(parent, "Export currency mapping", "Copied to the clipboard:", text)
        return None

    def export_json(self) -> str:
        return json.dumps(self.mapping())

    def _edited(self) -> None:
        self.table.blockSignals(True)
        for row, (erp_id, crm_id) in enumerate(self.pairs()):
            names = [self.known.get(side, {}).get(value, "?" if side in self.known else "")
                     for side, value in ((Side.ERP, erp_id), (Side.CRM, crm_id))]
            item = self.table.item(row, 2)
            if item is not None:
                item.setText(f"{names[0]}  →  {names[1]}" if any(names) else "")
        self.table.blockSignals(False)
        problems = self.problems()
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        warnings = self.warnings()
        self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(warnings))
        self.changed.emit()
