"""Sync on demand: Sync all (dependency order), a button per main entity, a multi-select for the others, a
direction choice, a dry-run preview whose reviewed plan Apply writes, and per-entity progress with counts, ETA
and Cancel. After a restart each row shows its entity's last result from the store, with the work it left
open. Runs go through ctx.runs (worker threads) and report back through ctx.bridge."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.export_unmarked import unmarked_ids
from erpsync_gui.engine.types import ProgressEvent, RunResult
from erpsync_gui.entities import MAIN_ENTITIES, label
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.store import queries
from erpsync_gui.store.open_work import OpenWork
from erpsync_gui.ui import icons, theme
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.brake_dialog import BrakeDialog
from erpsync_gui.ui.pages.preview_dialog import PreviewDialog
from erpsync_gui.ui.pages.schedule_panel import SchedulePanel
from erpsync_gui.ui.pages.stale_plan_dialog import StalePlanDialog
from erpsync_gui.ui.pages.sync_row import EntityRow
from erpsync_gui.ui.pages.sync_texts import last_run_text, progress_text, result_text
from erpsync_gui.ui.record_names import RecordNames
from erpsync_gui.ui.widgets.elided_label import ElidedLabel
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.page_header import page_header
from erpsync_gui.ui.widgets.worker import run_in_background

_DIRECTIONS = (("Entity default", None), ("Import (ERP → CRM)", Direction.IMPORT),
               ("Export (CRM → ERP)", Direction.EXPORT), ("Both ways", Direction.BOTH))

__all__ = ["SyncPage", "progress_text", "result_text"]


class SyncPage(QWidget):
    title = "Sync"
    icon = "sync"
    help_topic = "sync"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: dict[str, EntityRow] = {}
        self.configured: tuple[str, ...] = ()
        #: the entity a person last used here (F5 syncs it when the page has no other choice)
        self.last_entity: str | None = None
        #: entities whose dry run will open the preview, with the direction chosen
        self._previews: dict[str, Direction | None] = {}
        #: entities applying a reviewed plan (their end may list records that changed since the preview)
        self._applying: set[str] = set()
        self.preview_dialog: PreviewDialog | None = None
        self.stale_dialog: StalePlanDialog | None = None
        self.names = RecordNames(None)
        self._build()
        bridge = ctx.bridge
        bridge.run_started.connect(self.show_started)
        bridge.run_progressed.connect(self.show_progress)
        bridge.run_finished.connect(self.show_result)
        bridge.run_failed.connect(self.show_failure)
        ctx.profile.changed.connect(lambda _name: self.refresh())
        ctx.open_work.changed.connect(self.show_open_work)
        ctx.sync_all.progressed.connect(self._sync_all_moved)
        ctx.sync_all.finished.connect(self._sync_all_done)

    def _build(self) -> None:
        self.direction = QComboBox()
        for text, value in _DIRECTIONS:
            self.direction.addItem(text, value)
        self.direction.setToolTip("Which way to sync; the entity default comes from its mapping")
        self.sync_all_button = QPushButton(icons.icon("sync"), "Sync &all")
        self.sync_all_button.setObjectName("primary")
        self.sync_all_button.setToolTip("Sync every enabled entity, one after another in dependency order "
                                        "(Ctrl+Shift+S)")
        self.cancel_all_button = QPushButton(icons.icon("cancel"), "Cancel a&ll")
        self.cancel_all_button.setToolTip("Stop Sync all: the running entity stops after its current batch")
        self.cancel_all_button.setEnabled(False)
        self.sync_all_button.clicked.connect(self.sync_all)
        self.cancel_all_button.clicked.connect(self.ctx.sync_all.cancel)
        top = QHBoxLayout()
        top.addWidget(page_header(self.title, "Sync now, or preview what a sync would change before anything is "
                                              "written; set when it runs by itself."), 1)
        caption = QLabel("&Direction")
        caption.setBuddy(self.direction)
        top.addWidget(caption, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.direction, 0, Qt.AlignmentFlag.AlignBottom)

        self.notice = ElidedLabel("", max_lines=1)
        all_row = QHBoxLayout()
        all_row.addWidget(self.sync_all_button)
        all_row.addWidget(self.cancel_all_button)
        all_row.addWidget(self.notice, 1)

        self.main_box = QGroupBox("Main entities")
        self.main_grid = QGridLayout(self.main_box)
        for row, entity in enumerate(MAIN_ENTITIES):
            self._add_row(self.main_grid, row, entity)
        # the records made in the CRM itself, per entity (a line of its own: the rows' columns keep their room)
        self.export_entity = QComboBox()
        self.export_entity.setAccessibleName("Entity to export")
        self.export_button = QPushButton("Export new")
        self.export_button.setToolTip("Send to the ERP the records of this entity made in the CRM itself (without "
                                      "the origin marker, never sent), and only those")
        self.export_button.clicked.connect(lambda: self.export_unmarked(self.export_entity.currentData()))
        export_line = QHBoxLayout()
        export_line.addWidget(QLabel("Records made in the CRM:"))
        export_line.addWidget(self.export_entity)
        export_line.addWidget(self.export_button)
        export_line.addStretch(1)
        self.main_grid.addLayout(export_line, len(MAIN_ENTITIES), 0, 1, -1)

        self.other_box = QGroupBox("Other entities")
        other = QVBoxLayout(self.other_box)
        picker = QHBoxLayout()
        self.others = QListWidget()
        self.others.setAccessibleName("Other entities")
        self.others.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.others.setMaximumHeight(110)
        picker.addWidget(self.others, 1)
        buttons = QVBoxLayout()
        self.sync_selected = QPushButton("Sync s&elected")
        self.sync_selected.setToolTip("Sync the entities selected in the list")
        self.preview_selected = QPushButton("Pre&view selected")
        self.preview_selected.setToolTip("Preview the entities selected in the list")
        buttons.addWidget(self.sync_selected)
        buttons.addWidget(self.preview_selected)
        buttons.addStretch(1)
        picker.addLayout(buttons)
        other.addLayout(picker)
        self.other_grid = QGridLayout()
        other.addLayout(self.other_grid)
        self.sync_selected.clicked.connect(lambda: self._start_selected(preview=False))
        self.preview_selected.clicked.connect(lambda: self._start_selected(preview=True))

        self.schedule = SchedulePanel(self.ctx)
        self.schedule.saved.connect(self.ctx.profile.saved.emit)

        body = QWidget()
        content = QVBoxLayout(body)
        content.setContentsMargins(0, 0, 4, 0)
        content.setSpacing(8)
        content.addLayout(all_row)
        content.addWidget(self.main_box)
        content.addWidget(self.other_box)
        content.addWidget(self.schedule)
        content.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = page_layout(self)  # its header shares a line with the direction choice
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.setTabOrder(self.direction, self.sync_all_button)
        self.setTabOrder(self.sync_all_button, self.cancel_all_button)
        previous = self.cancel_all_button
        for entity in MAIN_ENTITIES:
            for widget in (self.rows[entity].sync, self.rows[entity].preview, self.rows[entity].cancel):
                self.setTabOrder(previous, widget)
                previous = widget
        for widget in (self.others, self.sync_selected, self.preview_selected, self.schedule):
            self.setTabOrder(previous, widget)
            previous = widget

    def _add_row(self, grid: QGridLayout, row: int, entity: str) -> EntityRow:
        controls = EntityRow(entity)
        for column, widget in enumerate(controls.widgets()):
            grid.addWidget(widget, row, column)
        # the state's words need the room more than the bar does (at 150 % a partial result would be cut)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(4, 3)
        controls.sync.clicked.connect(lambda: self.start(entity))
        controls.preview.clicked.connect(lambda: self.preview(entity))
        controls.cancel.clicked.connect(lambda: self.cancel(entity))
        self.rows[entity] = controls
        return controls

    # -- page contract -------------------------------------------------------------------------
    def refresh(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        service = self.ctx.service

        def load() -> tuple[ProfileConfig, dict[str, queries.RunSummary]]:
            profile = service.profile(name)
            return profile, queries.last_runs_per_entity(service.store, profile.id)

        run_in_background(load, owner=self, on_done=self._show_profile,
                          on_error=lambda exc: self.notice.set_text(f"Cannot read the profile: {exc}"))

    def current_entity(self) -> str | None:
        """The entity F5 syncs from this page: the row with the keyboard focus, else the one used last."""
        focus = self.focusWidget()
        for entity, row in self.rows.items():
            if focus in row.widgets():
                return entity
        return self.last_entity

    def _show_profile(self, loaded: tuple[ProfileConfig, dict[str, queries.RunSummary]]) -> None:
        profile, last_runs = loaded
        if profile.name != self.ctx.profile.name:
            return
        self.names = RecordNames(profile)
        self.configured = tuple(e.entity for e in profile.entities if e.enabled)
        for entity in MAIN_ENTITIES:
            row = self.rows[entity]
            known = entity in self.configured
            row.set_running(self.ctx.runs.is_running(profile.name, entity))
            row.sync.setEnabled(known and row.sync.isEnabled())
            row.preview.setEnabled(known and row.preview.isEnabled())
            row.name.setEnabled(known)
            if not known:
                row.say("not configured in this profile", "muted")
        chosen = self.export_entity.currentData()
        self.export_entity.clear()
        for entity in self.configured:
            self.export_entity.addItem(label(entity), entity)
        if chosen in self.configured:
            self.export_entity.setCurrentIndex(self.export_entity.findData(chosen))
        self.export_button.setEnabled(bool(self.configured))
        others = [e for e in self.configured if e not in MAIN_ENTITIES]
        self.others.clear()
        for entity in others:
            item = QListWidgetItem(label(entity))
            item.setData(Qt.ItemDataRole.UserRole, entity)
            self.others.addItem(item)
        self.other_box.setVisible(bool(others))
        rows = min(max(len(others), 2), 5)  # the list only as tall as what it offers
        self.others.setMaximumHeight(self.others.sizeHintForRow(0) * rows + 2 * self.others.frameWidth() + 6
                                     if others else 110)
        self.schedule.load(profile)
        for entity, row in self.rows.items():
            if entity not in MAIN_ENTITIES:
                running = self.ctx.runs.is_running(profile.name, entity)
                row.set_visible(entity in others and (running or bool(row.status.text())))
                row.set_running(running)
        for entity, run in last_runs.items():
            row = self.rows.get(entity)
            if row is not None and entity in self.configured and row.result_words is None \
                    and not self.ctx.runs.is_running(profile.name, entity):
                row.result_words, row.result_open = (last_run_text(run), run.status), (run.failed, run.conflicts)
                row.say(*row.result_words)
        self.notice.set_text("")
        if self.ctx.open_work.work is not None:
            self.show_open_work(self.ctx.open_work.work)

    def show_open_work(self, work: OpenWork) -> None:
        for entity, row in self.rows.items():
            row.show_open(work.errors_by_entity.get(entity, 0), work.conflicts_by_entity.get(entity, 0))

    # -- starting and stopping -----------------------------------------------------------------
    def _row(self, entity: str) -> EntityRow:
        if entity not in self.rows:
            self._add_row(self.other_grid, self.other_grid.rowCount(), entity)
        return self.rows[entity]

    def _chosen_direction(self) -> Direction | None:
        value = self.direction.currentData()  # Qt hands the enum back as its text
        return Direction(value) if value else None

    def start(self, entity: str, direction: Direction | None = None, *, dry_run: bool = False,
              plan: RunResult | None = None, only: dict[Side, list[str]] | None = None,
              approved: bool = False) -> bool:
        """Queue a run of `entity` in the chosen direction (or apply a reviewed `plan`); False when it already
        runs. `approved`: the admin chose Apply anyway on a held run's preview."""
        profile = self.ctx.profile.name
        if profile is None:
            return False
        direction = direction if direction is not None else self._chosen_direction()
        row = self._row(entity)
        row.set_visible(True)
        self.last_entity = entity
        if not self.ctx.runs.start(profile, entity, direction=direction, dry_run=dry_run, plan=plan, only=only,
                                   approved=approved):
            row.say("already running")
            return False
        row.set_running(True)
        row.say("applying the reviewed plan…" if plan is not None else
                "preview: planning…" if dry_run else "starting…")
        if plan is not None:
            self._applying.add(entity)
        return True

    def preview(self, entity: str, only: dict[Side, list[str]] | None = None) -> bool:
        direction = self._chosen_direction()
        if self.start(entity, direction, dry_run=True, only=only):
            self._previews[entity] = direction
            return True
        return False

    def apply_plan(self, entity: str, reviewed: RunResult) -> bool:
        """Write exactly the plan the admin reviewed (a dry run's result)."""
        return self.start(entity, reviewed.direction, plan=reviewed)

    def sync_all(self) -> list[str]:
        order = self.ctx.sync_all.start()
        if not order and not self.ctx.sync_all.running:
            self.notice.set_text("Nothing to sync: no entity of this profile is enabled")
        return order

    def _sync_all_moved(self, entity: str, left: int) -> None:
        running = self.ctx.sync_all.running
        self.sync_all_button.setEnabled(not running)
        self.cancel_all_button.setEnabled(running)
        if entity:
            self.notice.set_text(f"Sync all: {label(entity)} now, {left} more after it")

    def _sync_all_done(self, _profile: str, outcomes: dict[str, str]) -> None:
        self.sync_all_button.setEnabled(True)
        self.cancel_all_button.setEnabled(False)
        bad = {e: s for e, s in outcomes.items() if s not in ("success", "partial")}
        if not outcomes:
            self.notice.set_text("")
        elif bad:
            self.notice.set_text("Sync all done; " + ", ".join(f"{label(e)} {s}" for e, s in bad.items()),
                                 theme.state_colour("partial"))
        else:
            self.notice.set_text(f"Sync all done: {len(outcomes)} entities synced", theme.state_colour("success"))

    def _start_selected(self, *, preview: bool) -> None:
        chosen = [item.data(Qt.ItemDataRole.UserRole) for item in self.others.selectedItems()]
        if not chosen:
            self.notice.set_text("Select one or more entities in the list first")
            return
        for entity in chosen:
            if preview:
                self.preview(entity)
            else:
                self.start(entity)

    def export_unmarked(self, entity: str | None) -> None:
        """Find the entity's records made in the CRM itself (on a pool thread), then export those only."""
        profile = self.ctx.profile.name
        if profile is None or entity is None:
            return
        row = self._row(entity)
        row.set_visible(True)
        row.set_running(True)
        row.cancel.setEnabled(False)
        row.say("looking for records made in the CRM…")
        service = self.ctx.service
        run_in_background(lambda: unmarked_ids(service, entity, profile), owner=self,
                          on_done=lambda ids: self._export_found(profile, entity, ids),
                          on_error=lambda exc: self.show_failure(profile, entity, service.redact(str(exc))))

    def _export_found(self, profile: str, entity: str, ids: list[str]) -> None:
        row = self._row(entity)
        if not ids:
            row.show_end("no records made in the CRM to export", "success")
            return
        row.set_running(False)
        if not self.ctx.runs.start(profile, entity, direction=Direction.EXPORT, only={Side.CRM: ids}):
            row.say("already running", "partial")
            return
        row.set_running(True)
        row.say(f"exporting {len(ids)} record(s) made in the CRM…")

    def cancel(self, entity: str) -> None:
        profile = self.ctx.profile.name
        if profile and self.ctx.runs.cancel(profile, entity):
            self.rows[entity].cancel.setEnabled(False)
            self.rows[entity].say("cancelling after the current batch…")

    # -- bridge slots --------------------------------------------------------------------------
    def show_started(self, profile: str, entity: str, _trigger: str) -> None:
        if profile == self.ctx.profile.name:
            row = self._row(entity)
            row.set_visible(True)
            row.set_running(True)

    def show_progress(self, event: ProgressEvent) -> None:
        profile = self.ctx.profile.name
        # progress events carry no profile: only an entity this profile is running takes them. The bridge hands
        # on the newest event only, so the run's final one (phase "finished") may be the only one with its
        # final counts; the result, which always follows it, replaces it
        if event.entity in self.rows and profile and self.ctx.runs.is_running(profile, event.entity):
            self.rows[event.entity].show_progress(event)

    def show_result(self, profile: str, entity: str, result: RunResult) -> None:
        if profile != self.ctx.profile.name:
            return
        self._row(entity).show_end(*result_text(result), (result.counts.get("failed", 0),
                                                           result.counts.get("conflicts", 0)))
        work = self.ctx.open_work.work
        if work is not None and not result.dry_run:
            self._row(entity).show_open(work.errors_by_entity.get(entity, 0), work.conflicts_by_entity.get(entity, 0))
        if result.dry_run and entity in self._previews:
            self.open_preview(result, self._previews.pop(entity))
        elif result.held:
            self.open_brake(result)
        if entity in self._applying:
            self._applying.discard(entity)
            if result.not_applied:
                self.open_stale(result)

    def open_brake(self, result: RunResult) -> BrakeDialog:
        """The brake's prompt for a held run: Review (its preview), Apply anyway, Cancel."""
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        dialog = BrakeDialog(result, result.direction, self)
        dialog.applied.connect(lambda entity, held: self.start(entity, held.direction, approved=True))
        self.preview_dialog = dialog
        dialog.open()
        return dialog

    def show_failure(self, profile: str, entity: str, message: str) -> None:
        if profile != self.ctx.profile.name:
            return
        self._previews.pop(entity, None)
        self._applying.discard(entity)
        self._row(entity).show_end(f"Could not run: {message}", "failed")

    def open_preview(self, result: RunResult, direction: Direction | None) -> PreviewDialog:
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        dialog = PreviewDialog(result, direction, self, names=self.names)
        dialog.applied.connect(self.apply_plan)
        self.preview_dialog = dialog
        dialog.open()
        return dialog

    def open_stale(self, result: RunResult) -> StalePlanDialog:
        """The records of an applied plan that changed since the preview, and the offer to preview them again."""
        if self.stale_dialog is not None:
            self.stale_dialog.close()
        dialog = StalePlanDialog(result, self.names, self)
        dialog.preview_again.connect(lambda entity, ids: self.preview(entity, only=ids))
        self.stale_dialog = dialog
        dialog.open()
        return dialog
