"""The field mapping of one entity as an editable table model over its JSON rows.

Each row stays the dict `EntityConfig.fields` stores, so keys the table has no column for (sub-rows of
`lines`, explicit ways back) survive an edit untouched. Rows with problems are tinted and explain why.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from erpsync_gui.mapping import TYPES

COLUMNS = ("CRM field", "ERP field", "Type", "Transform", "Value map", "Default", "Required", "Direction",
           "When empty", "Both changed", "Lookup/currency")
CRM, ERP, TYPE, TRANSFORM, VALUE_MAP, DEFAULT, REQUIRED, DIRECTION, EMPTY, MERGE, EXTRA = range(len(COLUMNS))
#: a row's merge rule ("entity": the entity's own rule for a field both sides changed)
MERGE_CHOICES = ("entity", "crm_wins", "erp_wins", "newest_wins", "ask")
MERGE_HELP = (
    "Under the merge policy, when both sides changed this field since the last sync:\n"
    "entity: the entity's rule (Both changed, beside the conflict policy)\n"
    "crm_wins / erp_wins: that side's value is kept and written to the other\n"
    "newest_wins: the value of the record changed last\n"
    "ask: the record waits in the conflict queue for you to decide\n"
    "A field only one side changed always comes from that side."
)
DIRECTIONS = ("both", "export", "import")
#: the empty-value rule of a row (the same for a create and an update, per target side)
EMPTY_CHOICES = ("auto", "null", "omit", "default")
EMPTY_HELP = (
    "What a write does when the value is empty (the same for a new record and an update):\n"
    "auto: a field with a default gets it, a field that takes no empty value keeps its value, others are cleared\n"
    "null: the target field is cleared\n"
    "omit: the target field keeps the value it has\n"
    "default: the row's default, else the target field's own default"
)
TYPE_CHOICES = tuple(TYPES)
_PROBLEM_ROWS = re.compile(r"^rows? (\d+)(?:\.\d+)*(?: and (\d+))?")
_PROBLEM_TINT = QColor("#fdecec")
_Index = QModelIndex | QPersistentModelIndex


def problem_rows(problems: Sequence[str]) -> dict[int, list[str]]:
    """{row index (0-based): [messages]} from MappingConfigError problems ("row 3 (email): ...")."""
    out: dict[int, list[str]] = {}
    for problem in problems:
        match = _PROBLEM_ROWS.match(problem)
        if match is None:
            continue
        for number in filter(None, match.groups()):
            out.setdefault(int(number) - 1, []).append(problem)
    return out


def _default_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _default_value(text: str) -> Any:
    """"" -> None; numbers and true/false as JSON; everything else as the text itself."""
    text = text.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, int | float | bool) else text


class FieldMappingModel(QAbstractTableModel):
    """Rows of {"crm", "erp", "type", ...}; `rows()` returns them ready for parse_fields."""

    def __init__(self, rows: Sequence[dict[str, Any]] = (), parent=None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = [copy.deepcopy(dict(r)) for r in rows]
        self._problems: dict[int, list[str]] = {}

    # -- whole-table operations ------------------------------------------------------------------

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = [copy.deepcopy(dict(r)) for r in rows]
        self._problems = {}
        self.endResetModel()

    def rows(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._rows)

    def row(self, index: int) -> dict[str, Any]:
        return copy.deepcopy(self._rows[index])

    def add_row(self, row: dict[str, Any] | None = None) -> int:
        position = len(self._rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.append(dict(row) if row else {"crm": "", "erp": "", "type": "text"})
        self.endInsertRows()
        return position

    def remove_rows(self, indexes: Sequence[int]) -> None:
        for position in sorted(set(indexes), reverse=True):
            if 0 <= position < len(self._rows):
                self.beginRemoveRows(QModelIndex(), position, position)
                del self._rows[position]
                self.endRemoveRows()
        self.set_problems([])

    def set_value_map(self, index: int, value_map: dict[str, Any]) -> None:
        if value_map:
            self._rows[index]["value_map"] = dict(value_map)
        else:
            self._rows[index].pop("value_map", None)
        cell = self.index(index, VALUE_MAP)
        self.dataChanged.emit(cell, cell)

    def set_problems(self, problems: Sequence[str]) -> None:
        """Tint and explain the rows these problems name; only rows whose problems changed are drawn again (the
        page checks the entity at every edit and every read that arrives)."""
        new = problem_rows(problems)
        changed = [r for r in set(new) | set(self._problems) if new.get(r) != self._problems.get(r)]
        self._problems = new
        shown = [r for r in changed if 0 <= r < len(self._rows)]
        if shown:
            self.dataChanged.emit(self.index(min(shown), 0), self.index(max(shown), len(COLUMNS) - 1))

    def problems_of(self, index: int) -> list[str]:
        return list(self._problems.get(index, ()))

    # -- the Qt model ----------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = index.column()
        if column == REQUIRED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column == VALUE_MAP:
            return base  # edited in its own dialog
        if column == EXTRA and self._rows[index.row()].get("type", "text") not in ("lookup", "price"):
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(row, column, role == Qt.ItemDataRole.EditRole)
        if role == Qt.ItemDataRole.CheckStateRole and column == REQUIRED:
            return Qt.CheckState.Checked if row.get("required") else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and index.row() in self._problems:
            return QBrush(_PROBLEM_TINT)
        if role == Qt.ItemDataRole.ToolTipRole:
            problems = self._problems.get(index.row())
            if problems:
                return "\n".join(problems)
            if column == VALUE_MAP:
                return "Double-click to edit the value map"
            if column == EMPTY:
                return EMPTY_HELP
            if column == MERGE:
                return MERGE_HELP
        if role == Qt.ItemDataRole.ForegroundRole and column == VALUE_MAP and not row.get("value_map"):
            return QBrush(QColor("#8a94a3"))
        return None

    @staticmethod
    def _text(row: dict[str, Any], column: int, editing: bool) -> str:
        if column == CRM:
            return str(row.get("crm") or "")
        if column == ERP:
            return str(row.get("erp") or "")
        if column == TYPE:
            return str(row.get("type") or "text")
        if column == TRANSFORM:
            transforms = row.get("transform") or []
            return ", ".join(map(str, transforms)) if isinstance(transforms, list) else str(transforms)
        if column == VALUE_MAP:
            count = len(row.get("value_map") or {})
            return f"{count} value{'s' if count != 1 else ''}" if count else ("" if editing else "none")
        if column == DEFAULT:
            return _default_text(row.get("default"))
        if column == DIRECTION:
            return str(row.get("direction") or "both")
        if column == EMPTY:
            rule = row.get("empty")
            if isinstance(rule, dict):
                return " · ".join(f"{side.upper()}: {value}" for side, value in sorted(rule.items()))
            return str(rule or "auto")
        if column == MERGE:
            return str(row.get("merge") or "entity")
        if column == EXTRA:
            kind = row.get("type", "text")
            if kind == "lookup":
                return str(row.get("lookup") or "")
            if kind == "price":
                return _default_text(row.get("currency"))
            if kind == "lines":
                return f"{len(row.get('fields') or [])} line fields"
        return ""

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        row, column = self._rows[index.row()], index.column()
        if column == REQUIRED and role == Qt.ItemDataRole.CheckStateRole:
            row["required"] = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role != Qt.ItemDataRole.EditRole:
            return False
        elif column in (CRM, ERP):
            row["crm" if column == CRM else "erp"] = str(value).strip()
        elif column == TYPE:
            row["type"] = str(value)
            self._drop_keys_of_other_types(row)
        elif column == TRANSFORM:
            names = [part.strip() for part in str(value).split(",") if part.strip()]
            if names:
                row["transform"] = names
            else:
                row.pop("transform", None)
        elif column == DEFAULT:
            row["default"] = _default_value(str(value))
        elif column == DIRECTION:
            row["direction"] = str(value)
        elif column == EMPTY:
            if str(value) in ("", "auto"):
                row.pop("empty", None)
            else:
                row["empty"] = str(value)
        elif column == MERGE:
            if str(value) in MERGE_CHOICES[1:]:
                row["merge"] = str(value)
            else:
                row.pop("merge", None)
        elif column == EXTRA:
            text = str(value).strip()
            key = "lookup" if row.get("type") == "lookup" else "currency"
            row[key] = (int(text) if key == "currency" and text.isdigit() else text) or None
        else:
            return False
        first, last = self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1)
        self.dataChanged.emit(first, last)
        return True

    @staticmethod
    def _drop_keys_of_other_types(row: dict[str, Any]) -> None:
        """Keys that only one type takes would make the row invalid after a type change."""
        kind = row.get("type")
        for key, owner in (("lookup", "lookup"), ("currency", "price"), ("fields", "lines")):
            if kind != owner and row.get(key) is None:
                row.pop(key, None)
