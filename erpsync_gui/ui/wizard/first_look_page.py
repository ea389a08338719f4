"""Step 5: a first look. A dry run of the first sync of each ticked entity, with what it would do in words;
Preview opens the field-level plan. Nothing is written to either system and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from erpsync_gui.app.first_look import FirstLook, look_words
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.ui.pages.preview_dialog import PreviewDialog
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.state import WizardState

#: the dry runs of a profile not saved yet
Looker = Callable[[ProfileConfig, WizardState], Mapping[str, FirstLook]]


class FirstLookPage(QWizardPage):
    def __init__(self, state: WizardState, looker: Looker) -> None:
        super().__init__()
        self.state = state
        self.looker = looker
        self.looks: dict[str, FirstLook] = {}
        self.preview: PreviewDialog | None = None
        self.setTitle("A first look")
        self.setSubTitle("What the first sync would do, planned against both systems. Nothing is written.")
        layout = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Entity", "The first sync", ""])
        self.table.setAccessibleName("First look")
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        layout.addWidget(self.table, 1)
        self.loaded = False
        self._looked_for: object = None

    def initializePage(self) -> None:
        try:
            profile = self.state.profile()
        except ERPSyncError as exc:
            self.note.setText(f"No first look: {exc}")
            self.loaded = True
            self.completeChanged.emit()
            return
        if profile == self._looked_for:
            return
        self._looked_for = profile
        self.loaded = False
        self.table.setRowCount(0)
        self.note.setText("Planning the first sync of each entity (reading both systems)…")
        self.completeChanged.emit()
        run_in_background(lambda: self.looker(profile, self.state), owner=self, on_done=self.show_looks,
                          on_error=lambda exc: self._failed(str(exc)))

    def _failed(self, text: str) -> None:
        self.note.setText(f"No first look: {text}. You can still save and sync later.")
        self.loaded = True
        self.completeChanged.emit()

    def show_looks(self, looks: Mapping[str, FirstLook]) -> None:
        self.looks = dict(looks)
        self.table.setRowCount(len(looks))
        for row, look in enumerate(looks.values()):
            self.table.setItem(row, 0, QTableWidgetItem(ENTITIES[look.entity].label))
            text = look_words(look)
            self.table.setItem(row, 1, QTableWidgetItem(text))
            self.table.item(row, 1).setToolTip(text)
            if look.result is not None and look.result.plan:
                button = QPushButton("Preview…")
                button.setAccessibleName(f"Preview {ENTITIES[look.entity].label}")
                button.clicked.connect(lambda _c=False, e=look.entity: self.open_preview(e))
                self.table.setCellWidget(row, 2, button)
        self.table.resizeRowsToContents()
        self.note.setText("Nothing was written: this is what Save and sync now would do. A click on Preview "
                          "shows each record and field.")
        self.loaded = True
        self.completeChanged.emit()

    def open_preview(self, entity: str) -> PreviewDialog:
        result = self.looks[entity].result
        assert result is not None
        dialog = PreviewDialog(result, result.direction, self)
        dialog.apply_button.hide()  # a first look applies nothing: Save and sync now runs the real sync
        dialog.show()
        self.preview = dialog
        return dialog

    def isComplete(self) -> bool:
        return self.loaded
