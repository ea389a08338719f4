"""The grid of an entity's field rows on the Mappings page: column widths that show each heading whole, and
the cell editors (each side's field names to pick from, the types, directions, empty-value and merge rules)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from erpsync_gui.records import Side
from erpsync_gui.ui.pages import mapping_model as cols
from erpsync_gui.ui.pages.mapping_model import FieldMappingModel
from erpsync_gui.ui.widgets.choice_delegate import ChoiceDelegate

_WIDTHS = ((cols.CRM, 130), (cols.ERP, 130), (cols.TYPE, 86), (cols.TRANSFORM, 130), (cols.VALUE_MAP, 100),
           (cols.DEFAULT, 76), (cols.REQUIRED, 82), (cols.DIRECTION, 84), (cols.EMPTY, 90), (cols.MERGE, 104))


def field_table(model: FieldMappingModel, field_names: Callable[[Side], Sequence[str]],
                parent: QWidget) -> QTableView:
    """The table over `model`; `field_names(side)` lists the names a side's field cell offers."""
    table = QTableView(parent)
    table.setTabKeyNavigation(False)  # Tab leaves the grid; the arrows move in it
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    for column, width in _WIDTHS:
        # never narrower than its heading (bold in the stylesheet: a fifth wider than the plain font)
        title = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        heading = round(table.horizontalHeader().fontMetrics().horizontalAdvance(title) * 1.2) + 24
        table.setColumnWidth(column, max(width, heading))
    table.setItemDelegateForColumn(cols.CRM, ChoiceDelegate(lambda: field_names(Side.CRM), editable=True,
                                                            parent=parent))
    table.setItemDelegateForColumn(cols.ERP, ChoiceDelegate(lambda: field_names(Side.ERP), editable=True,
                                                            parent=parent))
    table.setItemDelegateForColumn(cols.TYPE, ChoiceDelegate(lambda: cols.TYPE_CHOICES, parent=parent))
    table.setItemDelegateForColumn(cols.DIRECTION, ChoiceDelegate(lambda: cols.DIRECTIONS, parent=parent))
    table.setItemDelegateForColumn(cols.EMPTY, ChoiceDelegate(lambda: cols.EMPTY_CHOICES, parent=parent))
    table.setItemDelegateForColumn(cols.MERGE, ChoiceDelegate(lambda: cols.MERGE_CHOICES, parent=parent))
    return table


def select_rows(table: QTableView, rows: range) -> None:
    """Select `rows` (and only them) and scroll them into view, the first at least."""
    if not rows:
        return
    table.clearSelection()
    mode = table.selectionMode()
    table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
    for row in rows:
        table.selectRow(row)
    table.setSelectionMode(mode)
    table.scrollTo(table.model().index(rows[-1], cols.CRM))
    table.scrollTo(table.model().index(rows[0], cols.CRM))
