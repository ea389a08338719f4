"""The review list of suggested field pairs on the Mappings page: each pair with a tick box and the reason it
is offered; "Add ticked pairs" adds the ticked ones as mapping rows, the rest count as rejected (not offered
again for this entity until the page reloads). Hidden while there is nothing to review."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.mapping.suggestions import Suggestion
from erpsync_gui.ui import icons

COLUMNS = ("CRM field", "ERP field", "Why")


class SuggestionReview(QFrame):
    """`accepted(list[Suggestion])` with the ticked pairs, `rejected(list[Suggestion])` with the others."""

    accepted = Signal(list)
    rejected = Signal(list)
    #: the list was shown (True) or put away (False)
    reviewing = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.suggestions: list[Suggestion] = []
        self.title = QLabel()
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Suggested pairs")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.add_button = QPushButton(icons.icon("add"), "A&dd ticked pairs")
        self.add_button.setObjectName("primary")
        self.reject_button = QPushButton("Re&ject all")
        self.reject_button.setToolTip("Add none of them; they are not offered again for this entity")
        buttons = QHBoxLayout()
        buttons.addWidget(self.title, 1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self._add)
        self.reject_button.clicked.connect(self._reject)
        self.table.itemChanged.connect(lambda _item: self._count())
        self.hide()

    def show_suggestions(self, suggestions: Sequence[Suggestion]) -> None:
        """The pairs to review; the likely ones (same name, synonyms, one inside the other) ticked at first."""
        self.suggestions = list(suggestions)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.suggestions))
        for row, pair in enumerate(self.suggestions):
            crm = QTableWidgetItem(pair.crm)
            crm.setFlags(crm.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            crm.setCheckState(Qt.CheckState.Checked if pair.likely else Qt.CheckState.Unchecked)
            crm.setToolTip("Tick to add this pair")
            self.table.setItem(row, 0, crm)
            self.table.setItem(row, 1, QTableWidgetItem(pair.erp))
            why = QTableWidgetItem(pair.reason)
            why.setToolTip(pair.reason)
            self.table.setItem(row, 2, why)
        self.table.blockSignals(False)
        # up to three pairs in view (more scroll): the mapping's rows below keep room at 150 % on 1080 px
        shown = min(max(len(self.suggestions), 2), 3)
        rows = self.table.verticalHeader().defaultSectionSize() * shown
        self.table.setMaximumHeight(self.table.horizontalHeader().sizeHint().height() + rows + 4)
        self._count()
        self.setVisible(bool(self.suggestions))
        self.reviewing.emit(bool(self.suggestions))

    def ticked(self) -> list[Suggestion]:
        return [pair for row, pair in enumerate(self.suggestions)
                if self.table.item(row, 0).checkState() == Qt.CheckState.Checked]

    def row_of(self, crm: str) -> int:
        """The list's row of the pair with this CRM field, -1 when none."""
        return next((row for row, pair in enumerate(self.suggestions) if pair.crm == crm), -1)

    def _count(self) -> None:
        ticked = len(self.ticked())
        total = len(self.suggestions)
        self.title.setText(f"{total} suggested pair{'' if total == 1 else 's'}: tick the ones to add "
                           f"({ticked} ticked)")
        self.add_button.setEnabled(ticked > 0)

    def _add(self) -> None:
        ticked = self.ticked()
        rest = [pair for pair in self.suggestions if pair not in ticked]
        self.clear()
        if rest:
            self.rejected.emit(rest)
        self.accepted.emit(ticked)

    def _reject(self) -> None:
        rest = list(self.suggestions)
        self.clear()
        self.rejected.emit(rest)

    def clear(self) -> None:
        was = not self.isHidden()
        self.suggestions = []
        self.table.setRowCount(0)
        self.hide()
        if was:
            self.reviewing.emit(False)
