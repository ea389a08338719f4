"""The Errors page's tables: the groups, whose cause is what an admin reads - it takes the room that is left,
never less than ERROR_MIN_CHARS characters, and wraps over lines - and the look both tables share."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from erpsync_gui.store.queries import ErrorGroup
from erpsync_gui.ui.pages.error_rows import RunGroup, group_cells

#: the Error column, wrapped over lines, is never narrower than this many average characters
ERROR_MIN_CHARS = 48
#: the Records column (elided; the whole list in its tooltip) is never wider than this
RECORDS_MAX_PX = 240
ERROR_COLUMN, RECORDS_COLUMN = 2, 6


def cell(text: object, tooltip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(tooltip if tooltip is not None else str(text))
    return item


def table_look(table: QTableWidget) -> None:
    table.setTabKeyNavigation(False)  # Tab goes on to the next control; the arrows move in the table
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)


class GroupTable(QTableWidget):
    """One row per group: Entity, Kind, Error, Count, First seen, Last seen, Records."""

    def __init__(self) -> None:
        super().__init__(0, 7)
        self.setHorizontalHeaderLabels(["Entity", "Kind", "Error", "Count", "First seen", "Last seen", "Records"])
        self.setAccessibleName("Error groups")
        table_look(self)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(ERROR_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(RECORDS_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(40)
        header.sectionResized.connect(lambda *_: self.resizeRowsToContents())

    def show_groups(self, groups: list[ErrorGroup | RunGroup]) -> None:
        self.setRowCount(len(groups))
        for row, group in enumerate(groups):
            for column, (text, tip) in enumerate(group_cells(group)):
                self.setItem(row, column, cell(text, tip or None))
        self.fit_columns()

    def fit_columns(self) -> None:
        """Counts and dates at their size, the records capped, the cause gets the rest (and a minimum)."""
        header = self.horizontalHeader()
        self.resizeColumnToContents(RECORDS_COLUMN)
        self.setColumnWidth(RECORDS_COLUMN, min(self.columnWidth(RECORDS_COLUMN), RECORDS_MAX_PX))
        minimum = self.fontMetrics().averageCharWidth() * ERROR_MIN_CHARS
        if header.sectionSize(ERROR_COLUMN) < minimum:
            header.setSectionResizeMode(ERROR_COLUMN, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(ERROR_COLUMN, minimum)
        else:
            header.setSectionResizeMode(ERROR_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.resizeRowsToContents()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.horizontalHeader().setSectionResizeMode(ERROR_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.fit_columns()
