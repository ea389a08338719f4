"""The dashboard: records per day per entity as stacked bars, today's status per entity with its last and
next run, the recent runs with their duration, and the two maintenance actions (each confirmed first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QStackedBarSeries, QValueAxis
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.store import queries
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.undo_dialog import UndoDialog
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background

CHART_DAYS = 14
_ALL = "All entities"
_SERIES = (("inserted", "Created", "#2e7d32"), ("updated", "Updated", "#1565c0"), ("failed", "Failed", "#c62828"))
_STATUS_COLOURS = {"SUCCESS": "#2e7d32", "PARTIAL": "#b26a00", "FAILED": "#c62828",
                   "success": "#2e7d32", "partial": "#b26a00", "failed": "#c62828", "cancelled": "#616161"}


@dataclass(frozen=True)
class DashboardData:
    """Everything the dashboard shows, read in one go off the GUI thread."""

    profile: str
    entities: tuple[str, ...]
    stats: list[queries.DayStat]
    last_runs: dict[str, queries.RunSummary]
    recent: list[queries.RunSummary]
    #: per entity: when the schedule runs it next, or why it does not
    next_runs: dict[str, str]


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "running"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _item(text: object, colour: str | None = None, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if colour:
        item.setForeground(QColor(colour))
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class DashboardPage(QWidget):
    title = "Dashboard"
    icon = "dashboard"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: DashboardData | None = None
        self._loading = False
        self._again = False
        self._build()
        # several runs finishing together refresh once
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(300)
        self._soon.timeout.connect(self.refresh)
        ctx.bridge.run_finished.connect(lambda *_: self._soon.start())
        ctx.bridge.run_failed.connect(lambda *_: self._soon.start())
        ctx.profile.changed.connect(lambda _name: self.refresh())

    def _build(self) -> None:
        self.entity_filter = QComboBox()
        self.entity_filter.addItem(_ALL)
        self.entity_filter.currentTextChanged.connect(lambda _t: self._draw_chart())
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        chart_box = QGroupBox(f"Records per day (last {CHART_DAYS} days)")
        chart_layout = QVBoxLayout(chart_box)
        picker = QHBoxLayout()
        picker.addWidget(QLabel("Entity"))
        picker.addWidget(self.entity_filter)
        picker.addStretch(1)
        chart_layout.addLayout(picker)
        chart_layout.addWidget(self.chart_view)

        self.today = _table(["Entity", "Today", "Created", "Updated", "Failed", "Last run", "Next run"])
        today_box = QGroupBox("Today")
        QVBoxLayout(today_box).addWidget(self.today)
        self.recent = _table(["Started", "Entity", "Direction", "Kind", "Status", "Read", "Created",
                              "Updated", "Failed", "Duration", "Message"])
        recent_box = QGroupBox("Recent runs")
        recent_layout = QVBoxLayout(recent_box)
        recent_layout.addWidget(self.recent)
        self.undo_button = QPushButton("Undo this run…")
        self.undo_button.setToolTip("Show what undoing the selected run would restore, then undo it")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_selected)
        self.recent.itemSelectionChanged.connect(
            lambda: self.undo_button.setEnabled(bool(self.recent.selectionModel().selectedRows())))
        recent_layout.addWidget(self.undo_button)
        self.recent_runs: list[queries.RunSummary] = []
        self.undo_dialog: UndoDialog | None = None

        self.reset_button = QPushButton("Reset statistics…")
        self.reset_button.setToolTip("Forget this profile's runs, daily figures and errors (links stay)")
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setValue(30)
        self.days.setSuffix(" days")
        self.cleanup_button = QPushButton("Clean up logs…")
        self.cleanup_button.setToolTip("Delete log lines older than the number of days given")
        self.status = QLabel("")
        actions = QHBoxLayout()
        actions.addWidget(self.reset_button)
        actions.addSpacing(24)
        actions.addWidget(QLabel("Log lines older than"))
        actions.addWidget(self.days)
        actions.addWidget(self.cleanup_button)
        actions.addStretch(1)
        actions.addWidget(self.status)
        self.reset_button.clicked.connect(self.reset_statistics)
        self.cleanup_button.clicked.connect(self.clean_up_logs)

        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(today_box)
        lower.addWidget(recent_box)
        top = QSplitter(Qt.Orientation.Vertical)
        top.addWidget(chart_box)
        top.addWidget(lower)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 4)
        layout = page_layout(self, self.title, "What was synced, day by day and per entity, "
                                               "and when each entity runs next.")
        layout.addWidget(top, 1)
        layout.addLayout(actions)

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        run_in_background(lambda: self._load(name), owner=self, on_done=self._show, on_error=self._load_failed)

    def _load(self, name: str) -> DashboardData:
        profile = self.ctx.service.profile(name)
        store = self.ctx.store
        entities = tuple(e.entity for e in profile.entities)
        return DashboardData(
            profile=name, entities=entities,
            stats=queries.daily_stats(store, profile.id, CHART_DAYS),
            last_runs=queries.last_runs_per_entity(store, profile.id),
            recent=queries.recent_runs(store, profile.id, limit=30),
            next_runs=self._next_runs(profile, entities),
        )

    def _next_runs(self, profile, entities: tuple[str, ...]) -> dict[str, str]:
        scheduler = self.ctx.scheduler
        if scheduler is None:
            return dict.fromkeys(entities, "not scheduled")
        try:
            moment = scheduler.next_run(profile.name)
        except Exception as exc:  # the scheduler's trouble must not blank the dashboard
            return dict.fromkeys(entities, f"unknown ({exc})")
        scheduled = set(profile.schedule.entities or entities)
        text = _when(moment) if moment is not None else "not scheduled"
        return {e: text if e in scheduled else "not scheduled" for e in entities}

    def _load_failed(self, exc: Exception) -> None:
        self._loading = False
        self.status.setText(f"Cannot read the statistics: {exc}")
        self._repeat()

    def _repeat(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _show(self, data: DashboardData) -> None:
        self._loading = False
        if data.profile == self.ctx.profile.name:
            self.data = data
            self._fill_entity_filter(data.entities)
            self._draw_chart()
            self._fill_today(data)
            self._fill_recent(data.recent)
        self._repeat()

    def _fill_entity_filter(self, entities: tuple[str, ...]) -> None:
        current = self.entity_filter.currentText()
        wanted = [_ALL, *entities]
        if [self.entity_filter.itemText(i) for i in range(self.entity_filter.count())] != wanted:
            self.entity_filter.blockSignals(True)
            self.entity_filter.clear()
            self.entity_filter.addItems(wanted)
            self.entity_filter.setCurrentText(current if current in wanted else _ALL)
            self.entity_filter.blockSignals(False)

    def _draw_chart(self) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        if self.data is None:
            return
        entity = self.entity_filter.currentText()
        today = datetime.now(UTC).date()
        days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
        totals: dict[date, dict[str, int]] = {d: dict.fromkeys(("inserted", "updated", "failed"), 0) for d in days}
        for stat in self.data.stats:
            if stat.day in totals and (entity == _ALL or stat.entity == entity):
                for key in totals[stat.day]:
                    totals[stat.day][key] += getattr(stat, key)
        series = QStackedBarSeries()
        for key, label, colour in _SERIES:
            bar = QBarSet(label)
            bar.setColor(QColor(colour))
            bar.append([totals[d][key] for d in days])
            series.append(bar)
        self.chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append([f"{d:%d.%m}" for d in days])
        axis_y = QValueAxis()
        peak = max((sum(v.values()) for v in totals.values()), default=0)
        # whole records only: a range under 5 with six ticks would print the same integer twice ("0 0 1")
        axis_y.setRange(0, max(peak, 5))
        axis_y.setLabelFormat("%d")
        axis_y.applyNiceNumbers()
        axis_y.setTickCount(min(6, int(axis_y.max()) + 1))
        self.chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)

    def _fill_today(self, data: DashboardData) -> None:
        today = datetime.now(UTC).date()
        todays = {s.entity: s for s in data.stats if s.day == today}
        self.today.setRowCount(len(data.entities))
        for row, entity in enumerate(data.entities):
            stat = todays.get(entity)
            last = data.last_runs.get(entity)
            status = stat.status if stat else "no runs"
            last_text = "never" if last is None else f"{_when(last.started_at)} ({last.status})"
            cells = [
                _item(entity), _item(status, _STATUS_COLOURS.get(status)),
                _item(stat.inserted if stat else 0, align_right=True),
                _item(stat.updated if stat else 0, align_right=True),
                _item(stat.failed if stat else 0, "#c62828" if stat and stat.failed else None, align_right=True),
                _item(last_text, _STATUS_COLOURS.get(last.status) if last else None),
                _item(data.next_runs.get(entity, "not scheduled")),
            ]
            for column, cell in enumerate(cells):
                self.today.setItem(row, column, cell)

    def undo_selected(self) -> UndoDialog | None:
        rows = self.recent.selectionModel().selectedRows()
        if not rows:
            return None
        self.undo_dialog = UndoDialog(self.ctx, self.recent_runs[rows[0].row()].id, self)
        self.undo_dialog.open()
        return self.undo_dialog

    def _fill_recent(self, runs: list[queries.RunSummary]) -> None:
        self.recent_runs = runs
        self.recent.setRowCount(len(runs))
        for row, run in enumerate(runs):
            cells = [
                _item(_when(run.started_at)), _item(run.entity), _item(run.direction), _item(run.kind),
                _item(run.status, _STATUS_COLOURS.get(run.status)), _item(run.processed, align_right=True),
                _item(run.inserted, align_right=True), _item(run.updated, align_right=True),
                _item(run.failed, align_right=True), _item(_duration(run.duration_s), align_right=True),
                _item(run.message or ""),
            ]
            for column, cell in enumerate(cells):
                self.recent.setItem(row, column, cell)

    # -- maintenance ---------------------------------------------------------------------------
    def reset_statistics(self) -> None:
        name = self.ctx.profile.name
        if name is None:
            return
        answer = QMessageBox.question(
            self, "Reset statistics",
            f"Forget every run, daily figure and recorded error of profile {name!r}?\n"
            "Links between records and sync positions stay. This cannot be undone.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        service, store = self.ctx.service, self.ctx.store
        self.reset_button.setEnabled(False)
        run_in_background(lambda: queries.reset_statistics(store, service.profile(name).id), owner=self,
                          on_done=lambda n: self._done(self.reset_button, f"Statistics reset ({n} rows removed)"),
                          on_error=lambda exc: self._done(self.reset_button, f"Reset failed: {exc}"))

    def clean_up_logs(self) -> None:
        days = self.days.value()
        answer = QMessageBox.question(self, "Clean up logs",
                                      f"Delete every log line older than {days} days? This cannot be undone.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        store = self.ctx.store
        self.cleanup_button.setEnabled(False)
        run_in_background(lambda: queries.cleanup_logs(store, days), owner=self,
                          on_done=lambda n: self._done(self.cleanup_button, f"{n} log lines deleted"),
                          on_error=lambda exc: self._done(self.cleanup_button, f"Clean-up failed: {exc}"))

    def _done(self, button: QPushButton, message: str) -> None:
        button.setEnabled(True)
        self.status.setText(message)
        self.refresh()
