"""The conflict queue of the `manual` policy, a page of its own: both records' values side by side per field;
the admin picks the CRM's or the ERP's value of each differing field and applies the decision to both systems."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app import conflicts as conflict_service
from erpsync_gui.entities import display_name, label
from erpsync_gui.store.conflict_queries import OpenConflict
from erpsync_gui.ui import theme
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background

_SAME = QColor("#757575")


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _cell(text: str, colour: QColor | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(text)
    if colour is not None:
        item.setForeground(colour)
    return item


class ConflictsPanel(QWidget):
    """Lists the open conflicts and decides the selected one."""

    #: the number of open conflicts changed (the Errors page shows it on its tab)
    count_changed = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.conflicts: list[OpenConflict] = []
        self.current: OpenConflict | None = None
        self._groups: dict[str, QButtonGroup] = {}
        self._build()

    def _build(self) -> None:
        self.queue = QTableWidget(0, 7)
        self.queue.setHorizontalHeaderLabels(["Entity", "CRM id", "ERP id", "Name", "Differing fields", "Since",
                                              "Why"])
        self.queue.setAccessibleName("Conflicts waiting for a decision")
        self.queue.setTabKeyNavigation(False)
        self.queue.verticalHeader().setVisible(False)
        self.queue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.queue.horizontalHeader().setStretchLastSection(True)
        self.queue.itemSelectionChanged.connect(self._selected)

        self.fields = QTableWidget(0, 5)
        self.fields.setTabKeyNavigation(False)
        self.fields.setHorizontalHeaderLabels(["Field", "CRM value", "ERP value", "Use CRM", "Use ERP"])
        self.fields.verticalHeader().setVisible(False)
        self.fields.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.fields.setColumnWidth(0, 150)
        self.fields.setColumnWidth(3, 80)
        self.fields.setColumnWidth(4, 80)

        self.all_crm = QPushButton("All from &CRM")
        self.all_crm.setToolTip("Keep the CRM's value of every field that differs")
        self.all_erp = QPushButton("All from &ERP")
        self.all_erp.setToolTip("Keep the ERP's value of every field that differs")
        self.apply_button = QPushButton("&Apply decision")
        self.apply_button.setToolTip("Write the chosen values to both systems and close the conflict")
        self.apply_button.setEnabled(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.all_crm.clicked.connect(lambda: self.pick_all("crm"))
        self.all_erp.clicked.connect(lambda: self.pick_all("erp"))
        self.apply_button.clicked.connect(self.apply)

        buttons = QHBoxLayout()
        buttons.addWidget(self.all_crm)
        buttons.addWidget(self.all_erp)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Select a conflict to decide it")
        lower_layout.addWidget(self.heading)
        lower_layout.addWidget(self.fields, 1)
        lower_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.queue)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        run_in_background(lambda: conflict_service.list_conflicts(self.ctx.service, name), owner=self,
                          on_done=self._show_queue,
                          on_error=lambda exc: self.status.setText(f"Cannot read conflicts: {exc}"))

    def _show_queue(self, found: list[OpenConflict]) -> None:
        keep = self.current.id if self.current else None
        self.conflicts = found
        self.queue.blockSignals(True)
        self.queue.setRowCount(len(found))
        for row, c in enumerate(found):
            name = display_name(c.entity, c.crm_values) or display_name(c.entity, c.erp_values) or "—"
            for column, text in enumerate((label(c.entity), c.crm_id or "—", c.erp_id or "—", name,
                                           ", ".join(c.differing), f"{c.created_at.astimezone():%Y-%m-%d %H:%M}",
                                           c.reason)):
                self.queue.setItem(row, column, _cell(text))
        self.queue.blockSignals(False)
        self.count_changed.emit(len(found))
        again = next((row for row, c in enumerate(found) if c.id == keep), None)
        if again is not None:
            self.queue.selectRow(again)
        else:
            self.show_conflict(None)

    def _selected(self) -> None:
        rows = self.queue.selectionModel().selectedRows()
        self.show_conflict(self.conflicts[rows[0].row()] if rows else None)

    def show_conflict(self, conflict: OpenConflict | None) -> None:
        self.current = conflict
        self._groups.clear()
        self.fields.setRowCount(0)
        self.apply_button.setEnabled(conflict is not None)
        if conflict is None:
            self.heading.setText("Select a conflict to decide it" if self.conflicts else "No open conflicts")
            return
        name = display_name(conflict.entity, conflict.crm_values) or ""
        self.heading.setText(f"{label(conflict.entity)} {name}: CRM {conflict.crm_id} ↔ ERP {conflict.erp_id} — "
                             "pick the value to keep for each field that differs")
        names = list(dict.fromkeys([*conflict.crm_values, *conflict.erp_values]))
        differing = set(conflict.differing)
        self.fields.setRowCount(len(names))
        for row, name in enumerate(names):
            same = name not in differing
            colour = _SAME if same else None
            self.fields.setItem(row, 0, _cell(name, colour))
            self.fields.setItem(row, 1, _cell(_show(conflict.crm_values.get(name)), colour))
            self.fields.setItem(row, 2, _cell(_show(conflict.erp_values.get(name)), colour))
            if same:
                continue
            group = QButtonGroup(self.fields)
            for column, side in ((3, "crm"), (4, "erp")):
                button = QRadioButton()
                button.setObjectName(f"{name}:{side}")
                button.setToolTip(f"Keep the {side.upper()} value of {name}")
                group.addButton(button)
                holder = QWidget()
                box = QHBoxLayout(holder)
                box.setContentsMargins(0, 0, 0, 0)
                box.setAlignment(Qt.AlignmentFlag.AlignCenter)
                box.addWidget(button)
                self.fields.setCellWidget(row, column, holder)
            group.buttons()[0].setChecked(True)  # the CRM value until the admin says otherwise
            self._groups[name] = group

    # -- deciding ------------------------------------------------------------------------------
    def pick(self, field: str, side: str) -> None:
        """Choose the value of one differing field ("crm" or "erp")."""
        group = self._groups[field]
        group.buttons()[0 if side == "crm" else 1].setChecked(True)

    def pick_all(self, side: str) -> None:
        for name in self._groups:
            self.pick(name, side)

    def choice(self) -> dict[str, str]:
        return {name: "crm" if group.buttons()[0].isChecked() else "erp" for name, group in self._groups.items()}

    def apply(self) -> None:
        conflict, name = self.current, self.ctx.profile.name
        if conflict is None or name is None:
            return
        choice = self.choice()
        self.apply_button.setEnabled(False)
        self.status.setText(f"Writing the decision on {conflict.entity} {conflict.crm_id} to both systems…")
        run_in_background(lambda: conflict_service.resolve(self.ctx.service, name, conflict.id, choice), owner=self,
                          on_done=self._applied,
                          on_error=self._apply_failed)

    def current_entity(self) -> str | None:
        return self.current.entity if self.current is not None else None

    def _applied(self, done: conflict_service.ResolvedConflict) -> None:
        self.status.setStyleSheet("")
        self.status.setText(f"Conflict on {done.entity} resolved: CRM {done.crm.id} and ERP {done.erp.id} "
                            "now hold the same values")
        self.current = None
        self.refresh()
        self.ctx.open_work.refresh()

    def _apply_failed(self, exc: Exception) -> None:
        self.apply_button.setEnabled(self.current is not None)
        self.status.setText(f"Not resolved: {exc}")
        self.status.setStyleSheet(f"color: {theme.state_colour('failed')}")


class ConflictsPage(QWidget):
    """The conflict queue as a page of the sidebar (its badge counts what waits)."""

    title = "Conflicts"
    icon = "conflicts"
    help_topic = "conflicts"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.panel = ConflictsPanel(ctx)
        layout = page_layout(self, self.title, "Records changed on both sides since the last sync (manual "
                                               "policy): pick each field's value to keep, then apply it.")
        layout.addWidget(self.panel, 1)
        ctx.profile.changed.connect(self._profile_changed)
        ctx.bridge.run_finished.connect(self._run_finished)

    def _profile_changed(self, _name: str) -> None:
        self.refresh()

    def _run_finished(self, *_args: object) -> None:
        if self.isVisible():  # a run may have queued new conflicts
            self.refresh()

    def refresh(self) -> None:
        self.panel.refresh()

    def current_entity(self) -> str | None:
        return self.panel.current_entity()
