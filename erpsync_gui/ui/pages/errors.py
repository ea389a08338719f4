"""Errors grouped by signature with counts, first/last seen and the records affected; drill-down to each
record's full error and redacted payload; Retry selected and Mark resolved. The manual-policy conflict
queue is the page's second tab."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.app.retry import retry_plan, settle_retried
from erpsync_gui.engine.types import RunResult
from erpsync_gui.store import queries
from erpsync_gui.store.queries import ErrorGroup, OutcomeEntry
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.conflicts import ConflictsPanel
from erpsync_gui.ui.pages.deletes_panel import DeletesPanel
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background


def _when(moment) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M:%S}"


def _cell(text: object, tooltip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    item.setToolTip(tooltip or str(text))
    return item


def _records(group: ErrorGroup) -> str:
    ids = [f"CRM {i}" for i in group.crm_ids] + [f"ERP {i}" for i in group.erp_ids]
    more = group.count - len(set(group.crm_ids) | set(group.erp_ids))
    text = ", ".join(ids[:6])
    return text + (f" … (+{len(ids) - 6 + max(more, 0)})" if len(ids) > 6 or more > 0 else "")


def detail_text(entry: OutcomeEntry) -> str:
    """The full error and the redacted payload of one failed record."""
    lines = [f"{entry.entity} · run {entry.run_id} · {_when(entry.created_at)}",
             f"CRM id: {entry.crm_id or '—'}    ERP id: {entry.erp_id or '—'}    "
             f"written to: {(entry.target_side or '—').upper()}",
             f"Kind: {entry.error_kind or '—'}", "", entry.message or "(no message)"]
    if entry.payload_excerpt:
        try:
            payload = json.dumps(json.loads(entry.payload_excerpt), indent=2, ensure_ascii=False)
        except ValueError:  # the excerpt is cut at a fixed length, so it may not parse
            payload = entry.payload_excerpt
        lines += ["", "Payload sent (secrets removed):", payload]
    return "\n".join(lines)


class ErrorsPage(QWidget):
    title = "Errors"
    icon = "errors"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[ErrorGroup] = []
        self.entries: list[OutcomeEntry] = []
        self._profile_id: int | None = None
        #: retries going on: entity -> the outcomes they retry (closed once their record is synced)
        self._retrying: dict[str, list[OutcomeEntry]] = {}
        self._build()
        ctx.profile.changed.connect(lambda _name: self.refresh())
        ctx.bridge.run_finished.connect(self._run_finished)
        ctx.bridge.run_failed.connect(lambda p, e, _m: self._retry_over(p, e))

    def _build(self) -> None:
        self.show_resolved = QCheckBox("Show resolved")
        self.show_resolved.toggled.connect(lambda _on: self.refresh())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.summary = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(self.summary)
        bar.addSpacing(16)
        bar.addWidget(self.show_resolved)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)

        self.group_table = QTableWidget(0, 7)
        self.group_table.setHorizontalHeaderLabels(["Entity", "Kind", "Error", "Count", "First seen", "Last seen",
                                                    "Records"])
        self._table_look(self.group_table)
        # the message takes the room that is left (elided; the full text is in the drill-down): counts and dates
        # stay in view
        groups_header = self.group_table.horizontalHeader()
        groups_header.setStretchLastSection(False)
        groups_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.group_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.group_table.itemSelectionChanged.connect(self._group_selected)

        self.record_table = QTableWidget(0, 6)
        self.record_table.setHorizontalHeaderLabels(["When", "Run", "CRM id", "ERP id", "Written to", "State"])
        self._table_look(self.record_table)
        self.record_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.record_table.itemSelectionChanged.connect(self._record_selected)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a record to see its full error and the payload sent")

        self.retry_button = QPushButton("Retry selected")
        self.retry_button.setToolTip("Sync the selected records again (all of the group when none is selected)")
        self.resolve_button = QPushButton("Mark resolved")
        self.resolve_button.setToolTip("Close the selected errors (all of the group when none is selected)")
        self.retry_button.clicked.connect(self.retry_selected)
        self.resolve_button.clicked.connect(self.mark_resolved)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.retry_button)
        actions.addWidget(self.resolve_button)
        actions.addWidget(self.status, 1)

        records = QSplitter(Qt.Orientation.Horizontal)
        records.addWidget(self.record_table)
        records.addWidget(self.detail)
        records.setStretchFactor(0, 3)
        records.setStretchFactor(1, 4)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.group_table)
        split.addWidget(records)
        errors_tab = QWidget()
        errors_layout = QVBoxLayout(errors_tab)
        errors_layout.addLayout(bar)
        errors_layout.addWidget(split, 1)
        errors_layout.addLayout(actions)

        self.conflicts = ConflictsPanel(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(errors_tab, "Errors")
        self.tabs.addTab(self.conflicts, "Conflicts")
        self.conflicts.count_changed.connect(
            lambda n: self.tabs.setTabText(1, f"Conflicts ({n})" if n else "Conflicts"))
        self.deletes = DeletesPanel(self.ctx)
        self.tabs.addTab(self.deletes, "Deletes")
        self.deletes.count_changed.connect(lambda n: self.tabs.setTabText(2, f"Deletes ({n})" if n else "Deletes"))
        layout = page_layout(self, self.title, "Records that could not sync, grouped by cause, and "
                                               "conflicts waiting for a decision.")
        layout.addWidget(self.tabs)
        self._set_buttons()

    @staticmethod
    def _table_look(table: QTableWidget) -> None:
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        include = self.show_resolved.isChecked()
        service = self.ctx.service

        def load() -> tuple[int, list[ErrorGroup]]:
            profile_id = service.profile(name).id
            return profile_id, queries.grouped_errors(service.store, profile_id, include_resolved=include)

        run_in_background(load, owner=self, on_done=self._show_groups, on_error=self._failed)
        self.conflicts.refresh()
        self.deletes.refresh()

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"Cannot read the errors: {exc}")

    def _show_groups(self, loaded: tuple[int, list[ErrorGroup]]) -> None:
        self._profile_id, groups = loaded
        keep = self.selected_group()
        self.groups = groups
        self.group_table.blockSignals(True)
        self.group_table.setRowCount(len(groups))
        for row, g in enumerate(groups):
            cells = [_cell(g.entity), _cell(g.error_kind or "—"),
                     _cell((g.message or "").split("\n", 1)[0], g.message), _cell(g.count),
                     _cell(_when(g.first_seen)), _cell(_when(g.last_seen)), _cell(_records(g))]
            for column, cell in enumerate(cells):
                self.group_table.setItem(row, column, cell)
        self.group_table.setColumnWidth(2, min(self.group_table.columnWidth(2), 420))
        self.group_table.blockSignals(False)
        again = next((row for row, g in enumerate(groups) if keep and g.signature == keep.signature), None)
        if again is not None:
            self.group_table.selectRow(again)
            self._group_selected()
        else:
            self._show_entries([])
        open_count = sum(g.count for g in groups)
        self.summary.setText(f"{open_count} errors in {len(groups)} groups" if groups else
                             "No errors" if self.show_resolved.isChecked() else "No open errors")

    def selected_group(self) -> ErrorGroup | None:
        rows = self.group_table.selectionModel().selectedRows()
        return self.groups[rows[0].row()] if rows and rows[0].row() < len(self.groups) else None

    def _group_selected(self) -> None:
        group = self.selected_group()
        if group is None or self._profile_id is None:
            self._show_entries([])
            return
        store, profile_id, include = self.ctx.store, self._profile_id, self.show_resolved.isChecked()
        run_in_background(lambda: queries.errors_in_group(store, profile_id, group.signature, include), owner=self,
                          on_done=self._show_entries,
                          on_error=self._failed)

    def _show_entries(self, entries: list[OutcomeEntry]) -> None:
        self.entries = entries
        self.record_table.blockSignals(True)
        self.record_table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            cells = [_when(e.created_at), e.run_id, e.crm_id or "—", e.erp_id or "—", (e.target_side or "—").upper(),
                     e.resolution or "open"]
            for column, text in enumerate(cells):
                self.record_table.setItem(row, column, _cell(text))
        self.record_table.blockSignals(False)
        self.detail.setPlainText(detail_text(entries[0]) if len(entries) == 1 else "")
        self._set_buttons()

    def _record_selected(self) -> None:
        chosen = self.selected_entries(fallback=False)
        self.detail.setPlainText(detail_text(chosen[0]) if len(chosen) == 1 else
                                 f"{len(chosen)} records selected" if chosen else "")

    def selected_entries(self, fallback: bool = True) -> list[OutcomeEntry]:
        """The records selected in the drill-down; with `fallback` all of the group when none is."""
        rows = sorted({i.row() for i in self.record_table.selectionModel().selectedRows()})
        chosen = [self.entries[r] for r in rows if r < len(self.entries)]
        return chosen if chosen or not fallback else list(self.entries)

    def _set_buttons(self) -> None:
        has = bool(self.entries)
        self.retry_button.setEnabled(has)
        self.resolve_button.setEnabled(has)

    # -- actions -------------------------------------------------------------------------------
    def retry_selected(self) -> None:
        """Run the source records of the chosen errors again (the engine retries exactly those)."""
        name = self.ctx.profile.name
        chosen = [e for e in self.selected_entries() if e.resolution != "resolved"]
        if name is None or not chosen:
            return
        started, busy = [], []
        for entity, only in retry_plan(chosen).items():
            if self.ctx.runs.start(name, entity, only=only, trigger="manual"):
                self._retrying[entity] = [e for e in chosen if e.entity == entity]
                started.append(entity)
            else:
                busy.append(entity)
        text = f"Retrying {len(chosen)} records of {', '.join(started)}…" if started else ""
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
        self.status.setText(f"Retry of {entity}: {fixed} of {tried} records synced"
                            + (f", {still} still failing ({result.message or result.status})" if still else ""))
        self.refresh()

    def _retry_over(self, profile: str, entity: str) -> None:
        if profile == self.ctx.profile.name and self._retrying.pop(entity, None) is not None:
            self.status.setText(f"Retry of {entity} could not run; see the Sync page")

    def mark_resolved(self) -> None:
        chosen = self.selected_entries()
        if not chosen:
            return
        store, ids = self.ctx.store, [e.id for e in chosen]
        run_in_background(lambda: queries.mark_resolved(store, ids), owner=self,
                          on_done=self._resolved,
                          on_error=self._failed)

    def _resolved(self, count: int) -> None:
        self.status.setText(f"{count} errors marked resolved")
        self.refresh()
