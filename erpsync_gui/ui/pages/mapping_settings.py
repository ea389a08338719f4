"""The row above an entity's field mapping on the Mappings page: which entity, its direction, its conflict
policy (the merge policy with its rule for a field both sides changed) and its match keys, each sized to show
its longest choice whole."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from erpsync_gui.profile import CONFLICT_POLICIES, MERGE_RULES
from erpsync_gui.records import Direction
from erpsync_gui.ui.widgets.wrap_row import WrapRow

DIRECTION_LABELS = {Direction.BOTH: "Both ways", Direction.EXPORT: "CRM → ERP only (export)",
                    Direction.IMPORT: "ERP → CRM only (import)"}
POLICY_LABELS = {"crm_wins": "CRM wins", "erp_wins": "ERP wins", "newest_wins": "Newest change wins",
                 "manual": "Ask me (conflict queue)"}
#: the merge policy with its rule for a field both sides changed, one choice each ("merge:<rule>")
MERGE_LABELS = {"ask": "Merge · else ask me", "crm_wins": "Merge · else CRM wins",
                "erp_wins": "Merge · else ERP wins", "newest_wins": "Merge · else newest"}
MERGE_HELP = ("Merge: a field only one side changed comes from that side, so edits to different fields on both "
              "sides all survive. A field both sides changed follows its row's Both changed rule, else the rule "
              "named here.")


def policy_choice(policy: str, merge_fallback: str) -> str:
    """The policy combo's data for an entity's policy (the merge policy carries its fallback rule)."""
    return f"merge:{merge_fallback}" if policy == "merge" else policy


def policy_of(choice: str) -> tuple[str, str | None]:
    """(policy, merge fallback or None to keep the entity's) of a policy combo's data."""
    policy, _, fallback = choice.partition(":")
    return policy, fallback or None


class EntitySettings(WrapRow):
    """The entity choice and the entity's direction, policy and match keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = QComboBox()
        self.direction = QComboBox()
        for direction, label in DIRECTION_LABELS.items():
            self.direction.addItem(label, direction.value)
        self.policy = QComboBox()
        for policy in CONFLICT_POLICIES:
            if policy != "merge":
                self.policy.addItem(POLICY_LABELS.get(policy, policy), policy)
        for rule in MERGE_RULES:
            self.policy.addItem(MERGE_LABELS[rule], policy_choice("merge", rule))
            self.policy.setItemData(self.policy.count() - 1, MERGE_HELP, Qt.ItemDataRole.ToolTipRole)
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
        # the keys shown whole at 1280 logical pixels (a 1920 px screen at 150 %) next to the three choices
        self.match_keys.setMinimumWidth(190)
        # the choices never narrower than their names; where the line is too short for the keys too, they move
        # into the corner given to `spill_into`
        for label, widget in (("E&ntity", self.entity), ("D&irection", self.direction), ("&Conflicts", self.policy),
                              ("Match &keys", self.match_keys)):
            self.add(label, widget, wraps=widget is self.match_keys)
