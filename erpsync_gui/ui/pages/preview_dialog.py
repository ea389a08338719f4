"""The dry run's plan: planned creates, updates and conflicts, each record named, with field-level
before/after; filtered by action and searched, exported as CSV. Apply writes exactly this reviewed plan
(records that changed since are left out and listed afterwards), not a fresh sync."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.engine.types import PlanItem, RunResult
from erpsync_gui.entities import label
from erpsync_gui.ui import icons
from erpsync_gui.ui.pages.preview_rows import ACTION_LABELS, describe_record, matches, summary, value_text, write_csv
from erpsync_gui.ui.record_names import RecordNames
from erpsync_gui.ui.widgets.worker import run_in_background

_COLUMNS = ("Action", "Record", "Field", "Before", "After", "Why")
_ALL = "All actions"


class PreviewDialog(QDialog):
    """Non-modal: `applied(entity, result)` carries the reviewed plan when the admin applies it."""

    applied = Signal(str, object)  # entity, RunResult of the dry run

    def __init__(self, result: RunResult, direction, parent: QWidget | None = None,
                 names: RecordNames | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.direction = direction
        self.names = names or RecordNames(None)
        self._names: list[str | None] = [self.names.of_item(result.entity, item) for item in result.plan]
        self.setWindowTitle(f"Preview: {label(result.entity)} ({result.direction.value})")
        self.resize(960, 580)
        self.summary = QLabel(summary(result))
        self.summary.setWordWrap(True)
        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName("Show the action")
        self.action_filter.addItem(_ALL, None)
        present = sorted({item.action for item in result.plan}, key=lambda a: a.value)
        for action in present:
            count = sum(1 for item in result.plan if item.action is action)
            self.action_filter.addItem(f"{ACTION_LABELS.get(action, action.value)} ({count})", action)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, ids, fields and reasons")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the plan")
        self.shown = QLabel("")
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.action_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(_COLUMNS))
        self.tree.setHeaderLabels(list(_COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAccessibleName("Planned changes")
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((110, 280, 120, 130, 130)):
            self.tree.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.tree.itemExpanded.connect(self._fill_changes)
        self._fill(result.plan)
        self._fitted = False

        buttons = QDialogButtonBox()
        self.apply_button = QPushButton(icons.icon("sync"), "&Apply the reviewed plan")
        self.apply_button.setToolTip("Write exactly the changes listed here; records changed since the preview "
                                     "are left out and listed")
        self.apply_button.setDefault(True)
        self.apply_button.setEnabled(bool(result.plan) and result.status != "failed")
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = QPushButton(icons.icon("export"), "E&xport CSV…")
        self.export_button.setToolTip("Save the rows shown as a CSV file, one line per changed field")
        self.export_button.clicked.connect(lambda: self.export_csv())
        expand = QPushButton("Expand a&ll")
        expand.setToolTip("Show the field changes of every row")
        expand.clicked.connect(self.tree.expandAll)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(expand, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.accepted.connect(lambda: self.applied.emit(result.entity, result))
        self.status = QLabel("")

        tools = QHBoxLayout()
        caption = QLabel("&Show")
        caption.setBuddy(self.action_filter)
        tools.addWidget(caption)
        tools.addWidget(self.action_filter)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.shown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        if result.message:
            note = QLabel(result.message)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.summary)
        layout.addLayout(tools)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setTabOrder(self.action_filter, self.search)
        self.setTabOrder(self.search, self.tree)
        self._count_shown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            self.fit_columns()

    def fit_columns(self) -> None:
        """Names and ids whole where the dialog has room, and the reason whole as well: the Record column gives
        way first (its longest names elided, whole in the tooltip), down to a width where a name still reads."""
        room = self.tree.viewport().width()
        others = sum(self.tree.columnWidth(column) for column in (0, 2, 3, 4))
        why = min(self.tree.sizeHintForColumn(5) + 16, 320)
        wanted = self.tree.sizeHintForColumn(1) + 16
        self.tree.setColumnWidth(1, max(200, min(wanted, 460, room - others - why)))

    def _fill(self, plan: tuple[PlanItem, ...]) -> None:
        items = []
        for index, item in enumerate(plan):
            why = item.reason if item.error is None else f"{item.reason}: {item.error}"
            row = QTreeWidgetItem([ACTION_LABELS.get(item.action, item.action.value),
                                   describe_record(item, self._names[index]),
                                   f"{len(item.changes)} fields" if item.changes else "", "", "", why])
            row.setData(0, Qt.ItemDataRole.UserRole, index)
            row.setToolTip(1, row.text(1))
            row.setToolTip(5, why)
            if item.changes:
                # children are built when the row is opened: a 5,000-item plan stays quick to show
                row.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            items.append(row)
        self.tree.addTopLevelItems(items)

    def _item_of(self, row: QTreeWidgetItem) -> tuple[PlanItem, str | None] | None:
        index = row.data(0, Qt.ItemDataRole.UserRole)
        if not isinstance(index, int) or not 0 <= index < len(self.result.plan):
            return None
        return self.result.plan[index], self._names[index]

    def _fill_changes(self, row: QTreeWidgetItem) -> None:
        found = self._item_of(row)
        if found is None or row.childCount():
            return
        row.addChildren([QTreeWidgetItem(["", "", change.field, value_text(change.before),
                                          value_text(change.after), ""]) for change in found[0].changes])

    # -- filter, search, export ----------------------------------------------------------------
    def apply_filter(self) -> None:
        action, text = self.action_filter.currentData(), self.search.text().strip()
        for i in range(self.tree.topLevelItemCount()):
            row = self.tree.topLevelItem(i)
            found = self._item_of(row)
            row.setHidden(found is None or not matches(found[0], found[1], action, text))
        self._count_shown()

    def _count_shown(self) -> None:
        total = self.tree.topLevelItemCount()
        shown = sum(1 for i in range(total) if not self.tree.topLevelItem(i).isHidden())
        noun = "row" if total == 1 else "rows"
        self.shown.setText(f"{shown:,} of {total:,} {noun}" if shown != total else f"{total:,} {noun}")

    def visible_rows(self) -> list[tuple[PlanItem, str | None]]:
        found = [self._item_of(self.tree.topLevelItem(i)) for i in range(self.tree.topLevelItemCount())
                 if not self.tree.topLevelItem(i).isHidden()]
        return [f for f in found if f is not None]

    def export_csv(self, path: str | None = None) -> None:
        """Write the rows shown to a CSV file (asks where when no path is given), off the GUI thread."""
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export the preview",
                                                  f"erpsync-preview-{self.result.entity}.csv",
                                                  "CSV files (*.csv);;All files (*)")
            if not path:
                return
        target, rows = Path(path), self.visible_rows()
        self.export_button.setEnabled(False)
        run_in_background(lambda: write_csv(target, rows), owner=self, on_done=lambda n: self._exported(n, target),
                          on_error=self._export_failed)

    def _exported(self, lines: int, target: Path) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Exported {lines:,} lines to {target}")

    def _export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Export failed: {exc}")

    def rows(self) -> list[tuple[str, str]]:
        """(action, record) of each listed row (what the admin sees)."""
        return [(self.tree.topLevelItem(i).text(0), self.tree.topLevelItem(i).text(1))
                for i in range(self.tree.topLevelItemCount())]
