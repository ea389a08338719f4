"""Errors grouped by cause: runs that failed as a whole first, then records grouped by error signature with
counts, first/last seen and the records affected; drill-down to each record (named beside its ids), its full
error and redacted payload; Retry selected, Mark resolved (with Undo) and Export CSV. The conflict queue is a
page of its own; a link here leads to it while conflicts wait."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.retry import retry_plan, settle_retried
from erpsync_gui.engine.types import RunResult
from erpsync_gui.entities import label
from erpsync_gui.store import queries
from erpsync_gui.store.open_work import OpenWork, run_failures
from erpsync_gui.store.queries import ErrorGroup, OutcomeEntry
from erpsync_gui.ui import icons
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.deletes_panel import DeletesPanel
from erpsync_gui.ui.pages.error_names import ErrorNames
from erpsync_gui.ui.pages.error_rows import (
    RunGroup,
    detail_text,
    plural,
    run_detail,
    run_groups,
    when_text,
    write_csv,
)
from erpsync_gui.ui.pages.error_table import GroupTable, cell, table_look
from erpsync_gui.ui.record_names import RecordNames
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background


class ErrorsPage(QWidget):
    title = "Errors"
    icon = "errors"
    help_topic = "errors"
    #: a page the admin asked to open from here ("conflicts")
    open_page_requested = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[ErrorGroup | RunGroup] = []
        self.entries: list[OutcomeEntry] = []
        self.names = ErrorNames(ctx, self)
        self.names.names_read.connect(self._names_read)
        self._profile_id: int | None = None
        #: what the group table shows: (profile id, run groups, error groups, resolved ones included)
        self._shown: tuple | None = None
        #: retries going on: entity -> the outcomes they retry (closed once their record is synced)
        self._retrying: dict[str, list[OutcomeEntry]] = {}
        #: what the last Mark resolved changed (outcome id -> earlier resolution), for Undo
        self._undo: dict[int, str | None] = {}
        self._build()
        ctx.profile.changed.connect(lambda _name: self.refresh())
        ctx.bridge.run_finished.connect(self._run_finished)
        ctx.bridge.run_failed.connect(lambda p, e, _m: self._retry_over(p, e))
        ctx.open_work.changed.connect(self._show_open_work)

    def _build(self) -> None:
        self.show_resolved = QCheckBox("Show &resolved")
        self.show_resolved.toggled.connect(lambda _on: self.refresh())
        self.refresh_button = QPushButton(icons.icon("refresh"), "Re&fresh")
        self.refresh_button.setToolTip("Read the errors again")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(icons.icon("export"), "E&xport CSV…")
        self.export_button.setToolTip("Save the errors shown as a CSV file, one row per record or failed run")
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.conflicts_link = QPushButton(icons.status_dot("warn"), "")
        self.conflicts_link.setObjectName("linkButton")
        self.conflicts_link.setFlat(True)
        self.conflicts_link.setToolTip("Open the conflict queue (Ctrl+7)")
        self.conflicts_link.clicked.connect(lambda: self.open_page_requested.emit("conflicts"))
        self.conflicts_link.hide()
        self.summary = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(self.summary)
        bar.addSpacing(16)
        bar.addWidget(self.show_resolved)
        bar.addStretch(1)
        bar.addWidget(self.conflicts_link)
        bar.addWidget(self.export_button)
        bar.addWidget(self.refresh_button)

        self.group_table = GroupTable()
        self.group_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.group_table.itemSelectionChanged.connect(self._group_selected)

        self.record_table = QTableWidget(0, 7)
        self.record_table.setHorizontalHeaderLabels(["When", "Run", "CRM id", "ERP id", "Name", "Written to",
                                                     "State"])
        self.record_table.setAccessibleName("Records of the selected group")
        table_look(self.record_table)
        self.record_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.record_table.itemSelectionChanged.connect(self._record_selected)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Error details")
        self.detail.setPlaceholderText("Select a record to see its full error and the payload sent")

        self.retry_button = QPushButton(icons.icon("sync"), "Re&try selected")
        self.retry_button.setToolTip("Sync the selected records again (all of the group when none is selected)")
        self.resolve_button = QPushButton("&Mark resolved")
        self.resolve_button.setToolTip("Close the selected errors (all of the group when none is selected)")
        self.undo_button = QPushButton(icons.icon("undo"), "&Undo")
        self.undo_button.setToolTip("Reopen the errors just marked resolved")
        self.undo_button.hide()
        self.retry_button.clicked.connect(self.retry_selected)
        self.resolve_button.clicked.connect(self.mark_resolved)
        self.undo_button.clicked.connect(self.undo_resolved)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.retry_button)
        actions.addWidget(self.resolve_button)
        actions.addWidget(self.status, 1)
        actions.addWidget(self.undo_button)

        records = QSplitter(Qt.Orientation.Horizontal)
        records.addWidget(self.record_table)
        records.addWidget(self.detail)
        records.setStretchFactor(0, 3)
        records.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.group_table)
        split.addWidget(records)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = page_layout(self, self.title, "Records and runs that could not sync, grouped by cause: retry "
                                               "them once the cause is fixed, or mark them resolved.")
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        # deletes waiting for approval (on_delete = queue): shown while there are any
        self.deletes = DeletesPanel(self.ctx)
        self.deletes_box = QGroupBox("Deletes waiting for approval")
        QVBoxLayout(self.deletes_box).addWidget(self.deletes)
        self.deletes_box.setVisible(False)
        self.deletes.count_changed.connect(self._show_deletes)
        layout.addWidget(self.deletes_box)
        for first, second in ((self.show_resolved, self.export_button), (self.export_button, self.refresh_button),
                              (self.refresh_button, self.group_table), (self.group_table, self.record_table),
                              (self.record_table, self.detail), (self.detail, self.retry_button),
                              (self.retry_button, self.resolve_button), (self.resolve_button, self.undo_button)):
            self.setTabOrder(first, second)
        self._set_buttons()

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        include = self.show_resolved.isChecked()
        service = self.ctx.service

        def load() -> tuple[int, RecordNames, list[RunGroup], list[ErrorGroup]]:
            profile = service.profile(name)
            return (profile.id, RecordNames(profile), run_groups(run_failures(service.store, profile.id)),
                    queries.grouped_errors(service.store, profile.id, include_resolved=include))

        run_in_background(load, owner=self, on_done=self._show_groups, on_error=self._failed)
        self.deletes.refresh()

    def _show_deletes(self, count: int) -> None:
        self.deletes_box.setTitle(f"Deletes waiting for approval ({count})")
        self.deletes_box.setVisible(count > 0)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Cannot read the errors: {exc}")

    def _show_groups(self, loaded: tuple[int, RecordNames, list[RunGroup], list[ErrorGroup]]) -> None:
        shown = (loaded[0], loaded[2], loaded[3], self.show_resolved.isChecked())
        if shown == self._shown:  # the same groups: drawn again they would only cost the GUI thread their layout
            return
        self._shown = shown
        self._profile_id, self.names.names, runs, groups = loaded
        keep = self.selected_group()
        self.groups = [*runs, *groups]
        table = self.group_table
        table.blockSignals(True)
        table.show_groups(self.groups)
        table.blockSignals(False)
        again = next((row for row, g in enumerate(self.groups) if keep and g.signature == keep.signature), None)
        if again is not None:
            table.selectRow(again)
            self._group_selected()
        else:
            self._show_entries([])
        records = sum(g.count for g in groups)
        parts = []
        for quota in (False, True):
            stopped = [g for g in runs if g.quota is quota]
            if stopped:
                parts.append(stopped[0].runs_text(sum(g.count for g in stopped)))
        if groups:
            both = " (open and resolved)" if self.show_resolved.isChecked() else ""
            parts.append(f"{plural(records, 'error')} in {plural(len(groups), 'group')}{both}")
        self.summary.setText(" · ".join(parts) if parts else
                             "No errors" if self.show_resolved.isChecked() else
                             "No open errors: every record of the last runs synced")

    def _show_open_work(self, work: OpenWork) -> None:
        waiting = work.open_conflicts
        self.conflicts_link.setText(f"{plural(waiting, 'conflict')} {'waits' if waiting == 1 else 'wait'} "
                                    "for a decision" if waiting else "")
        self.conflicts_link.setVisible(bool(waiting))

    def selected_group(self) -> ErrorGroup | RunGroup | None:
        rows = self.group_table.selectionModel().selectedRows()
        return self.groups[rows[0].row()] if rows and rows[0].row() < len(self.groups) else None

    def current_entity(self) -> str | None:
        """The entity F5 syncs from this page: the selected group's."""
        group = self.selected_group()
        if isinstance(group, RunGroup):
            return group.failures[0].entity
        return group.entity if group is not None else None

    def _group_selected(self) -> None:
        group = self.selected_group()
        if isinstance(group, RunGroup):
            self._show_entries([])
            self.detail.setPlainText(run_detail(group))
            self._set_buttons()
            return
        if group is None or self._profile_id is None:
            self._show_entries([])
            return
        store, profile_id, include = self.ctx.store, self._profile_id, self.show_resolved.isChecked()
        run_in_background(lambda: queries.errors_in_group(store, profile_id, group.signature, include), owner=self,
                          on_done=self._show_entries, on_error=self._failed)

    def name_of(self, entry: OutcomeEntry) -> str | None:
        """The record's display name beside its ids."""
        return self.names.name_of(entry)

    def _show_entries(self, entries: list[OutcomeEntry]) -> None:
        self.entries = entries
        self._fill_records()
        self.detail.setPlainText(detail_text(entries[0], self.name_of(entries[0])) if len(entries) == 1 else "")
        self._set_buttons()
        if entries:
            self.names.fetch_missing(entries)

    def _fill_records(self) -> None:
        table = self.record_table
        table.blockSignals(True)
        table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            cells = [when_text(e.created_at), e.run_id, e.crm_id or "—", e.erp_id or "—", self.name_of(e) or "—",
                     (e.target_side or "—").upper(), e.resolution or "open"]
            for column, text in enumerate(cells):
                table.setItem(row, column, cell(text))
        table.blockSignals(False)

    def _names_read(self) -> None:
        if self.entries:
            self._fill_records()
            chosen = self.selected_entries(fallback=False)
            if len(chosen) == 1 or len(self.entries) == 1:
                entry = chosen[0] if chosen else self.entries[0]
                self.detail.setPlainText(detail_text(entry, self.name_of(entry)))

    def _record_selected(self) -> None:
        chosen = self.selected_entries(fallback=False)
        self.detail.setPlainText(detail_text(chosen[0], self.name_of(chosen[0])) if len(chosen) == 1 else
                                 f"{plural(len(chosen), 'record')} selected" if chosen else "")

    def selected_entries(self, fallback: bool = True) -> list[OutcomeEntry]:
        """The records selected in the drill-down; with `fallback` all of the group when none is."""
        rows = sorted({i.row() for i in self.record_table.selectionModel().selectedRows()})
        chosen = [self.entries[r] for r in rows if r < len(self.entries)]
        return chosen if chosen or not fallback else list(self.entries)

    def _set_buttons(self) -> None:
        run_group = isinstance(self.selected_group(), RunGroup)
        has = bool(self.entries)
        self.retry_button.setText("Run &again" if run_group else "Re&try selected")
        self.retry_button.setToolTip("Run the failed entities again" if run_group else
                                     "Sync the selected records again (all of the group when none is selected)")
        self.retry_button.setEnabled(has or run_group)
        self.resolve_button.setEnabled(has)

    # -- actions -------------------------------------------------------------------------------
    def retry_selected(self) -> None:
        """Run the source records of the chosen errors again (the engine retries exactly those); for a group of
        failed runs, run those entities again."""
        name = self.ctx.profile.name
        group = self.selected_group()
        if name is not None and isinstance(group, RunGroup):
            started = [label(f.entity) for f in group.failures if self.ctx.runs.start(name, f.entity)]
            self.status.setText(f"Running {', '.join(started)} again…" if started else "Already running")
            return
        chosen = [e for e in self.selected_entries() if e.resolution != "resolved"]
        if name is None or not chosen:
            return
        started, busy = [], []
        for entity, only in retry_plan(chosen).items():
            if self.ctx.runs.start(name, entity, only=only, trigger="manual"):
                self._retrying[entity] = [e for e in chosen if e.entity == entity]
                started.append(label(entity))
            else:
                busy.append(label(entity))
        text = f"Retrying {plural(len(chosen), 'record')} of {', '.join(started)}…" if started else ""
        if busy:
            text += f" {', '.join(busy)} already running: try again when it finishes."
        self.status.setText(text.strip())

    def _run_finished(self, profile: str, entity: str, result: RunResult) -> None:
        if profile != self.ctx.profile.name:
            return
        retried = self._retrying.pop(entity, None)
        if retried is None or self._profile_id is None:
            self.refresh()
            return
        store, profile_id = self.ctx.store, self._profile_id
        run_in_background(lambda: settle_retried(store, profile_id, retried), owner=self,
                          on_done=lambda n: self._settled(entity, len(retried), n, result),
                          on_error=self._failed)

    def _settled(self, entity: str, tried: int, fixed: int, result: RunResult) -> None:
        still = tried - fixed
        self.status.setText(f"Retry of {label(entity)}: {fixed} of {plural(tried, 'record')} synced"
                            + (f", {still} still failing ({result.message or result.status})" if still else ""))
        self.refresh()
        self.ctx.open_work.refresh()

    def _retry_over(self, profile: str, entity: str) -> None:
        if profile == self.ctx.profile.name:
            if self._retrying.pop(entity, None) is not None:
                self.status.setText(f"Retry of {label(entity)} could not run; see the Sync page")
            self.refresh()

    def mark_resolved(self) -> None:
        chosen = self.selected_entries()
        if not chosen:
            return
        store, ids = self.ctx.store, [e.id for e in chosen]
        run_in_background(lambda: queries.resolve_for_undo(store, ids), owner=self,
                          on_done=self._resolved, on_error=self._failed)

    def _resolved(self, previous: dict[int, str | None]) -> None:
        self._undo = previous
        self.status.setText(f"{plural(len(previous), 'error')} marked resolved.")
        self.undo_button.setVisible(bool(previous))
        self.refresh()
        self.ctx.open_work.refresh()

    def undo_resolved(self) -> None:
        """Reopen the errors the last Mark resolved closed."""
        previous, self._undo = self._undo, {}
        self.undo_button.hide()
        if not previous:
            return
        store = self.ctx.store
        run_in_background(lambda: queries.reopen(store, previous), owner=self,
                          on_done=self._reopened, on_error=self._failed)

    def _reopened(self, count: int) -> None:
        self.status.setText(f"{plural(count, 'error')} reopened.")
        self.refresh()
        self.ctx.open_work.refresh()

    # -- export --------------------------------------------------------------------------------
    def export_csv(self, path: str | None = None) -> None:
        """Write the errors shown (every group, each record a row; the failed runs first) to a CSV file; asks
        where when no path is given. The file is written off the GUI thread."""
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export the errors", "erpsync-errors.csv",
                                                  "CSV files (*.csv);;All files (*)")
            if not path:
                return
        if self._profile_id is None:
            return
        target, store, profile_id = Path(path), self.ctx.store, self._profile_id
        include = self.show_resolved.isChecked()
        groups = list(self.groups)
        name_of = self.name_of

        def write() -> int:
            entries = [e for g in groups if isinstance(g, ErrorGroup)
                       for e in queries.errors_in_group(store, profile_id, g.signature, include, limit=1_000_000)]
            return write_csv(target, entries, [g for g in groups if isinstance(g, RunGroup)], name_of)

        self.export_button.setEnabled(False)
        run_in_background(write, owner=self, on_done=lambda n: self._exported(n, target),
                          on_error=self._export_failed)

    def _exported(self, rows: int, target: Path) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Exported {plural(rows, 'row')} to {target}")

    def _export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Export failed: {exc}")
