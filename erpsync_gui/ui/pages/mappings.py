"""Mappings: per entity its direction, match keys and conflict policy, the field mapping with value maps and
a live preview of real sample records, and the currency mapping. Everything is checked before it is saved."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.engine.runner import LinkResolver
from erpsync_gui.engine.targets import missing_fields
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.mapping import EntityMapping, auto_suggest, parse_fields
from erpsync_gui.mapping.checks import entity_problems
from erpsync_gui.profile import CONFLICT_POLICIES, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.sync_state import SyncState
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages import mapping_model as cols
from erpsync_gui.ui.pages.currency_editor import CurrencyEditor
from erpsync_gui.ui.pages.mapping_model import FieldMappingModel
from erpsync_gui.ui.pages.mapping_preview import MappingPreview
from erpsync_gui.ui.pages.mapping_samples import ROW_TYPES, Samples, fetch_currencies, fetch_samples
from erpsync_gui.ui.pages.value_map_dialog import ValueMapDialog, lists_loader
from erpsync_gui.ui.widgets.choice_delegate import ChoiceDelegate
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.validation import set_invalid
from erpsync_gui.ui.widgets.worker import run_in_background

DIRECTION_LABELS = {Direction.BOTH: "Both ways", Direction.EXPORT: "CRM → ERP only (export)",
                    Direction.IMPORT: "ERP → CRM only (import)"}
POLICY_LABELS = {"crm_wins": "CRM wins", "erp_wins": "ERP wins", "newest_wins": "Newest change wins",
                 "manual": "Ask me (conflict queue)"}


class MappingsPage(QWidget):
    title = "Mappings"
    icon = "mappings"
    help_topic = "mappings"
    #: entity name, after its sample records arrived (or failed)
    samples_loaded = Signal(str)
    currencies_loaded = Signal()
    saved = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.profile: ProfileConfig | None = None
        self.drafts: dict[str, EntityConfig] = {}
        self.current: str | None = None
        self.samples: dict[str, Samples] = {}
        self._loading = False
        self._validating = False
        self._preview_timer = QTimer(self, singleShot=True, interval=250)
        self._preview_timer.timeout.connect(self._refresh_preview)

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
        # the keys shown whole at 1280 logical pixels (a 1920 px screen at 150 %) next to the three choices
        self.match_keys.setMinimumWidth(190)
        settings = QHBoxLayout()
        settings.setSpacing(8)
        for label, widget in (("E&ntity", self.entity), ("D&irection", self.direction), ("&Conflicts", self.policy),
                              ("Match &keys", self.match_keys)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            settings.addSpacing(0 if widget is self.entity else 12)
            settings.addWidget(caption)
            settings.addWidget(widget, 2 if widget is self.match_keys else 0)

        self.model = FieldMappingModel()
        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the grid; the arrows move in it
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in ((cols.CRM, 130), (cols.ERP, 130), (cols.TYPE, 86), (cols.TRANSFORM, 130),
                              (cols.VALUE_MAP, 100), (cols.DEFAULT, 76), (cols.REQUIRED, 82), (cols.DIRECTION, 84),
                              (cols.EMPTY, 90)):
            # never narrower than its heading (bold in the stylesheet: a fifth wider than the plain font)
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
            heading = round(self.table.horizontalHeader().fontMetrics().horizontalAdvance(title) * 1.2) + 24
            self.table.setColumnWidth(column, max(width, heading))
        self.table.setItemDelegateForColumn(cols.CRM, ChoiceDelegate(lambda: self._field_names(Side.CRM),
                                                                     editable=True, parent=self))
        self.table.setItemDelegateForColumn(cols.ERP, ChoiceDelegate(lambda: self._field_names(Side.ERP),
                                                                     editable=True, parent=self))
        self.table.setItemDelegateForColumn(cols.TYPE, ChoiceDelegate(lambda: cols.TYPE_CHOICES, parent=self))
        self.table.setItemDelegateForColumn(cols.DIRECTION, ChoiceDelegate(lambda: cols.DIRECTIONS, parent=self))
        self.table.setItemDelegateForColumn(cols.EMPTY, ChoiceDelegate(lambda: cols.EMPTY_CHOICES, parent=self))
        self.add_button = QPushButton(icons.icon("add"), "&Add field")
        self.remove_button = QPushButton(icons.icon("remove"), "&Remove")
        self.value_map_button = QPushButton(icons.icon("edit"), "&Value map…")
        self.suggest_button = QPushButton(icons.icon("suggest"), "Su&ggest pairs")
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
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(tools)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.problems)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(self.preview)
        # the rows being edited get the larger share (at 150 % an even split left four rows in view); the
        # handle moves the line
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        splitter.setSizes([600, 400])
        fields_tab = QWidget()
        fields_layout = QVBoxLayout(fields_tab)
        fields_layout.setContentsMargins(12, 12, 12, 12)
        fields_layout.addWidget(splitter)

        self.currencies = CurrencyEditor()
        self.same_currencies = QCheckBox("Use this currency mapping for every entity of the profile")
        self.currencies.layout().addWidget(self.same_currencies)
        self.tabs = QTabWidget()
        self.tabs.addTab(fields_tab, "Field mapping")
        self.tabs.addTab(self.currencies, "Currencies")

        self.message = QLabel()
        self.message.setObjectName("hint")
        self.revert_button = QPushButton("Rev&ert")
        self.save_button = QPushButton(icons.icon("save"), "&Save")
        self.save_button.setObjectName("primary")
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.revert_button)
        footer.addWidget(self.save_button)
        layout = page_layout(self, self.title, "How each entity's fields and currencies correspond, which way "
                                               "it syncs, how twins are found and who wins a conflict.")
        layout.addLayout(settings)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(footer)

        self.entity.currentIndexChanged.connect(self._entity_chosen)
        for combo in (self.direction, self.policy):
            combo.currentIndexChanged.connect(self._edited)
        self.match_keys.textEdited.connect(self._edited)
        self.model.dataChanged.connect(self._edited)
        self.model.rowsInserted.connect(self._edited)
        self.model.rowsRemoved.connect(self._edited)
        self.currencies.changed.connect(self._edited)
        self.same_currencies.toggled.connect(self._edited)
        self.add_button.clicked.connect(self._add_row)
        self.remove_button.clicked.connect(self._remove_rows)
        self.value_map_button.clicked.connect(lambda: self.edit_value_map(self._selected_row()))
        self.table.doubleClicked.connect(self._double_clicked)
        self.suggest_button.clicked.connect(self.suggest_pairs)
        self.sample_button.clicked.connect(lambda: self.load_samples(force=True))
        self.currencies.import_button.clicked.connect(self._ask_import)
        self.currencies.export_button.clicked.connect(self._show_export)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.reload)
        ctx.profile.changed.connect(lambda _name: self.reload())

    # -- page contract ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.profile is None or self.profile.name != self.ctx.profile.name or not self.is_dirty():
            self.reload()

    def reload(self) -> None:
        name = self.ctx.profile.name
        self.samples.clear()
        try:
            self.profile = self.ctx.service.profile(name) if name else None
        except ERPSyncError as exc:
            self.profile = None
            self.message.setText(str(exc))
        self.setEnabled(self.profile is not None)
        if self.profile is None:
            return
        self.drafts = {cfg.entity: cfg for cfg in self.profile.entities}
        mappings = [cfg.currency_mapping for cfg in self.profile.entities]
        keep = self.current if self.current in self.drafts else None
        self._loading = True
        self.same_currencies.setChecked(bool(mappings) and all(m == mappings[0] for m in mappings))
        self.entity.clear()
        for cfg in self.profile.entities:
            self.entity.addItem(cfg.entity.replace("_", " ").capitalize(), cfg.entity)
        self._loading = False
        self.current = None
        if self.drafts:
            self.entity.setCurrentIndex(max(0, self.entity.findData(keep)) if keep else 0)
            self._entity_chosen()
        self.message.setText("")
        self._load_currency_lists()

    # -- one entity in the editor ----------------------------------------------------------------

    def _entity_chosen(self) -> None:
        if self._loading:
            return
        entity = self.entity.currentData()
        if entity is None or entity == self.current:
            return
        if self.current is not None:
            self._flush()
        self.current = entity
        cfg = self.drafts[entity]
        self._loading = True
        self.direction.setCurrentIndex(self.direction.findData(Direction(cfg.direction).value))
        self.policy.setCurrentIndex(max(0, self.policy.findData(cfg.policy)))
        self.match_keys.setText(", ".join(cfg.match_keys))
        self.model.set_rows(list(cfg.fields))
        self.currencies.set_mapping(dict(cfg.currency_mapping))
        self._loading = False
        self.validate()
        self.load_samples()

    def _editor_config(self) -> EntityConfig:
        """The entity as the widgets show it now."""
        cfg = self.drafts[self.current]
        try:
            currency = self.currencies.mapping()
        except ConfigError:
            currency = dict(self.currencies.pairs())
        keys = tuple(k.strip() for k in self.match_keys.text().split(",") if k.strip())
        return dataclasses.replace(cfg, direction=Direction(self.direction.currentData()),
                                   policy=self.policy.currentData(), match_keys=keys,
                                   fields=tuple(self.model.rows()), currency_mapping=currency)

    def _flush(self) -> None:
        if self.current is not None and self.current in self.drafts:
            self.drafts[self.current] = self._editor_config()

    def _final_drafts(self) -> dict[str, EntityConfig]:
        self._flush()
        drafts = dict(self.drafts)
        if self.same_currencies.isChecked() and self.current in drafts:
            shared = drafts[self.current].currency_mapping
            drafts = {name: dataclasses.replace(cfg, currency_mapping=dict(shared)) for name, cfg in drafts.items()}
        return drafts

    def is_dirty(self) -> bool:
        if self.profile is None or self.current is None:
            return False
        return tuple(self._final_drafts().values()) != self.profile.entities

    # -- checking --------------------------------------------------------------------------------

    def entity_problems(self, cfg: EntityConfig, currency_problems: list[str] | None = None) -> list[str]:
        """Everything that would stop `cfg` from working, in words for the person editing it: the rows
        themselves, and (once a system has listed its fields in full) names it does not have."""
        problems = entity_problems(cfg, currency_problems)
        samples = self.samples.get(cfg.entity)
        if samples is not None and samples.described and not problems:
            problems = missing_fields(EntityMapping(cfg.entity, parse_fields(list(cfg.fields))),
                                      samples.described)
        return problems

    def validate(self) -> list[str]:
        """Check the entity in the editor; marks rows, match keys and currencies; returns the problems."""
        if self.current is None:
            return []
        cfg = self._editor_config()
        problems = self.entity_problems(cfg, self.currencies.problems())
        self.model.set_problems(problems)
        key_problem = next((p for p in problems if p.startswith("match key")), None)
        set_invalid(self.match_keys, key_problem)
        self.problems.setText("\n".join(f"• {p}" for p in problems))
        self.problems.setVisible(bool(problems))
        self._preview_timer.start()
        return problems

    def _edited(self, *_args) -> None:
        # validate() tints rows through dataChanged, which must not re-enter here
        if self._loading or self._validating or self.current is None:
            return
        self._validating = True
        try:
            problems = self.validate()
        finally:
            self._validating = False
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty and not problems)
        self.revert_button.setEnabled(dirty)
        self.message.setText("Unsaved changes" if dirty else "")

    # -- saving ----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Check every edited entity, then save the profile; False (nothing saved) when one has problems."""
        if self.profile is None or self.current is None:
            return False
        drafts = self._final_drafts()
        for name, cfg in drafts.items():
            problems = self.entity_problems(cfg, self.currencies.problems() if name == self.current else None)
            if problems:
                self.entity.setCurrentIndex(self.entity.findData(name))
                self.validate()
                self.message.setText(f"Not saved: {name} has {len(problems)} problem(s)")
                return False
        updated = dataclasses.replace(self.profile, entities=tuple(drafts.values()))
        try:
            self.ctx.service.config.save_profile(updated)
        except ERPSyncError as exc:
            self.message.setText(f"Not saved: {exc}")
            return False
        self.reload()
        self.message.setText("Saved.")
        self.saved.emit(self.profile.name)
        self.ctx.profile.saved.emit(self.profile.name)
        return True

    # -- field rows ------------------------------------------------------------------------------

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else self.table.currentIndex().row()

    def _add_row(self) -> None:
        row = self.model.add_row()
        self.table.setCurrentIndex(self.model.index(row, cols.CRM))
        self.table.edit(self.model.index(row, cols.CRM))

    def _remove_rows(self) -> None:
        self.model.remove_rows([i.row() for i in self.table.selectionModel().selectedRows()])

    def _double_clicked(self, index) -> None:
        if index.column() == cols.VALUE_MAP:
            self.edit_value_map(index.row())

    def edit_value_map(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        data = self.model.row(row)
        dialog = ValueMapDialog(f"{data.get('crm')} ↔ {data.get('erp')}", dict(data.get("value_map") or {}), self,
                                crm_choices=self._choices(Side.CRM, data.get("crm")),
                                erp_choices=self._choices(Side.ERP, data.get("erp")),
                                load_lists=lists_loader(self.ctx.service, self.profile.name if self.profile else "",
                                                        self.current, data.get("crm"), data.get("erp")))
        if dialog.exec():
            self.model.set_value_map(row, dialog.value_map())

    def current_entity(self) -> str | None:
        """The entity F5 syncs from this page: the one being edited."""
        return self.current

    def _choices(self, side: Side, field_name: object) -> tuple:
        """The values the side's field allows, where its connector's describe() lists them."""
        samples = self.samples.get(self.current or "")
        fields = samples.fields.get(side, ()) if samples else ()
        return next((f.choices for f in fields if f.name == field_name), ())

    def _field_names(self, side: Side) -> list[str]:
        samples = self.samples.get(self.current or "")
        return [f.name for f in samples.fields.get(side, ())] if samples else []

    def suggest_pairs(self) -> int:
        """Add rows for fields paired by name that the mapping does not use yet; returns how many."""
        samples = self.samples.get(self.current or "")
        if samples is None or not all(samples.fields.get(side) for side in Side):
            self.message.setText("Suggestions need both sides' field lists; they could not be read yet")
            return 0
        rows = self.model.rows()
        used = {side: {r.get(side.value) for r in rows} for side in Side}
        crm = [f for f in samples.fields[Side.CRM] if f.name not in used[Side.CRM]]
        erp = [f.name for f in samples.fields[Side.ERP] if f.name not in used[Side.ERP]]
        types = {f.name: f.type for f in crm}
        pairs = auto_suggest([f.name for f in crm], erp)
        for crm_name, erp_name, _score in pairs:
            self.model.add_row({"crm": crm_name, "erp": erp_name, "type": ROW_TYPES.get(types[crm_name], "text")})
        self.message.setText(f"Added {len(pairs)} suggested pair(s)" if pairs else "No further pairs to suggest")
        return len(pairs)

    # -- samples and preview ---------------------------------------------------------------------

    def load_samples(self, force: bool = False) -> None:
        entity = self.current
        if entity is None or self.profile is None or (entity in self.samples and not force):
            self._refresh_preview()
            return
        self.preview.show_loading()
        service, name = self.ctx.service, self.profile.name
        run_in_background(lambda: fetch_samples(service, name, entity), owner=self,
                          on_done=lambda s: self._samples_arrived(entity, s),
                          on_error=lambda exc: self._samples_arrived(entity, Samples(entity, errors={
                              side: service.redact(str(exc)) for side in Side})))

    def _samples_arrived(self, entity: str, samples: Samples) -> None:
        self.samples[entity] = samples
        if entity == self.current:
            self._refresh_preview()
            self._edited()  # the field lists may show a row naming a field that does not exist
        self.samples_loaded.emit(entity)

    def _refresh_preview(self) -> None:
        if self.current is None or self.profile is None or self.current not in self.samples:
            return
        self.preview.set_samples(self.samples[self.current])
        cfg = self._editor_config()
        try:
            fields = parse_fields(list(cfg.fields))
            EntityMapping(cfg.entity, (), cfg.currency_mapping)
        except ConfigError:
            self.preview.show_problem("Fix the problems listed above to see the preview.")
            return
        # lookup fields in the preview: ids translated through the link store, as the engine does
        resolver = LinkResolver(SyncState(self.ctx.store, self.profile.id, cfg.entity))
        self.preview.update_preview(cfg.entity, fields, dict(cfg.currency_mapping), resolver)

    # -- currencies ------------------------------------------------------------------------------

    def _load_currency_lists(self) -> None:
        service, name = self.ctx.service, self.profile.name
        self.currencies.lists_note.setText("Reading both sides' currency lists…")
        run_in_background(lambda: fetch_currencies(service, name), owner=self, on_done=self._currencies_arrived,
                          on_error=lambda exc: self._currencies_arrived({s: str(exc) for s in Side}))

    def _currencies_arrived(self, lists: dict) -> None:
        self.currencies.lists_note.setText(self.currencies.show_lists(lists))
        self._edited()
        self.currencies_loaded.emit()

    def _ask_import(self) -> None:
        problem = self.currencies.ask_import(self)
        if problem:
            self.message.setText(f"Not imported: {problem}")

    def _show_export(self) -> None:
        problem = self.currencies.show_export(self)
        if problem:
            self.message.setText(problem)
