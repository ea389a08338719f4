"""The row above an entity's field mapping on the Mappings page: which entity, its direction, its conflict
policy and its match keys, each sized to show its longest choice whole."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from erpsync_gui.profile import CONFLICT_POLICIES
from erpsync_gui.records import Direction

DIRECTION_LABELS = {Direction.BOTH: "Both ways", Direction.EXPORT: "CRM → ERP only (export)",
                    Direction.IMPORT: "ERP → CRM only (import)"}
POLICY_LABELS = {"crm_wins": "CRM wins", "erp_wins": "ERP wins", "newest_wins": "Newest change wins",
                 "manual": "Ask me (conflict queue)"}


class EntitySettings(QWidget):
    """The entity choice and the entity's direction, policy and match keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = QComboBox()
        self.direction = QComboBox()
        for direction, label in DIRECTION_LABELS.items():
            self.direction.addItem(label, direction.value)
        self.policy = QComboBox()
        for policy in CONFLICT_POLICIES:
            self.policy.addItem(POLICY_LABELS.get(policy, policy), policy)
        self.match_keys = QLineEdit()
        self.match_keys.setPlaceholderText("CRM fields tried in order, e.g. vat, customer_number")
        for combo in (self.entity, self.direction, self.policy):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
            combo.setMaximumWidth(150)
        # the policies' and the directions' names are longer ("Ask me (conflict queue)", "ERP → CRM only"): whole
        for combo in (self.policy, self.direction):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMaximumWidth(16_777_215)
        # the keys keep room for two names ("vat, customer_number" scrolls on) so that at 1280 logical pixels (a
        # 1920 px screen at 150 %) all four stay on one row
        self.match_keys.setMinimumWidth(140)
        self._choices = QHBoxLayout()
        self._choices.setSpacing(8)
        self._keys = QHBoxLayout()
        self._keys.setSpacing(8)
        for label, widget in (("E&ntity", self.entity), ("D&irection", self.direction), ("&Conflicts", self.policy),
                              ("Match &keys", self.match_keys)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            if widget is self.match_keys:
                self._keys.addWidget(caption)
                self._keys.addWidget(widget, 1)
                continue
            if widget is not self.entity:
                self._choices.addSpacing(8)
                widget.setMinimumWidth(widget.sizeHint().width())  # a direction's or policy's name is never cut
            self._choices.addWidget(caption)
            self._choices.addWidget(widget)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(16)
        self._grid.setVerticalSpacing(8)
        self._grid.addLayout(self._choices, 0, 0)
        self._grid.addLayout(self._keys, 0, 1)
        self._grid.setColumnStretch(1, 1)
        self._one_row = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The match keys go below the three choices when one row would cut them (1280 logical pixels: a
        1920 px screen at 150 %)."""
        super().resizeEvent(event)
        wanted = self._choices.minimumSize().width() + 16 + self._keys.minimumSize().width()
        one_row = event.size().width() >= wanted
        if one_row != self._one_row:
            self._one_row = one_row
            self._grid.removeItem(self._keys)
            if one_row:
                self._grid.addLayout(self._keys, 0, 1)
            else:
                self._grid.addLayout(self._keys, 1, 0, 1, 2)
