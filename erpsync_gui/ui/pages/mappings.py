"""Mappings: per entity its direction, match keys and conflict policy, the field mapping with value maps and
a live preview of real sample records, and the currency mapping. Everything is checked before it is saved."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QWidget,
)

from erpsync_gui.engine.targets import missing_fields
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.mapping import EntityMapping, parse_fields
from erpsync_gui.mapping.checks import entity_problems
from erpsync_gui.mapping.suggestions import marker_fields
from erpsync_gui.profile import EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages import mapping_model as cols
from erpsync_gui.ui.pages.currency_editor import CurrencyEditor
from erpsync_gui.ui.pages.mapping_fields_tab import FieldsTab
from erpsync_gui.ui.pages.mapping_model import FieldMappingModel
from erpsync_gui.ui.pages.mapping_reads import MappingReads
from erpsync_gui.ui.pages.mapping_samples import Samples
from erpsync_gui.ui.pages.mapping_settings import EntitySettings, policy_choice, policy_of
from erpsync_gui.ui.pages.pair_suggester import PairSuggester
from erpsync_gui.ui.pages.value_map_dialog import ValueMapDialog, lists_loader
from erpsync_gui.ui.widgets.latest_read import LatestRead
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.validation import set_invalid


class MappingsPage(MappingReads, QWidget):
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
        #: what the preview shows now: (samples, entity, rows, currency mapping), None when it shows no mapping
        self._previewed: tuple | None = None
        #: the reads ("samples", "currencies") that wait for the run going now to end
        self._waiting: set[str] = set()
        self._loading = False
        self._validating = False
        self._preview_timer = QTimer(self, singleShot=True, interval=250)
        self._preview_timer.timeout.connect(self._refresh_preview)
        self._reads = LatestRead(self, self._arrived, self._read_failed)
        #: the profile is being read ahead of the first visit (`prepare`)
        self._ahead = False
        #: filled ahead: the samples and currency lists are not read yet
        self._held = False

        self.settings = EntitySettings()
        self.entity, self.direction = self.settings.entity, self.settings.direction
        self.policy, self.match_keys = self.settings.policy, self.settings.match_keys
        self.model = FieldMappingModel()
        fields_tab = FieldsTab(self.model, self._field_names)
        self.table, self.problems, self.preview = fields_tab.table, fields_tab.problems, fields_tab.preview
        self.review, self.splitter = fields_tab.review, fields_tab.splitter
        self.add_button, self.remove_button = fields_tab.add_button, fields_tab.remove_button
        self.value_map_button, self.suggest_button = fields_tab.value_map_button, fields_tab.suggest_button
        self.sample_button = fields_tab.sample_button

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
        # where the line is too short for the match keys, they sit beside the tabs (a line of their own would take
        # rows from the table at 150 %)
        self.settings.spill_into(self.tabs)
        layout.addWidget(self.settings)
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
        self.suggester = PairSuggester(self.review, self.model, self.table, self.message.setText, self)
        self.sample_button.clicked.connect(lambda: self.load_samples(force=True, now=True))
        self.currencies.import_button.clicked.connect(self._ask_import)
        self.currencies.export_button.clicked.connect(self._show_export)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.reload)
        ctx.profile.changed.connect(lambda _name: self.refresh())
        ctx.bridge.run_finished.connect(self._run_ended)
        ctx.bridge.run_failed.connect(self._run_ended)

    # -- page contract ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the profile on a pool thread unless the user is editing it; what is shown changes only when the
        saved profile did (the samples, the currency lists and the preview stay: a page shown while a sync runs
        must not wait for the store, nor fetch and draw them again)."""
        self._ahead = False
        name = self.ctx.profile.name
        if name is None:
            self._show_profile(None)
        elif self.profile is None or self.profile.name != name or not self.is_dirty():
            service = self.ctx.service
            self._reads.start(lambda: service.profile(name))

    def prepare(self) -> None:
        """Fill the editor ahead of the first visit (the window asks at launch, in an idle moment): the profile
        only; the samples and currency lists, read from both systems, wait for the visit."""
        if self.profile is None and self.ctx.profile.name is not None:
            self.refresh()
            self._ahead = True

    def reload(self) -> None:
        """Show the profile as saved, now (Revert, after Save): edits are dropped and the samples read again."""
        name = self.ctx.profile.name
        try:
            profile = self.ctx.service.profile(name) if name else None
        except ERPSyncError as exc:
            self._read_failed(exc)
            return
        self._show_profile(profile)

    def _read_failed(self, exc: BaseException) -> None:
        self.profile = None
        self.message.setText(str(exc))
        self.setEnabled(False)

    def _arrived(self, profile: ProfileConfig) -> None:
        if profile.name != self.ctx.profile.name:  # another profile was chosen meanwhile
            return
        if self.profile is not None and self.profile.name == profile.name and (profile == self.profile
                                                                                or self.is_dirty()):
            if self._held:  # filled ahead: the visit reads what it left for it
                self._held = False
                self.load_samples(force=True)
                self._load_currency_lists()
            else:
                self._sample_again()
            return
        self._show_profile(profile)

    def _show_profile(self, profile: ProfileConfig | None) -> None:
        self._held, self._ahead = self._ahead, False
        self.samples.clear()
        self.suggester.forget()
        self.profile = profile
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
        if not self._held:
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
        self.review.clear()  # the pairs offered were another entity's
        cfg = self.drafts[entity]
        self._loading = True
        self.direction.setCurrentIndex(self.direction.findData(Direction(cfg.direction).value))
        self.policy.setCurrentIndex(max(0, self.policy.findData(policy_choice(cfg.policy, cfg.merge_fallback))))
        self.match_keys.setText(", ".join(cfg.match_keys))
        self.model.set_rows(list(cfg.fields))
        self.currencies.set_mapping(dict(cfg.currency_mapping))
        self._loading = False
        self._edited()  # checked, and Save and Revert as the entity stands (no read may come soon to do it)
        self.load_samples()

    def _editor_config(self) -> EntityConfig:
        """The entity as the widgets show it now."""
        cfg = self.drafts[self.current]
        try:
            currency = self.currencies.mapping()
        except ConfigError:
            currency = dict(self.currencies.pairs())
        keys = tuple(k.strip() for k in self.match_keys.text().split(",") if k.strip())
        policy, fallback = policy_of(self.policy.currentData())
        return dataclasses.replace(cfg, direction=Direction(self.direction.currentData()),
                                   policy=policy, merge_fallback=fallback or cfg.merge_fallback, match_keys=keys,
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
        """Offer pairs of fields, by name, that the mapping does not use yet, for review; returns how many."""
        markers = marker_fields(*((self.profile.crm.options, self.profile.erp.options) if self.profile else ()))
        return self.suggester.suggest(self.current or "", self.samples.get(self.current or ""), markers)

    def _ask_import(self) -> None:
        problem = self.currencies.ask_import(self)
        if problem:
            self.message.setText(f"Not imported: {problem}")

    def _show_export(self) -> None:
        problem = self.currencies.show_export(self)
        if problem:
            self.message.setText(problem)
