"""Live preview: one real record of each side mapped with the mapping being edited, field by field, so a
wrong row shows its error next to the value it failed on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.errors import ERPSyncError
from erpsync_gui.mapping import EntityMapping, FieldMap, LookupResolver, json_safe
from erpsync_gui.records import Record, Side
from erpsync_gui.ui.pages.mapping_samples import Samples

_ERROR = QColor("#b42318")
_SHOWN = 90


def show_value(value: Any) -> str:
    if value is None:
        return "(empty)"
    text = value if isinstance(value, str) else json.dumps(json_safe(value), ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def map_field(entity: str, f: FieldMap, data: dict[str, Any], to: Side, currency_mapping: dict[str, Any],
              resolver: LookupResolver | None) -> tuple[str, bool]:
    """(mapped value text, ok) of one row applied to one record."""
    try:
        out = EntityMapping(entity, [f], currency_mapping).map_record(data, to=to, resolver=resolver)
    except ERPSyncError as exc:
        return exc.message, False
    if f.name_on(to) not in out:
        return "(not in the record: left out)", True
    return show_value(out[f.name_on(to)]), True


class _DirectionTable(QGroupBox):
    """One sample record (source side) and what it becomes on the other side."""

    def __init__(self, source: Side, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        target = source.other.value.upper()
        self.table = QTableWidget(0, 3)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Field", f"{source.value.upper()} value", f"→ {target} value"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 14, 10, 10)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.set_title(None)

    def set_title(self, record: Record | None) -> None:
        who = f"{self.source.value.upper()} record #{record.id}" if record else f"{self.source.value.upper()} sample"
        self.setTitle(f"{who}  →  {self.source.other.value.upper()}")

    def show_note(self, text: str) -> None:
        self.table.setRowCount(0)
        self.note.setText(text)
        self.note.show()

    def show_rows(self, rows: Sequence[tuple[str, str, str, bool]]) -> None:
        self.note.hide()
        self.table.setRowCount(len(rows))
        for number, (name, before, after, ok) in enumerate(rows):
            for column, text in enumerate((name, before, after)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 2 and not ok:
                    item.setForeground(QBrush(_ERROR))
                self.table.setItem(number, column, item)

    def texts(self) -> list[tuple[str, str, str]]:
        """The table's cells (for tests and copy)."""
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]


class MappingPreview(QWidget):
    """The two directions side by side. `update_preview` re-maps from the cached samples (no I/O)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tables = {side: _DirectionTable(side) for side in Side}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self.tables[Side.CRM])
        layout.addWidget(self.tables[Side.ERP])
        self.samples: Samples | None = None
        self.show_loading()

    def show_loading(self) -> None:
        for table in self.tables.values():
            table.set_title(None)
            table.show_note("Reading a sample record…")

    def set_samples(self, samples: Samples | None) -> None:
        self.samples = samples

    def show_problem(self, text: str) -> None:
        for table in self.tables.values():
            table.show_note(text)

    def show_note(self, text: str) -> None:
        """Both directions say `text` instead of rows (why there is nothing to preview yet)."""
        for table in self.tables.values():
            table.set_title(None)
            table.show_note(text)

    def update_preview(self, entity: str, fields: Sequence[FieldMap], currency_mapping: dict[str, Any],
                       resolver: LookupResolver | None) -> None:
        if self.samples is None:
            return
        for side, table in self.tables.items():
            record = self.samples.records.get(side)
            table.set_title(record)
            if side in self.samples.errors:
                table.show_note(f"No sample: {self.samples.errors[side]}")
                continue
            if record is None:
                table.show_note(f"The {side.value.upper()} has no {entity} yet, so there is nothing to preview.")
                continue
            to = side.other
            rows = []
            for f in fields:
                if not f.flows_to(to):
                    continue
                mapped, ok = map_field(entity, f, dict(record.data), to, currency_mapping, resolver)
                name = f"{f.name_on(side)} → {f.name_on(to)}"
                rows.append((name, show_value(record.data.get(f.name_on(side))), mapped, ok))
            table.show_rows(rows)
