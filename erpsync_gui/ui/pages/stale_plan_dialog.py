"""After Apply: the planned records that changed since the preview and were not written, each with what
changed; the admin previews those records again (a fresh plan of exactly them) or leaves them for the next
sync."""

from __future__ import annotations

from PySide6.QtCore import Signal
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

from erpsync_gui.app.attention import plural
from erpsync_gui.engine.types import PlanItem, RunResult
from erpsync_gui.entities import label
from erpsync_gui.records import Side
from erpsync_gui.ui.pages.preview_rows import ACTION_LABELS, describe_record
from erpsync_gui.ui.record_names import RecordNames


def preview_ids(items: tuple[PlanItem, ...]) -> dict[Side, list[str]]:
    """The records to preview again, per side they are read from."""
    out: dict[Side, list[str]] = {}
    for item in items:
        out.setdefault(item.source_side, []).append(item.source.id)
    return out


class StalePlanDialog(QDialog):
    #: the admin wants a new preview of exactly these records: (entity, {Side: ids})
    preview_again = Signal(str, object)

    def __init__(self, result: RunResult, names: RecordNames, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        items = result.not_applied
        self.setWindowTitle(f"Changed since the preview: {label(result.entity)}")
        self.resize(760, 420)
        verb = "was" if len(items) == 1 else "were"
        heading = QLabel(f"{plural(len(items), 'planned record')} of {label(result.entity)} changed since the "
                         f"preview and {verb} not written. The rest of the plan was applied.")
        heading.setWordWrap(True)
        question = QLabel("Preview these records again to see what a sync would do with them now?")
        question.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Action", "Record", "What changed"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Records not applied")
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        for item in items:
            row = QTreeWidgetItem([ACTION_LABELS.get(item.action, item.action.value),
                                   describe_record(item, names.of_item(result.entity, item)),
                                   item.reason.removeprefix("not applied: ")])
            row.setToolTip(2, item.reason)
            self.tree.addTopLevelItem(row)
        buttons = QDialogButtonBox()
        self.preview_button = QPushButton("&Preview them again")
        self.preview_button.setDefault(True)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton("&Leave them for the next sync", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.accepted.connect(lambda: self.preview_again.emit(result.entity, preview_ids(items)))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(question)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str, str]]:
        rows = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [(row.text(0), row.text(1), row.text(2)) for row in rows]
