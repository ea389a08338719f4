"""The dry run's plan: planned creates, updates and conflicts with field-level before/after, from which
the admin applies the real run or cancels."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.engine.types import Action, PlanItem, RunResult

_ACTION_LABELS = {
    Action.CREATE: "Create", Action.UPDATE: "Update", Action.UPDATE_SOURCE: "Update (source)",
    Action.LINK: "Link", Action.REBASELINE: "Refresh link", Action.CONFLICT: "Conflict",
    Action.DEFER: "Later", Action.FAILED: "Fails", Action.SKIP: "Skip", Action.RETIRE: "Deleted",
}
_COLUMNS = ("Action", "Record", "Field", "Before", "After", "Why")


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def describe_record(item: PlanItem) -> str:
    """'CRM 12 → ERP 40' style: where the change comes from and where it goes."""
    source = f"{item.source_side.value.upper()} {item.source.id}"
    write = item.write_side or item.source_side.other
    if item.action is Action.UPDATE_SOURCE:
        target = item.target.id if item.target else "?"
        return f"{item.source_side.other.value.upper()} {target} → {source}"
    twin = item.target.id if item.target is not None else "new"
    return f"{source} → {write.value.upper()} {twin}"


def summary(result: RunResult) -> str:
    counts = Counter(item.action for item in result.plan)
    parts = [f"{n} {_ACTION_LABELS[a].lower()}" for a, n in sorted(counts.items(), key=lambda kv: kv[0].value)]
    text = ", ".join(parts) if parts else "Nothing to change: both systems are in step."
    if result.plan_truncated:
        text += f" (and {result.plan_truncated} more not listed)"
    return text


class PreviewDialog(QDialog):
    """Non-modal: `applied` carries the entity (and direction) when the admin applies."""

    applied = Signal(str, object)  # entity, Direction | None

    def __init__(self, result: RunResult, direction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.direction = direction
        self.setWindowTitle(f"Preview: {result.entity} ({result.direction.value})")
        self.resize(900, 560)
        self.summary = QLabel(summary(result))
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(_COLUMNS))
        self.tree.setHeaderLabels(list(_COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((110, 170, 140, 170, 170)):
            self.tree.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.tree.itemExpanded.connect(self._fill_changes)
        self._fill(result.plan)

        buttons = QDialogButtonBox()
        self.apply_button = QPushButton("Apply: sync now")
        self.apply_button.setDefault(True)
        self.apply_button.setEnabled(bool(result.plan) and result.status != "failed")
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        expand = QPushButton("Expand all")
        expand.clicked.connect(self.tree.expandAll)
        buttons.addButton(expand, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.accepted.connect(lambda: self.applied.emit(result.entity, direction))

        layout = QVBoxLayout(self)
        if result.message:
            note = QLabel(result.message)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)

    def _fill(self, plan: tuple[PlanItem, ...]) -> None:
        items = []
        for item in plan:
            row = QTreeWidgetItem([_ACTION_LABELS.get(item.action, item.action.value), describe_record(item),
                                   f"{len(item.changes)} fields" if item.changes else "", "", "",
                                   item.reason if item.error is None else f"{item.reason}: {item.error}"])
            row.setData(0, Qt.ItemDataRole.UserRole, item)
            row.setToolTip(5, row.text(5))
            if item.changes:
                # children are built when the row is opened: a 5,000-item plan stays quick to show
                row.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            items.append(row)
        self.tree.addTopLevelItems(items)

    def _fill_changes(self, row: QTreeWidgetItem) -> None:
        item = row.data(0, Qt.ItemDataRole.UserRole)
        if not isinstance(item, PlanItem) or row.childCount():
            return
        row.addChildren([QTreeWidgetItem(["", "", change.field, _text(change.before), _text(change.after), ""])
                         for change in item.changes])

    def rows(self) -> list[tuple[str, str]]:
        """(action, record) of each listed row (what the admin sees)."""
        return [(self.tree.topLevelItem(i).text(0), self.tree.topLevelItem(i).text(1))
                for i in range(self.tree.topLevelItemCount())]
