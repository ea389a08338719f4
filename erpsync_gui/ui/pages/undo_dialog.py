"""Undo this run: the undo's dry run (what would be restored or removed, and what cannot be undone and
why), then the undo itself on the admin's word; the undo is a run of its own, listed in the run history."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app import undo as undo_service
from erpsync_gui.engine.undo import UndoPlan, UndoResult
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.worker import run_in_background

_VERBS = {"restore": "Restore", "delete": "Delete", "archive": "Archive", "recreate": "Create again"}


def _show(value: Any) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False, default=str)


class UndoDialog(QDialog):
    """Loads the plan of undoing `run_id`; `undo_button` carries it out."""

    def __init__(self, ctx: UiContext, run_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.run_id = run_id
        self.plan: UndoPlan | None = None
        self.result: UndoResult | None = None
        self.setWindowTitle(f"Undo run {run_id}")
        self.resize(820, 480)
        self.summary = QLabel("Working out what undoing this run would do…")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["What", "Record", "Field", "Now → after the undo"])
        buttons = QDialogButtonBox()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setEnabled(False)
        buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.undo_button.clicked.connect(self.undo)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        name = ctx.profile.name
        run_in_background(lambda: undo_service.preview_undo(ctx.service, run_id, name), owner=self,
                          on_done=self._show_plan, on_error=self._failed)

    def _show_plan(self, plan: UndoPlan) -> None:
        self.plan = plan
        self.summary.setText(f"Undoing run {plan.run_id} ({plan.entity}): {len(plan.steps)} to undo, "
                             f"{len(plan.cannot)} cannot be undone. This is a dry run: nothing has changed yet.")
        self.tree.clear()
        for step in plan.steps:
            row = QTreeWidgetItem([_VERBS[step.action], f"{step.side.value.upper()} {step.record_id}", "", ""])
            for name, value in step.fields.items():
                row.addChild(QTreeWidgetItem(["", "", name, f"{_show(step.current.get(name))} → {_show(value)}"]))
            self.tree.addTopLevelItem(row)
        for item in plan.cannot:
            self.tree.addTopLevelItem(QTreeWidgetItem(["Cannot undo", f"{item.side.value.upper()} {item.record_id}",
                                                       "", item.reason]))
        self.tree.expandAll()
        self.undo_button.setEnabled(bool(plan.steps))

    def undo(self) -> None:
        self.undo_button.setEnabled(False)
        self.summary.setText("Undoing…")
        name = self.ctx.profile.name
        run_in_background(lambda: undo_service.undo_run(self.ctx.service, self.run_id, name), owner=self,
                          on_done=self._done, on_error=self._failed)

    def _done(self, result: UndoResult) -> None:
        self.result = result
        failed = "; ".join(f.reason for f in result.failed)
        failed = f"; {len(result.failed)} failed: {failed}" if failed else ""
        self.summary.setText(f"{result.status.capitalize()}: {result.done} undone as run {result.run_id} "
                             f"(which can be undone in turn){failed}")

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(f"Cannot undo: {exc}")
        self.summary.setStyleSheet("color: #c62828")
