"""The live log: lines from the state database, fetched in chunks by a timer on a worker, shown in a
model/view table with level, entity, run and text filters, follow-tail, copy and export."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIntValidator, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from erpsync_gui.entities import label as entity_label
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.store.log_handler import LogEntry, query_log
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.models.log_model import LogFilter, LogTableModel, format_line
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background

log = logging.getLogger("erpsync.ui")

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_ALL = "All entities"


class LogsPage(QWidget):
    title = "Logs"
    icon = "logs"
    help_topic = "logs"

    #: lines per query; a full chunk asks for the next one at once (catching up), a short one waits a tick
    chunk = 5000
    #: how far back the first load reaches
    history = 200_000
    poll_ms = 1000

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = LogTableModel(self)
        self._fetching = False
        self._started = False
        self._profile_id: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(self.poll_ms)
        self.timer.timeout.connect(self.fetch)
        # typing in the search or run field filters once the typing pauses
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self._build()
        ctx.profile.changed.connect(lambda _name: self.refresh())

    def _build(self) -> None:
        self.level = QComboBox()
        self.level.addItems(_LEVELS)
        self.level.setCurrentText("INFO")
        self.level.setToolTip("Show this level and above")
        self.entity = QComboBox()
        self.entity.addItem(_ALL)
        self.run = QLineEdit()
        self.run.setPlaceholderText("Run #")
        self.run.setValidator(QIntValidator(1, 2_000_000_000, self))
        self.run.setMaximumWidth(90)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the messages")
        self.search.setClearButtonEnabled(True)
        self.follow = QCheckBox("F&ollow")
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest line in view")
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy the selected lines (Ctrl+C)")
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Save the lines the filter shows to a text file")
        bar = QHBoxLayout()
        self.search.setAccessibleName("Search the messages")
        self.run.setAccessibleName("Run number")
        for label, widget in (("&Level", self.level), ("&Entity", self.entity), ("R&un", self.run)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            bar.addWidget(caption)
            bar.addWidget(widget)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.follow)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.export_button)

        self.view = QTableView()
        self.view.setTabKeyNavigation(False)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        # fixed row heights and column widths: the view never measures 100,000 rows
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 80, 110, 60)):
            self.view.setColumnWidth(column, width)
        self.status = QLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = page_layout(self, self.title, "Every run's log lines, live. Tokens and "
                                               "passwords never appear here.")
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

        self.level.currentTextChanged.connect(self.apply_filter)
        self.entity.currentTextChanged.connect(self.apply_filter)
        self.run.textChanged.connect(self._debounce.start)
        self.search.textChanged.connect(self._debounce.start)
        self.follow.toggled.connect(lambda on: on and self.view.scrollToBottom())
        self.copy_button.clicked.connect(self.copy_selected)
        # clicked(bool) would hand its `checked` to the path: the button asks where, always
        self.export_button.clicked.connect(lambda _checked=False: self.export())
        QShortcut(QKeySequence.StandardKey.Copy, self.view, self.copy_selected)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)

    # -- page contract -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Start (or restart for another profile) following the log."""
        name = self.ctx.profile.name
        run_in_background(lambda: self._profile_of(name), owner=self,
                          on_done=self._profile_known,
                          on_error=self._show_error)

    def _profile_of(self, name: str | None) -> int | None:
        if name is None:
            return None
        return self.ctx.service.profile(name).id

    def _profile_known(self, profile_id: int | None) -> None:
        changed = profile_id != self._profile_id
        self._profile_id = profile_id
        if changed:
            self.apply_filter()
        if not self._started:
            self._started = True
            self.timer.start()
        self.fetch()

    # -- fetching ------------------------------------------------------------------------------
    def fetch(self) -> None:
        """Ask a worker for the lines after the newest one held (one query at a time)."""
        if self._fetching:
            return
        self._fetching = True
        after = self.model.last_id
        store, chunk, history = self.ctx.store, self.chunk, self.history

        def query() -> list[LogEntry]:
            start = after
            if start is None:
                newest = query_log(store, limit=1)
                start = max(0, newest[-1].id - history) if newest else 0
            return query_log(store, after_id=start, limit=chunk)

        run_in_background(query, owner=self, on_done=self._fetched, on_error=self._fetch_failed)

    def _fetched(self, entries: list[LogEntry]) -> None:
        self._fetching = False
        if entries:
            self.model.append(entries)
            self._add_entities(entries)
            if self.follow.isChecked():
                self.view.scrollToBottom()
            self._show_counts()
        if len(entries) >= self.chunk:
            QTimer.singleShot(0, self.fetch)
        elif not entries and self.model.total == 0:
            self._show_counts()

    def _fetch_failed(self, exc: Exception) -> None:
        self._fetching = False
        self._show_error(exc)

    def _add_entities(self, entries: list[LogEntry]) -> None:
        new = sorted({e.entity for e in entries if e.entity} - set(self._entity_items()))
        for name in new:
            self.entity.addItem(entity_label(name), name)  # the label for people, the entity's key to filter by

    def _entity_items(self) -> list[str]:
        return [self.entity.itemData(i) for i in range(1, self.entity.count())]

    # -- filtering -----------------------------------------------------------------------------
    def apply_filter(self) -> None:
        run = self.run.text().strip()
        self.model.set_filter(LogFilter(
            level=self.level.currentText(),
            entity=self.current_entity(),
            run_id=int(run) if run.isdigit() else None,
            text=self.search.text().strip(),
            profile_id=self._profile_id,
        ))
        if self.follow.isChecked():
            self.view.scrollToBottom()
        self._show_counts()

    def current_entity(self) -> str | None:
        """The entity F5 syncs from this page: the one the filter shows."""
        return self.entity.currentData() or None

    def show_run(self, run_id: int) -> None:
        """Show only the lines of one run (the dashboard links here)."""
        self.run.setText(str(run_id))
        self.apply_filter()

    def _scrolled(self, value: int) -> None:
        # scrolling up by hand pauses following; back at the bottom resumes it
        bar = self.view.verticalScrollBar()
        at_bottom = value >= bar.maximum()
        if self.follow.isChecked() != at_bottom and bar.maximum() > 0 and self.view.isVisible():
            self.follow.blockSignals(True)
            self.follow.setChecked(at_bottom)
            self.follow.blockSignals(False)

    def _show_counts(self) -> None:
        shown, held = self.model.rowCount(), self.model.total
        self.status.setText(f"{shown:,} of {held:,} lines" if shown != held else f"{held:,} lines")

    def _show_error(self, exc: Exception) -> None:
        self.status.setText(f"Cannot read the log: {exc}" if isinstance(exc, ERPSyncError)
                            else f"Cannot read the log: {type(exc).__name__}: {exc}")

    # -- copy and export -----------------------------------------------------------------------
    def selected_text(self) -> str:
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return "\n".join(format_line(self.model.entry(r)) for r in rows)

    def copy_selected(self) -> None:
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.status.setText(f"Copied {text.count(chr(10)) + 1} lines")

    def export(self, path: str | None = None) -> None:
        """Write the visible lines to a text file (asks where when no path is given), off the GUI thread."""
        if not isinstance(path, str) or not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export the log", "erpsync-log.txt",
                                                  "Text files (*.txt *.log);;All files (*)")
            if not path:
                return
        entries = self.model.visible()
        target = Path(path)

        def write() -> int:
            with target.open("w", encoding="utf-8", newline="\n") as out:
                for entry in entries:
                    out.write(format_line(entry) + "\n")
            return len(entries)

        self.export_button.setEnabled(False)
        run_in_background(write, owner=self, on_done=lambda n: self._exported(n, target), on_error=self._export_failed)

    def _exported(self, count: int, target: Path) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Exported {count:,} lines to {target}")

    def _export_failed(self, exc: Exception) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Export failed: {exc}")
        log.error("exporting the log failed: %s", exc)
