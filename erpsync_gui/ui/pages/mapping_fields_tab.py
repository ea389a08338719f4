"""The "Field mapping" tab of the Mappings page: the row tools, the review list of suggested pairs, the rows
themselves with their problems, and the live preview below a movable line."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from erpsync_gui.records import Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.pages.mapping_model import FieldMappingModel
from erpsync_gui.ui.pages.mapping_preview import MappingPreview
from erpsync_gui.ui.pages.mapping_table import field_table
from erpsync_gui.ui.pages.suggestion_review import SuggestionReview


class FieldsTab(QWidget):
    """The widgets of the tab; the page connects them."""

    def __init__(self, model: FieldMappingModel, field_names: Callable[[Side], Sequence[str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = field_table(model, field_names, self)
        self.add_button = QPushButton(icons.icon("add"), "&Add field")
        self.remove_button = QPushButton(icons.icon("remove"), "&Remove")
        self.value_map_button = QPushButton(icons.icon("edit"), "&Value map…")
        self.suggest_button = QPushButton(icons.icon("suggest"), "Su&ggest pairs")
        self.suggest_button.setToolTip("Pairs of fields with alike names that the mapping does not use yet, "
                                       "for you to review")
        self.sample_button = QPushButton(icons.icon("refresh"), "New sa&mple")
        tools = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.value_map_button):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(self.suggest_button)
        tools.addWidget(self.sample_button)
        self.problems = QLabel()
        self.problems.setObjectName("fieldError")
        self.problems.setWordWrap(True)
        self.problems.hide()
        self.preview = MappingPreview()
        self.review = SuggestionReview()
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(tools)
        upper_layout.addWidget(self.review)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.problems)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.preview)
        # the rows being edited get the larger share (at 150 % an even split left four rows in view); the
        # handle moves the line
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.splitter)
        # while pairs are reviewed the preview steps aside: on a 768 px screen both lists need its room
        self.review.reviewing.connect(lambda on: self.preview.setHidden(on))
