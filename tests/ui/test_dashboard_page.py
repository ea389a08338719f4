"""The Dashboard page over real runs: Needs attention (from the store, each line opening its page), today's
status of every entity in view at 1366x768 and at 1920x1080 with 150 % scaling and five recent runs under it,
a preview never counted as a run, the chart that folds away, and empty states that say what to do next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from erpsync_gui.records import Direction
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.when import when_text
from tests.ui._helpers import (
    RUN_TIMEOUT_MS,
    SCREENS,
    break_erp,
    change_entity,
    click,
    crm_database,
    quota_of_erp,
    settle,
)

#: the window's room on a 1366x768 screen, and on a 1920x1080 screen at 150 % (1280x720 logical pixels: what
#: Qt lays out in; the fonts are the same size in those pixels), each without the taskbar and the title bar


class _Schedule:
    """Answers like SyncScheduler.next_run."""

    def __init__(self, when: datetime) -> None:
        self.when = when
        self.asked: list[str] = []

    def next_run(self, profile_name: str) -> datetime:
        self.asked.append(profile_name)
        return self.when


def _whole(widget, top) -> bool:
    """Whether every ancestor up to `top` has room for the whole widget (nothing of it is clipped away)."""
    rect, child = widget.rect(), widget
    while child is not top:
        parent = child.parentWidget()
        rect = rect.translated(child.pos())
        if not parent.rect().contains(rect):
            return False
        child = parent
    return True


def _page(qtbot, ctx) -> DashboardPage:
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1150, 700)
    page.show()
    page.refresh()
    settle(qtbot)
    return page


def _today(page) -> dict[str, list[str]]:
    return {page.today.item(r, 0).text(): [page.today.item(r, c).text() for c in range(page.today.columnCount())]
            for r in range(page.today.rowCount())}


def test_shows_the_days_figures_last_and_next_runs(qtbot, ui_ctx):
    ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    when = datetime.now(UTC) + timedelta(hours=3)
    ui_ctx.scheduler = _Schedule(when)

    page = _page(qtbot, ui_ctx)

    today = _today(page)
    assert today["Clients"][1] in ("SUCCESS", "PARTIAL") and int(today["Clients"][2]) > 0
    assert today["Clients"][5].startswith("today ")  # last run: when and how it ended
    assert today["Clients"][6] == when_text(when)
    assert today["Leads"][1] == "no runs" and today["Leads"][5] == "never"
    assert ui_ctx.scheduler.asked == ["demo"]
    assert page.recent.rowCount() == 1 and page.recent.item(0, 1).text() == "Clients"
    assert page.recent.item(0, 9).text().endswith("s")  # the duration
    sets = page.chart.series()[0].barSets()
    assert [s.label() for s in sets] == ["Created", "Updated", "Failed"]
    assert sets[0].at(sets[0].count() - 1) == int(today["Clients"][2])  # today's bar

    page.entity_filter.setCurrentIndex(page.entity_filter.findData("leads"))
    sets = page.chart.series()[0].barSets()
    assert sum(sets[0].at(i) for i in range(sets[0].count())) == 0


def test_a_preview_is_not_a_run(qtbot, ui_ctx):
    result = ui_ctx.service.sync("leads", profile_name="demo", dry_run=True)
    assert result.dry_run and result.counts["inserted"] > 0
    page = _page(qtbot, ui_ctx)
    today = _today(page)
    assert today["Leads"][5] == "never" and today["Leads"][1] == "no runs"
    assert page.recent.item(0, 4).text() == "preview" and page.recent.item(0, 10).text() == "nothing was written"


def test_needs_attention_counts_from_the_store_and_opens_the_page(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", policy="manual")
    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'"))
    first = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    waiting = first.counts["conflicts"]
    assert waiting > 1
    again = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert again.counts["conflicts"] == 0  # this run saw nothing new; the conflicts still wait
    break_erp(ui_ctx)
    assert ui_ctx.service.sync("leads", profile_name="demo").status == "failed"

    page = _page(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: len(page.attention.items) == 2, timeout=RUN_TIMEOUT_MS)
    failed, conflicts = page.attention.texts()
    assert failed.startswith("Leads: the last run failed") and "connection refused" in failed
    assert conflicts == f"{waiting} conflicts wait for a decision (Clients {waiting})"
    opened: list[str] = []
    page.open_page_requested.connect(opened.append)
    click(qtbot, page.attention.buttons[1])
    click(qtbot, page.attention.buttons[0])
    assert opened == ["conflicts", "errors"]


def test_a_run_stopped_by_the_quota_needs_attention_and_says_when_it_resumes(qtbot, ui_ctx, monkeypatch):
    quota_of_erp(ui_ctx, monkeypatch)
    result = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.IMPORT, approved=True)
    assert result.status == "partial", result.message

    page = _page(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: len(page.attention.items) == 1, timeout=RUN_TIMEOUT_MS)
    (line,) = page.attention.texts()
    assert line.startswith("Clients: the last run stopped at the quota") and "resumes after" in line
    assert page.attention.items[0].level == "warn" and page.attention.title.text() == "Needs attention"
    opened: list[str] = []
    page.open_page_requested.connect(opened.append)
    click(qtbot, page.attention.buttons[0])
    assert opened == ["errors"]


def test_empty_states_say_what_to_do(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    qtbot.waitUntil(lambda: page.attention.title.text() == "Getting started", timeout=RUN_TIMEOUT_MS)
    assert page.recent_stack.currentWidget() is page.recent_empty
    assert "Sync all (Ctrl+Shift+S)" in page.recent_empty.text()
    assert page.chart_stack.currentWidget() is page.chart_empty
    assert [b.text() for b in page.attention.buttons] == ["Sync all"]
    with qtbot.waitSignal(ui_ctx.sync_all.finished, timeout=RUN_TIMEOUT_MS * 3):
        click(qtbot, page.attention.buttons[0])
    qtbot.waitUntil(lambda: page.recent_stack.currentWidget() is page.recent, timeout=RUN_TIMEOUT_MS)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_entity_is_in_view_without_scrolling(qtbot, styled, ui_ctx, screen):
    for entity in ("clients", "leads"):
        ui_ctx.service.sync(entity, profile_name="demo")
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(*SCREENS[screen])
    window.show()
    window.show_page(0)
    settle(qtbot)
    page = window.current_page()
    assert isinstance(page, DashboardPage)
    qtbot.waitUntil(lambda: page.today.rowCount() == len(ui_ctx.service.profile("demo").entities))
    settle(qtbot)
    qtbot.waitUntil(lambda: ui_ctx.open_work.work is not None)  # the panel's lines take their room too
    table = page.today
    # once the layout has taken in the rows and the panel's lines: nothing of the table is cut off by the page
    # around it, and the recent runs keep room for rows
    qtbot.waitUntil(lambda: _whole(table, window) and _whole(page.recent, window) and _whole(page.attention, window),
                    timeout=5000)
    assert not table.verticalScrollBar().isVisible() and not table.horizontalScrollBar().isVisible()
    last = table.rowCount() - 1
    assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height()
    assert page.recent.height() >= page.recent.verticalHeader().defaultSectionSize() * 3
    for column in range(table.columnCount() - 1):  # every column's text whole (the last one stretches)
        for row in range(table.rowCount()):
            item = table.item(row, column)
            assert table.fontMetrics().horizontalAdvance(item.text()) <= table.columnWidth(column), item.text()


def test_the_chart_folds_away(qtbot, ui_ctx):
    ui_ctx.service.sync("leads", profile_name="demo")
    page = _page(qtbot, ui_ctx)
    assert page.chart_body.isVisible()
    click(qtbot, page.chart_toggle)
    assert not page.chart_body.isVisible() and not page.entity_filter.isVisible()
    click(qtbot, page.chart_toggle)
    assert page.chart_body.isVisible()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_five_recent_runs_are_in_view_beside_every_entity(qtbot, styled, ui_ctx, screen):
    entities = [e.entity for e in ui_ctx.service.profile("demo").entities][:6]
    for entity in entities:
        ui_ctx.service.sync(entity, profile_name="demo")
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(*SCREENS[screen])
    window.show()
    window.show_page(0)
    settle(qtbot)
    page = window.current_page()
    qtbot.waitUntil(lambda: page.recent.rowCount() == len(entities), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: ui_ctx.open_work.work is not None)
    settle(qtbot)
    recent = page.recent
    qtbot.waitUntil(lambda: _whole(recent, window) and _whole(page.today, window), timeout=5000)
    fifth = 4
    assert recent.rowViewportPosition(fifth) >= 0
    assert recent.rowViewportPosition(fifth) + recent.rowHeight(fifth) <= recent.viewport().height(), screen
    # Needs attention and the chart sit beside the Today table, not above it
    assert page.attention.mapTo(page, page.attention.rect().topLeft()).x() > page.today.mapTo(
        page, page.today.rect().topRight()).x()
    assert _whole(page.attention, window)


def test_only_the_parts_whose_figures_changed_are_drawn_again(qtbot, ui_ctx, monkeypatch):
    import dataclasses

    from erpsync_gui.ui.pages import dashboard

    ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    page = _page(qtbot, ui_ctx)
    charts: list[object] = []
    draw = dashboard.draw_records_per_day
    monkeypatch.setattr(dashboard, "draw_records_per_day", lambda chart, stats, *args: charts.append(stats) or draw(
        chart, stats, *args))
    first_today, first_recent = page.today.item(0, 0), page.recent.item(0, 0)
    shown = page.data
    # a run goes on meanwhile: only the recent runs differ
    page._show(dataclasses.replace(shown, recent=[*shown.recent, dataclasses.replace(shown.recent[0], id=-1)]))
    assert charts == [] and page.today.item(0, 0) is first_today
    assert page.recent.rowCount() == 2 and page.recent.item(0, 0) is not first_recent
    page._show(dataclasses.replace(page.data, stats=[]))  # the day's figures changed: the chart and the today table
    assert charts == [[]] and page.today.item(0, 0) is not first_today
