"""Step 1: the profile's name and the two systems, picked from the kinds catalogue (each kind's name, one-line
description and icon, as the connector declares them)."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from erpsync_gui.config.kinds import ConnectorKind, kinds
from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.wizard.state import WizardState

SIDE_WORDS = {Side.CRM: "CRM (customers, leads, tickets)", Side.ERP: "ERP or accounting system"}


def kind_icon(kind: ConnectorKind):
    try:
        return icons.icon(kind.icon)
    except FileNotFoundError:
        return icons.icon("connections")


class SystemsPage(QWizardPage):
    def __init__(self, state: WizardState, taken: Collection[str]) -> None:
        super().__init__()
        self.state = state
        self.taken = {name.casefold() for name in taken}
        self.setTitle("Which systems do you connect?")
        self.setSubTitle("Pick the CRM side and the ERP side. Nothing is saved until the last step.")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Profile name")
        self.name_edit.setPlaceholderText("e.g. Main office")
        self.name_error = QLabel()
        self.name_error.setObjectName("fieldError")
        self.name_error.hide()
        label = QLabel("Profile &name *")
        label.setBuddy(self.name_edit)
        form.addRow(label, self.name_edit)
        form.addRow("", self.name_error)
        layout.addLayout(form)
        grid = QGridLayout()
        self.lists: dict[Side, QListWidget] = {}
        for column, side in enumerate(Side):
            caption = QLabel(f"&{side.value.upper()} side: {SIDE_WORDS[side]}")
            caption.setObjectName("cardTitle")
            listing = QListWidget()
            listing.setAccessibleName(f"{side.value.upper()} system")
            listing.setIconSize(QSize(28, 28))
            listing.setWordWrap(True)
            caption.setBuddy(listing)
            for kind in kinds().values():
                if side not in kind.sides:
                    continue
                item = QListWidgetItem(kind_icon(kind), f"{kind.label}\n{kind.description}")
                item.setData(Qt.ItemDataRole.UserRole, kind.name)
                item.setToolTip(kind.description)
                listing.addItem(item)
            listing.currentItemChanged.connect(self._picked)
            grid.addWidget(caption, 0, column)
            grid.addWidget(listing, 1, column)
            self.lists[side] = listing
        layout.addLayout(grid, 1)
        self.name_edit.textChanged.connect(self._named)

    def select(self, side: Side, kind: str) -> None:
        """Pick a kind on one side (as a click on its entry does)."""
        listing = self.lists[side]
        for row in range(listing.count()):
            if listing.item(row).data(Qt.ItemDataRole.UserRole) == kind:
                listing.setCurrentRow(row)

    def name_problem(self) -> str | None:
        name = self.name_edit.text().strip()
        if not name:
            return None
        if len(name) > 100:
            return "a name of 1 to 100 characters"
        if name.casefold() in self.taken:
            return f"a profile named {name!r} exists already"
        return None

    def _named(self, _text: str) -> None:
        problem = self.name_problem()
        self.name_error.setText(problem or "")
        self.name_error.setVisible(problem is not None)
        self.state.name = self.name_edit.text().strip()
        self.completeChanged.emit()

    def _picked(self, *_args: object) -> None:
        for side, listing in self.lists.items():
            item = listing.currentItem()
            if item is not None:
                self.state.kinds[side] = item.data(Qt.ItemDataRole.UserRole)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.state.name) and self.name_problem() is None and \
            all(self.lists[side].currentItem() is not None for side in Side)
