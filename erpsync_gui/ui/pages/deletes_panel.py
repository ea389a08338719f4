"""Errors -> Deletes: twins of records deleted on the other side, waiting for the admin (on_delete = queue).
Each shows the record's last known values; Approve deletes it (or archives it where its system cannot
delete), Keep leaves it."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app import deletes as delete_service
from erpsync_gui.app.deletes import PendingDelete
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.worker import run_in_background


def _values(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in values.items()
                     if v not in (None, ""))


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(text)
    return item


class DeletesPanel(QWidget):
    """The approval queue of deletes, with Approve and Keep for the selected rows."""

    #: the number of deletes waiting (the Errors page shows it on its tab)
    count_changed = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pending: list[PendingDelete] = []
        self.queue = QTableWidget(0, 5)
        self.queue.setHorizontalHeaderLabels(["Entity", "Deleted in", "Twin to delete", "Last known values", "Since"])
        self.queue.verticalHeader().setVisible(False)
        self.queue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.queue.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.queue.itemSelectionChanged.connect(self._set_buttons)
        self.approve_button = QPushButton("Approve delete")
        self.approve_button.setToolTip("Delete the twin too (or archive it where its system cannot delete)")
        self.keep_button = QPushButton("Keep")
        self.keep_button.setToolTip("Leave the twin as it is")
        self.approve_button.clicked.connect(lambda: self.decide(True))
        self.keep_button.clicked.connect(lambda: self.decide(False))
        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.approve_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.queue, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._set_buttons()

    def refresh(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        run_in_background(lambda: delete_service.list_pending(self.ctx.service, name), owner=self,
                          on_done=self._show, on_error=lambda exc: self.status.setText(f"Cannot read deletes: {exc}"))

    def _show(self, found: list[PendingDelete]) -> None:
        self.pending = found
        self.queue.setRowCount(len(found))
        for row, p in enumerate(found):
            twin = f"{p.deleted_side.other.value.upper()} {p.twin_id}"
            for column, text in enumerate((p.entity, f"{p.deleted_side.value.upper()} ({p.deleted_id})", twin,
                                           _values(p.last_values), f"{p.created_at.astimezone():%Y-%m-%d %H:%M}")):
                self.queue.setItem(row, column, _cell(text))
        self.count_changed.emit(len(found))
        self._set_buttons()

    def selected(self) -> list[PendingDelete]:
        return [self.pending[index.row()] for index in self.queue.selectionModel().selectedRows()]

    def _set_buttons(self) -> None:
        chosen = bool(self.queue.selectionModel().selectedRows())
        self.approve_button.setEnabled(chosen)
        self.keep_button.setEnabled(chosen)

    def decide(self, approve: bool) -> None:
        chosen, name = self.selected(), self.ctx.profile.name
        if not chosen or name is None:
            return
        self.approve_button.setEnabled(False)
        self.keep_button.setEnabled(False)

        def work() -> list[str]:
            return [delete_service.decide(self.ctx.service, p.id, approve, name) for p in chosen]

        run_in_background(work, owner=self, on_done=self._decided, on_error=self._failed)

    def _decided(self, done: list[str]) -> None:
        self.status.setStyleSheet("")
        self.status.setText(f"{len(done)} decided: " + ", ".join(sorted(set(done))))
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Not done: {exc}")
        self.status.setStyleSheet("color: #c62828")
        self.refresh()
