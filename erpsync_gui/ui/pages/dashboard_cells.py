"""The dashboard's table cells and the short words of its runs: start times, durations, a run's state."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem

from erpsync_gui.store import queries
from erpsync_gui.ui.when import when_text


def started_text(moment: datetime | None) -> str:
    """ "16:05" today, "yesterday 16:05", "Mon 30 Nov 16:05": short enough for the runs beside the Today table."""
    return "—" if moment is None else when_text(moment).removeprefix("today ")


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "running"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def run_state(run: queries.RunSummary) -> str:
    """A run's state as the dashboard says it: a dry run is a preview, never a result."""
    return "preview" if run.kind == queries.PREVIEW_KIND else run.status


def table_cell(text: object, colour: str | None = None, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if colour:
        item.setForeground(QColor(colour))
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setTabKeyNavigation(False)  # Tab goes on to the next control; the arrows move in the table
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def empty_note(text: str) -> QLabel:
    note = QLabel(text)
    note.setObjectName("emptyState")
    note.setWordWrap(True)
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return note
