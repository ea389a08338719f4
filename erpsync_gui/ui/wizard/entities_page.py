"""Step 3: the entities both systems offer, each with the default field mapping the two kinds' presets compose
(its rows shown for the selected entity), its direction and its conflict policy, explained in plain words with
a recommendation of which system should be the master."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.mapping.presets import PairMapping
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.policy_words import DIRECTION_LABELS, POLICY_LABELS, POLICY_WORDS, advice
from erpsync_gui.ui.wizard.state import EntityChoice, WizardState

#: the entities one side offers, asked of its connector built from the typed settings
Lister = Callable[[EndpointConfig, dict[str, str]], Sequence[str]]
COLUMNS = ("Sync", "Entity", "Direction", "When both sides changed", "Mapped fields", "Matched by")


class EntitiesPage(QWizardPage):
    def __init__(self, state: WizardState, lister: Lister) -> None:
        super().__init__()
        self.state = state
        self.lister = lister
        self.setTitle("What do you sync?")
        self.setSubTitle("Tick the entities to sync. Decide per entity which system is the master when a record "
                         "was changed on both sides.")
        layout = QVBoxLayout(self)
        # a pair with a preset (Payamgostar and Siagh) is offered it: its directions, policies and mappings
        self.use_preset = QCheckBox()
        self.use_preset.setVisible(False)
        self.preset_words = QLabel()
        self.preset_words.setObjectName("hint")
        self.preset_words.setWordWrap(True)
        self.preset_words.setVisible(False)
        layout.addWidget(self.use_preset)
        layout.addWidget(self.preset_words)
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Entities")
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)  # room for the combo boxes' frames
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.explanation = QLabel()
        self.explanation.setObjectName("banner")
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        self.fields_view = QLabel()
        self.fields_view.setObjectName("hint")
        self.fields_view.setWordWrap(True)
        self.fields_view.setAccessibleName("Mapped fields of the selected entity")
        layout.addWidget(self.fields_view)
        self.table.currentCellChanged.connect(lambda row, *_: self._explain(row))
        self.table.itemChanged.connect(lambda _item: self._collect())
        self.use_preset.toggled.connect(self._preset_toggled)
        self._offered_preset: str | None = None
        self._loaded_for: tuple | None = None
        self.names: list[str] = []
        self.mappings: dict[str, PairMapping] = {}

    def _offer_preset(self) -> None:
        """Show the pair's preset, ticked when the pair is first shown, and follow the tick into the state."""
        preset = self.state.offered_preset()
        name = preset.name if preset is not None else None
        if name != self._offered_preset:
            self._offered_preset = name
            self.use_preset.blockSignals(True)
            self.use_preset.setChecked(preset is not None)
            self.use_preset.blockSignals(False)
        self.use_preset.setVisible(preset is not None)
        self.preset_words.setVisible(preset is not None)
        if preset is not None:
            self.use_preset.setText(f"&Use the {preset.title} preset")
            self.preset_words.setText(preset.short)
            self.preset_words.setToolTip("\n".join(f"• {line}" for line in preset.summary))
        self.state.pair_preset = name if name and self.use_preset.isChecked() else None

    def _preset_toggled(self, _on: bool) -> None:
        self._loaded_for = None
        self.initializePage()

    def initializePage(self) -> None:
        self._offer_preset()
        key = (*((side, self.state.endpoints.get(side)) for side in Side), self.state.pair_preset)
        if key == self._loaded_for:
            return
        self._loaded_for = key
        self.table.setRowCount(0)
        self.names = []
        self.note.setText("Asking both systems which entities they offer…")
        endpoints = {side: self.state.endpoints[side] for side in Side}
        secrets = {side: dict(self.state.secrets.get(side, {})) for side in Side}

        try:
            self.mappings = self.state.mappings()
        except ERPSyncError as exc:
            self.mappings = {}
            self.show_entities([], str(exc))
            return
        mappings = dict(self.mappings)

        def offered() -> tuple[list[str], str]:
            found: dict[Side, set[str]] = {}
            problems: list[str] = []
            for side in Side:
                try:
                    found[side] = set(self.lister(endpoints[side], secrets[side]))
                except ERPSyncError as exc:
                    problems.append(f"the {side.value.upper()} could not say ({exc})")
            both = [name for name, m in mappings.items()
                    if all(_native(m, side) in names for side, names in found.items())]
            return both, "; ".join(problems)

        run_in_background(offered, owner=self, on_done=lambda result: self.show_entities(*result),
                          on_error=lambda exc: self.show_entities(list(mappings), str(exc)))

    def show_entities(self, names: Sequence[str], problem: str = "") -> None:
        self.names = list(names)
        self.table.blockSignals(True)
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            choice = self.state.choice_for(name)
            tick = QTableWidgetItem()
            tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            tick.setCheckState(Qt.CheckState.Checked if choice.enabled else Qt.CheckState.Unchecked)
            tick.setData(Qt.ItemDataRole.AccessibleTextRole, f"Sync {ENTITIES[name].label}")
            self.table.setItem(row, 0, tick)
            self.table.setItem(row, 1, _read_only(ENTITIES[name].label))
            direction = QComboBox()
            for value, text in DIRECTION_LABELS.items():
                direction.addItem(text, value.value)
            direction.setCurrentIndex(direction.findData(choice.direction.value))
            direction.setAccessibleName(f"Direction of {ENTITIES[name].label}")
            direction.currentIndexChanged.connect(lambda _i: self._collect())
            self.table.setCellWidget(row, 2, direction)
            preset = self.state.pair_preset is not None
            policy = QComboBox()
            for value, text in POLICY_LABELS.items():
                policy.addItem(text, value)
            policy.setCurrentIndex(policy.findData(choice.policy))
            policy.setAccessibleName(f"Conflict policy of {ENTITIES[name].label}")
            policy.currentIndexChanged.connect(lambda _i, r=row: (self._collect(), self._explain(r)))
            self.table.setCellWidget(row, 3, policy)
            for combo in (direction, policy):  # the preset sets them (a one-time import first, for clients)
                combo.setEnabled(not preset)
                combo.setToolTip("set by the preset" if preset else "")
            if not preset and self.mappings[name].direction is not None:  # the pair's records flow one way only
                direction.setEnabled(False)
                direction.setToolTip(self.mappings[name].reason)
            mapping = self.mappings[name]
            count = _read_only(str(len(mapping.fields)))
            count.setToolTip("\n".join(_row_text(r) for r in mapping.fields))
            self.table.setItem(row, 4, count)
            self.table.setItem(row, 5, _read_only(", ".join(mapping.match_keys) or "links only"))
        self.table.blockSignals(False)
        offered = f"Both systems offer {len(names)} entities with default mappings."
        self.note.setText(offered + (f" Not every side could be asked: {problem}." if problem else ""))
        self._collect()
        if names:
            self.table.setCurrentCell(0, 1)
            self._explain(0)

    def _explain(self, row: int) -> None:
        if not 0 <= row < len(self.names):
            return
        name = self.names[row]
        policy = self.table.cellWidget(row, 3).currentData()
        reason = self.mappings[name].reason if self.state.pair_preset is None else ""
        self.explanation.setText(f"{ENTITIES[name].label}: {POLICY_WORDS[policy]}\n"
                                 + (f"{reason}.\n" if reason else "") + advice(name))
        self.fields_view.setText(mapping_text(self.mappings[name]))

    def row_of(self, entity: str) -> int:
        return self.names.index(entity)

    def _collect(self) -> None:
        choices = []
        for row, name in enumerate(self.names):
            tick = self.table.item(row, 0)
            direction = self.table.cellWidget(row, 2)
            policy = self.table.cellWidget(row, 3)
            if tick is None or direction is None or policy is None:
                continue
            choices.append(EntityChoice(name, tick.checkState() == Qt.CheckState.Checked,
                                        Direction(direction.currentData()), policy.currentData()))
        self.state.entities = choices
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return any(choice.enabled for choice in self.state.entities)


def _native(mapping: PairMapping, side: Side) -> str:
    return (mapping.crm_name if side is Side.CRM else mapping.erp_name) or mapping.entity


#: how a row's direction is shown between the CRM field (left) and the ERP field (right)
_ARROWS = {"both": "↔", "export": "→", "import": "←"}


def _row_text(row: Mapping[str, Any]) -> str:
    text = f"{row['crm']} {_ARROWS.get(row.get('direction', 'both'), '↔')} {row['erp']}"
    if row.get("fields"):
        text += " (" + ", ".join(_row_text(sub) for sub in row["fields"]) + ")"
    return text


def mapping_text(mapping: PairMapping) -> str:
    """The entity's default rows in one line each way: "CRM field ↔ ERP field", its names on each side first."""
    names = ""
    if mapping.crm_name or mapping.erp_name:
        names = f"CRM {_native(mapping, Side.CRM)} ↔ ERP {_native(mapping, Side.ERP)}. "
    return f"{names}Mapped fields (CRM ↔ ERP): " + "; ".join(_row_text(r) for r in mapping.fields)


def _read_only(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item
