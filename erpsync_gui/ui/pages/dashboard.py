"""The dashboard: today's status of every entity with its last and next run (all entities in view, never a
scroll bar), beside it what needs attention (each line opens its page) and records per day as stacked bars (a
chart that folds away), and under them the recent runs (five in view at 1366x768 and at 150 %). Maintenance
(reset statistics, clean up logs) lives in Tools > Maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QEvent, QMargins, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from erpsync_gui.entities import label
from erpsync_gui.store import queries
from erpsync_gui.ui import theme
from erpsync_gui.ui.context import UiContext
from erpsync_gui.ui.pages.attention_panel import AttentionPanel
from erpsync_gui.ui.pages.dashboard_cells import duration_text, empty_note, run_state, started_text, table, table_cell
from erpsync_gui.ui.pages.dashboard_chart import CHART_DAYS, draw_records_per_day
from erpsync_gui.ui.pages.undo_dialog import UndoDialog
from erpsync_gui.ui.when import when_text
from erpsync_gui.ui.widgets.layouts import page_layout
from erpsync_gui.ui.widgets.worker import run_in_background

_ALL = "All entities"
#: the recent runs' columns a narrow table leaves out, the least needed first: direction, kind, read, updated,
#: duration, message, failed, created
_DETAIL_COLUMNS = (2, 3, 5, 7, 9, 10, 8, 6)
#: what the message keeps at least where it is shown (it elides; its tooltip holds it whole)
_MESSAGE_ROOM = 60
_MESSAGE = 10


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


def _today_inputs(data: DashboardData) -> tuple:
    """What the today table shows."""
    return data.stats, data.entities, data.last_runs, data.next_runs


class DashboardPage(QWidget):
    title = "Dashboard"
    icon = "dashboard"
    help_topic = "dashboard"
    #: a page the admin asked to open from the Needs attention panel
    open_page_requested = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: DashboardData | None = None
        #: the (local) day the figures were drawn on
        self._drawn_on: date | None = None
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
        ctx.open_work.changed.connect(self.attention.show_work)
        ctx.open_work.changed.connect(self._work_changed)  # bound: the connection goes with the page
        # a bound method, so the connection goes with the page
        theme.notifier.changed.connect(self._scheme_changed)

    def _build(self) -> None:
        self.attention = AttentionPanel()
        self.attention.open_page_requested.connect(self.open_page_requested)
        self.attention.sync_all_requested.connect(self.ctx.sync_all.start)

        self.today = table(["Entity", "Today", "Created", "Updated", "Failed", "Last run", "Next run"])
        self.today.setAccessibleName("Today per entity")
        # every entity in view: the table is as tall and as wide as its rows, and never scrolls
        self.today.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.today.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.today.horizontalHeader().setStretchLastSection(False)
        self.today.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        today_box = QGroupBox("Today")
        today_layout = QVBoxLayout(today_box)
        today_layout.addWidget(self.today)

        self.entity_filter = QComboBox()
        self.entity_filter.addItem(_ALL)
        self.entity_filter.setAccessibleName("Entity of the chart")
        self.entity_filter.currentTextChanged.connect(lambda _t: self._draw_chart())
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        # beside the bars, not under them: the chart beside Needs attention has more width than height
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        # small in the room under the Today table at 150 %; it folds away
        self.chart_view.setMinimumHeight(80)
        self.chart_empty = empty_note("Nothing synced in the last 14 days yet: the bars appear after the first run.")
        self.chart_stack = QStackedLayout()
        holder = QWidget()
        holder.setLayout(self.chart_stack)
        self.chart_stack.addWidget(self.chart_view)
        self.chart_stack.addWidget(self.chart_empty)
        self.chart_toggle = QToolButton()
        self.chart_toggle.setObjectName("foldButton")
        self.chart_toggle.setCheckable(True)
        self.chart_toggle.setChecked(True)
        self.chart_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.chart_toggle.setText("Records per day")
        self.chart_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.chart_toggle.setToolTip(f"Created, updated and failed records of the last {CHART_DAYS} days; "
                                     "click to show or fold away the chart")
        self.chart_toggle.setAccessibleName("Records per day chart")
        self.chart_toggle.toggled.connect(self.set_chart_shown)
        chart_box = QGroupBox()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(8, 4, 8, 8)
        picker = QHBoxLayout()
        picker.addWidget(self.chart_toggle)
        picker.addStretch(1)
        picker.addWidget(self.entity_filter)
        chart_layout.addLayout(picker)
        chart_layout.addWidget(holder, 1)
        chart_layout.addStretch(0)  # the title stays on top while the bars are hidden
        self.chart_body = holder

        self.recent = table(["Started", "Entity", "Direction", "Kind", "Status", "Read", "Created",
                              "Updated", "Failed", "Duration", "Message"])
        self.recent.setAccessibleName("Recent runs")
        self.recent.installEventFilter(self)  # its columns follow its width
        self.recent_empty = empty_note("No runs yet. Sync all (Ctrl+Shift+S) runs every entity in dependency order; "
                                        "the Sync page runs or previews one.")
        recent_box = QGroupBox("Recent runs")
        self.recent_stack = QStackedLayout()
        recent_holder = QWidget()
        recent_holder.setLayout(self.recent_stack)
        self.recent_stack.addWidget(self.recent)
        self.recent_stack.addWidget(self.recent_empty)
        recent_layout = QVBoxLayout(recent_box)
        recent_layout.addWidget(recent_holder)
        self.undo_button = QPushButton("Undo this run…")
        self.undo_button.setToolTip("Show what undoing the selected run would restore, then undo it")
        self.undo_button.setEnabled(False)
        # shown once a run is selected: until then the recent runs keep all of the box's room
        self.undo_button.setVisible(False)
        self.undo_button.clicked.connect(self.undo_selected)
        self.recent.itemSelectionChanged.connect(self._run_selected)
        recent_layout.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignRight)
        self.recent_runs: list[queries.RunSummary] = []
        self.undo_dialog: UndoDialog | None = None

        self.status = QLabel("")
        self.status.setWordWrap(True)
        # the chart under the Today table (in the room its rows leave), and beside them Needs attention and the
        # recent runs: five runs are in view at 1366x768 and at 150 % (under the table only two or three were)
        today_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(today_box, 0)
        left.addWidget(chart_box, 1)
        # the room the Today table leaves, never the table's own: the bars show where they fit
        chart_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.chart_box = chart_box
        chart_box.installEventFilter(self)
        side_box = QWidget()
        # as tall as the column beside it, never taller: the recent runs take what Needs attention leaves
        side_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        side = QVBoxLayout(side_box)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(12)
        side.addWidget(self.attention, 0)
        side.addWidget(recent_box, 1)
        # the message elides (its tooltip holds it whole) rather than scrolling the runs sideways
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent.horizontalHeader().setSectionResizeMode(10, QHeaderView.ResizeMode.Stretch)
        middle = QHBoxLayout()
        middle.setSpacing(12)
        middle.addLayout(left, 0)
        middle.addWidget(side_box, 1)
        chart_box.setMinimumWidth(240)
        layout = page_layout(self, self.title, "What needs you, what was synced today per entity, and when each "
                                               "entity runs next.")
        layout.addLayout(middle, 1)
        layout.addWidget(self.status)
        self.status.hide()
        self._order_tabs()
        self._fit_today()

    def _work_changed(self, _work: object) -> None:
        self._order_tabs()

    def _order_tabs(self) -> None:
        """Tab goes through the Today table and the chart, then Needs attention's buttons (made anew with each
        change of what waits), then the recent runs."""
        chain = [self.today, self.chart_toggle, self.entity_filter, *self.attention.buttons, self.recent]
        for before, after in pairwise(chain):
            self.setTabOrder(before, after)

    def _scheme_changed(self, _scheme: str) -> None:
        self._draw_chart()

    def _fit_chart(self) -> None:
        """The bars only where their box has room for them (and the admin did not fold them away)."""
        room = self.chart_box.height() - self.chart_toggle.sizeHint().height() - 24
        self.chart_body.setVisible(self.chart_toggle.isChecked() and room >= self.chart_view.minimumHeight())

    def set_chart_shown(self, shown: bool) -> None:
        """Fold the chart away (or show it again): the recent runs get the room."""
        self.chart_toggle.blockSignals(True)
        self.chart_toggle.setChecked(shown)
        self.chart_toggle.blockSignals(False)
        self.chart_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.entity_filter.setVisible(shown)
        self._fit_chart()

    def _fit_today(self) -> None:
        """As tall as the header and every row, as wide as its columns: all entities in view at any font size
        or screen scale (rows one text line high with little padding, so the demo's twelve entities fit 1366x768)."""
        table = self.today
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 4)
        # the recent runs under it read one line a row too, so a 150 % screen still shows several
        self.recent.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 4)
        rows = max(table.rowCount(), 1)
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += table.verticalHeader().defaultSectionSize() * rows
        table.setFixedHeight(height)
        table.setMinimumWidth(table.horizontalHeader().length() + 2 * table.frameWidth())

    def current_entity(self) -> str | None:
        """The entity F5 syncs from here: the row selected in Today."""
        rows = self.today.selectionModel().selectedRows()
        if rows and self.data is not None and rows[0].row() < len(self.data.entities):
            return self.data.entities[rows[0].row()]
        return None

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
        self.ctx.open_work.refresh()

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
        text = when_text(moment) if moment is not None else "not scheduled"
        return {e: text if e in scheduled else "not scheduled" for e in entities}

    def _load_failed(self, exc: Exception) -> None:
        self._loading = False
        self.status.setText(f"Cannot read the statistics: {exc}")
        self.status.show()
        self._repeat()

    def _repeat(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _show(self, data: DashboardData) -> None:
        self._loading = False
        # the same figures on the same day read the same (its moments say "today"): drawn again they would only
        # cost the GUI thread their layout, while a sync runs too
        today = datetime.now().date()
        unchanged = data == self.data and self._drawn_on == today
        if data.profile == self.ctx.profile.name and not unchanged:
            # each part is drawn again only when what it shows changed (while a run goes, mostly the recent runs)
            before = self.data if self._drawn_on == today else None
            self.data, self._drawn_on = data, today
            self.status.hide()
            self._fill_entity_filter(data.entities)
            if before is None or (before.stats, before.entities) != (data.stats, data.entities):
                self._draw_chart()
            if before is None or _today_inputs(before) != _today_inputs(data):
                self._fill_today(data)
            if before is None or before.recent != data.recent:
                self._fill_recent(data.recent)
        self._repeat()

    def _fill_entity_filter(self, entities: tuple[str, ...]) -> None:
        current = self.entity_filter.currentData()
        wanted = [(_ALL, None), *((label(e), e) for e in entities)]
        if [self.entity_filter.itemData(i) for i in range(self.entity_filter.count())] != [w[1] for w in wanted]:
            self.entity_filter.blockSignals(True)
            self.entity_filter.clear()
            for text, value in wanted:
                self.entity_filter.addItem(text, value)
            self.entity_filter.setCurrentIndex(max(0, self.entity_filter.findData(current)) if current else 0)
            self.entity_filter.blockSignals(False)

    def _draw_chart(self) -> None:
        dark = theme.current() == theme.DARK
        stats = self.data.stats if self.data is not None else None
        shown = draw_records_per_day(self.chart, stats, self.entity_filter.currentData(), dark,
                                     datetime.now(UTC).date())
        if shown is None:
            return
        peak, first, last = shown
        self.chart_stack.setCurrentWidget(self.chart_view if peak else self.chart_empty)
        self.chart_view.setToolTip(f"Records per day from {first:%d.%m} to {last:%d.%m}, today on the right")

    def _fill_today(self, data: DashboardData) -> None:
        today = datetime.now(UTC).date()
        todays = {s.entity: s for s in data.stats if s.day == today}
        self.today.setRowCount(len(data.entities))
        for row, entity in enumerate(data.entities):
            stat = todays.get(entity)
            last = data.last_runs.get(entity)
            status = stat.status if stat else "no runs"
            last_text = "never" if last is None else f"{when_text(last.started_at)} {last.status}"
            cells = [
                table_cell(label(entity)), table_cell(status, theme.state_colour(status if stat else "muted")),
                table_cell(stat.inserted if stat else 0, align_right=True),
                table_cell(stat.updated if stat else 0, align_right=True),
                table_cell(stat.failed if stat else 0, theme.state_colour("failed") if stat and stat.failed else None,
                      align_right=True),
                table_cell(last_text, theme.state_colour(last.status) if last else theme.state_colour("muted")),
                table_cell(data.next_runs.get(entity, "not scheduled")),
            ]
            cells[0].setData(Qt.ItemDataRole.UserRole, entity)
            for column, cell in enumerate(cells):
                self.today.setItem(row, column, cell)
        self._fit_today()

    def _run_selected(self) -> None:
        chosen = bool(self.recent.selectionModel().selectedRows())
        self.undo_button.setEnabled(chosen)
        self.undo_button.setVisible(chosen)

    def undo_selected(self) -> UndoDialog | None:
        rows = self.recent.selectionModel().selectedRows()
        if not rows:
            return None
        self.undo_dialog = UndoDialog(self.ctx, self.recent_runs[rows[0].row()].id, self)
        self.undo_dialog.open()
        return self.undo_dialog

    def _fill_recent(self, runs: list[queries.RunSummary]) -> None:
        self.recent_runs = runs
        self.recent_stack.setCurrentWidget(self.recent if runs else self.recent_empty)
        self.recent.setRowCount(len(runs))
        for row, run in enumerate(runs):
            state = run_state(run)
            message = run.message or ("nothing was written" if state == "preview" else "")
            cells = [
                table_cell(started_text(run.started_at)), table_cell(label(run.entity)),
                table_cell(run.direction), table_cell(run.kind),
                table_cell(state, theme.state_colour(state)), table_cell(run.processed, align_right=True),
                table_cell(run.inserted, align_right=True), table_cell(run.updated, align_right=True),
                table_cell(run.failed, align_right=True), table_cell(duration_text(run.duration_s), align_right=True),
                table_cell(message),
            ]
            cells[10].setToolTip(message)
            # the columns a narrow table leaves out, said by every cell of the row
            detail = (f"{run.direction}, {run.kind}: {run.processed} read, {run.inserted} created, {run.updated} "
                      f"updated, {run.failed} failed in {duration_text(run.duration_s)}")
            for column, cell in enumerate(cells):
                if column != 10:
                    cell.setToolTip(detail)
                self.recent.setItem(row, column, cell)
        self._fit_recent()

    def _fit_recent(self) -> None:
        """Beside the Today table the recent runs show when, what and how it ended, and as many of the other columns
        as fit (each row's tooltip says them all)."""
        table = self.recent
        header = table.horizontalHeader()
        widths = {c: max(header.sectionSizeHint(c), table.sizeHintForColumn(c)) for c in range(table.columnCount())}
        hidden: set[int] = set()
        for column in _DETAIL_COLUMNS:  # the least needed first, until the rest fits
            room = table.viewport().width() - (0 if _MESSAGE in hidden else _MESSAGE_ROOM)
            if sum(w for c, w in widths.items() if c not in hidden and c != _MESSAGE) <= room:
                break
            hidden.add(column)
        for column in _DETAIL_COLUMNS:
            table.setColumnHidden(column, column in hidden)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            if watched is self.recent:
                self._fit_recent()
            elif watched is getattr(self, "chart_box", None):
                self._fit_chart()
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_today()
