"""Sync on demand: a button per main entity, a multi-select for the others, a direction choice, a dry-run
preview, and per-entity progress with counts, ETA and Cancel. Runs go through ctx.runs (worker threads)
and report back through ctx.bridge."""

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
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.engine.types import ProgressEvent, RunResult
from erpsync_gui.entities import ENTITIES, MAIN_ENTITIES
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Direction
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.brake_dialog import BrakeDialog
from erpsync_gui.ui.pages.preview_dialog import PreviewDialog
from erpsync_gui.ui.pages.schedule_panel import SchedulePanel
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.page_header import page_header
from erpsync_gui.ui.widgets.worker import run_in_background

_DIRECTIONS = (("Entity default", None), ("Import (ERP → CRM)", Direction.IMPORT),
               ("Export (CRM → ERP)", Direction.EXPORT), ("Both ways", Direction.BOTH))
_STATUS_COLOURS = {"success": "#2e7d32", "partial": "#b26a00", "failed": "#c62828", "cancelled": "#616161"}


def _label(entity: str) -> str:
    spec = ENTITIES.get(entity)
    return spec.label if spec else entity


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"ETA {seconds} s"
    return f"ETA {seconds // 60} min {seconds % 60:02d} s"


def progress_text(event: ProgressEvent) -> str:
    read = f"{event.processed} of {event.total}" if event.total else f"{event.processed} read"
    parts = [read, f"{event.inserted} created", f"{event.updated} updated"]
    if event.failed:
        parts.append(f"{event.failed} failed")
    if event.conflicts:
        parts.append(f"{event.conflicts} conflicts")
    eta = eta_text(event.eta_seconds)
    return " · ".join(parts + ([eta] if eta else []))


def result_text(result: RunResult) -> str:
    c = result.counts
    if result.held:  # nothing was written: the counts are the preview's
        return f"Held, nothing written — {result.message}"
    head = "Preview ready" if result.dry_run else result.status.capitalize()
    text = (f"{head}: {c.get('inserted', 0)} created, {c.get('updated', 0)} updated, "
            f"{c.get('failed', 0)} failed, {c.get('conflicts', 0)} conflicts in {result.duration_s:.1f} s")
    return f"{text} — {result.message}" if result.message else text


class _EntityRow:
    """The controls of one entity: sync, preview, progress, counts, cancel."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.name = QLabel(_label(entity))
        self.sync = QPushButton("Sync")
        self.sync.setObjectName(f"sync_{entity}")
        self.sync.setToolTip(f"Sync {_label(entity).lower()} now")
        self.preview = QPushButton("Preview")
        self.preview.setObjectName(f"preview_{entity}")
        self.preview.setToolTip("Dry run: show what would change, write nothing")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName(f"cancel_{entity}")
        self.cancel.setEnabled(False)

    def widgets(self) -> list[QWidget]:
        return [self.name, self.sync, self.preview, self.bar, self.status, self.cancel]

    def set_visible(self, visible: bool) -> None:
        for widget in self.widgets():
            widget.setVisible(visible)

    def set_running(self, running: bool) -> None:
        self.sync.setEnabled(not running)
        self.preview.setEnabled(not running)
        self.cancel.setEnabled(running)
        if running:
            self.bar.setRange(0, 0)  # busy until the engine knows a total
            self.bar.setFormat("")
            self.status.setStyleSheet("")

    def show_progress(self, event: ProgressEvent) -> None:
        if event.total:
            self.bar.setRange(0, max(event.total, event.processed, 1))
            self.bar.setValue(event.processed)
            self.bar.setFormat("%p%")
        self.status.setText(progress_text(event))

    def show_end(self, text: str, status: str) -> None:
        self.set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if status in ("success", "partial") else 0)
        self.bar.setFormat("")
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {_STATUS_COLOURS.get(status, '#c62828')}")


class SyncPage(QWidget):
    title = "Sync"
    icon = "sync"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: dict[str, _EntityRow] = {}
        self.configured: tuple[str, ...] = ()
        #: entities whose dry run will open the preview, with the direction chosen
        self._previews: dict[str, Direction | None] = {}
        self.preview_dialog: PreviewDialog | None = None
        self._build()
        bridge = ctx.bridge
        bridge.run_started.connect(self.show_started)
        bridge.run_progressed.connect(self.show_progress)
        bridge.run_finished.connect(self.show_result)
        bridge.run_failed.connect(self.show_failure)
        ctx.profile.changed.connect(lambda _name: self.refresh())

    def _build(self) -> None:
        self.direction = QComboBox()
        for text, value in _DIRECTIONS:
            self.direction.addItem(text, value)
        self.direction.setToolTip("Which way to sync; the entity default comes from its mapping")
        # the direction sits on the header's line, so the Schedule panel fits below the entities
        top = QHBoxLayout()
        top.addWidget(page_header(self.title, "Sync an entity now, or preview what a sync would change before "
                                              "anything is written; set when it runs by itself."), 1)
        self.notice = QLabel("")
        top.addWidget(self.notice, 0, Qt.AlignmentFlag.AlignBottom)
        caption = QLabel("Direction")
        caption.setBuddy(self.direction)
        top.addWidget(caption, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.direction, 0, Qt.AlignmentFlag.AlignBottom)

        self.main_box = QGroupBox("Main entities")
        self.main_grid = QGridLayout(self.main_box)
        for row, entity in enumerate(MAIN_ENTITIES):
            self._add_row(self.main_grid, row, entity)

        self.other_box = QGroupBox("Other entities")
        other = QVBoxLayout(self.other_box)
        picker = QHBoxLayout()
        self.others = QListWidget()
        self.others.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.others.setMaximumHeight(110)
        picker.addWidget(self.others, 1)
        buttons = QVBoxLayout()
        self.sync_selected = QPushButton("Sync selected")
        self.preview_selected = QPushButton("Preview selected")
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

    def _add_row(self, grid: QGridLayout, row: int, entity: str) -> _EntityRow:
        controls = _EntityRow(entity)
        for column, widget in enumerate(controls.widgets()):
            grid.addWidget(widget, row, column)
        grid.setColumnStretch(3, 2)
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
        run_in_background(lambda: self.ctx.service.profile(name), owner=self,
                          on_done=self._show_profile,
                          on_error=lambda exc: self.notice.setText(f"Cannot read the profile: {exc}"))

    def _show_profile(self, profile: ProfileConfig) -> None:
        if profile.name != self.ctx.profile.name:
            return
        self.configured = tuple(e.entity for e in profile.entities if e.enabled)
        for entity in MAIN_ENTITIES:
            row = self.rows[entity]
            known = entity in self.configured
            row.set_running(self.ctx.runs.is_running(profile.name, entity))
            row.sync.setEnabled(known and row.sync.isEnabled())
            row.preview.setEnabled(known and row.preview.isEnabled())
            row.name.setEnabled(known)
            if not known:
                row.status.setText("not configured in this profile")
        others = [e for e in self.configured if e not in MAIN_ENTITIES]
        self.others.clear()
        for entity in others:
            item = QListWidgetItem(_label(entity))
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
        self.notice.setText("")

    # -- starting and stopping -----------------------------------------------------------------
    def _row(self, entity: str) -> _EntityRow:
        if entity not in self.rows:
            self._add_row(self.other_grid, self.other_grid.rowCount(), entity)
        return self.rows[entity]

    def _chosen_direction(self) -> Direction | None:
        return self.direction.currentData()

    def start(self, entity: str, direction: Direction | None = None, *, dry_run: bool = False,
              approved: bool = False) -> bool:
        """Queue a run of `entity` in the chosen direction; False when it already runs. `approved`: the admin
        reviewed its preview (a held run is not held again)."""
        profile = self.ctx.profile.name
        if profile is None:
            return False
        direction = direction if direction is not None else self._chosen_direction()
        row = self._row(entity)
        row.set_visible(True)
        if not self.ctx.runs.start(profile, entity, direction=direction, dry_run=dry_run, approved=approved):
            row.status.setText("already running")
            return False
        row.set_running(True)
        row.status.setText("preview: planning…" if dry_run else "starting…")
        return True

    def preview(self, entity: str) -> bool:
        direction = self._chosen_direction()
        if self.start(entity, direction, dry_run=True):
            self._previews[entity] = direction
            return True
        return False

    def _start_selected(self, *, preview: bool) -> None:
        chosen = [item.data(Qt.ItemDataRole.UserRole) for item in self.others.selectedItems()]
        if not chosen:
            self.notice.setText("Select one or more entities first")
            return
        for entity in chosen:
            if preview:
                self.preview(entity)
            else:
                self.start(entity)

    def cancel(self, entity: str) -> None:
        profile = self.ctx.profile.name
        if profile and self.ctx.runs.cancel(profile, entity):
            self.rows[entity].cancel.setEnabled(False)
            self.rows[entity].status.setText("cancelling after the current batch…")

    # -- bridge slots --------------------------------------------------------------------------
    def show_started(self, profile: str, entity: str, _trigger: str) -> None:
        if profile == self.ctx.profile.name:
            row = self._row(entity)
            row.set_visible(True)
            row.set_running(True)

    def show_progress(self, event: ProgressEvent) -> None:
        profile = self.ctx.profile.name
        # progress events carry no profile: only an entity this profile is running takes them
        if (event.phase != "finished" and event.entity in self.rows and profile
                and self.ctx.runs.is_running(profile, event.entity)):
            self.rows[event.entity].show_progress(event)

    def show_result(self, profile: str, entity: str, result: RunResult) -> None:
        if profile != self.ctx.profile.name:
            return
        self._row(entity).show_end(result_text(result), "success" if result.dry_run else result.status)
        if result.dry_run and entity in self._previews:
            self.open_preview(result, self._previews.pop(entity))
        elif result.held:
            self.open_brake(result)

    def open_brake(self, result: RunResult) -> BrakeDialog:
        """The brake's prompt for a held run: Review (its preview), Apply anyway, Cancel."""
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        dialog = BrakeDialog(result, result.direction, self)
        dialog.applied.connect(lambda entity, chosen: self.start(entity, chosen, approved=True))
        self.preview_dialog = dialog
        dialog.open()
        return dialog

    def show_failure(self, profile: str, entity: str, message: str) -> None:
        if profile != self.ctx.profile.name:
            return
        self._previews.pop(entity, None)
        self._row(entity).show_end(f"Could not run: {message}", "failed")

    def open_preview(self, result: RunResult, direction: Direction | None) -> PreviewDialog:
        if self.preview_dialog is not None:
            self.preview_dialog.close()
        dialog = PreviewDialog(result, direction, self)
        # the admin has seen the plan: the run it applies is not held for review again
        dialog.applied.connect(lambda entity, chosen: self.start(entity, chosen, approved=True))
        self.preview_dialog = dialog
        dialog.open()
        return dialog
