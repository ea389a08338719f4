"""The Dashboard page over real runs: chart, today's status, last/next run, recent runs, and the two
maintenance actions behind their confirmation."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QMessageBox

from erpsync_gui.records import Direction
from erpsync_gui.store.log_handler import StoreLogHandler, query_log
from erpsync_gui.ui.pages.dashboard import DashboardPage
from tests.ui._helpers import settle

Yes, No = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


class _Schedule:
    """Answers like SyncScheduler.next_run."""

    def __init__(self, when: datetime) -> None:
        self.when = when
        self.asked: list[str] = []

    def next_run(self, profile_name: str) -> datetime:
        self.asked.append(profile_name)
        return self.when


def _page(qtbot, ctx) -> DashboardPage:
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
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
    assert today["clients"][1] in ("SUCCESS", "PARTIAL") and int(today["clients"][2]) > 0
    assert "(" in today["clients"][5]  # last run: time and status
    assert today["clients"][6] == f"{when.astimezone():%Y-%m-%d %H:%M}"
    assert today["leads"][1] == "no runs" and today["leads"][5] == "never"
    assert ui_ctx.scheduler.asked == ["demo"]
    assert page.recent.rowCount() == 1 and page.recent.item(0, 1).text() == "clients"
    assert page.recent.item(0, 9).text().endswith("s")  # the duration
    sets = page.chart.series()[0].barSets()
    assert [s.label() for s in sets] == ["Created", "Updated", "Failed"]
    assert sets[0].at(sets[0].count() - 1) == int(today["clients"][2])  # today's bar

    page.entity_filter.setCurrentText("leads")
    sets = page.chart.series()[0].barSets()
    assert sum(sets[0].at(i) for i in range(sets[0].count())) == 0


def test_without_a_scheduler_nothing_is_scheduled(qtbot, ui_ctx):
    page = _page(qtbot, ui_ctx)
    assert {row[6] for row in _today(page).values()} == {"not scheduled"}


def test_reset_statistics_asks_first(qtbot, ui_ctx, monkeypatch):
    ui_ctx.service.sync("leads", profile_name="demo")
    page = _page(qtbot, ui_ctx)
    assert page.recent.rowCount() == 1
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or No)

    page.reset_button.click()
    settle(qtbot)
    assert asked and "cannot be undone" in asked[0]
    page.refresh()
    settle(qtbot)
    assert page.recent.rowCount() == 1

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: Yes)
    page.reset_button.click()
    qtbot.waitUntil(lambda: "Statistics reset" in page.status.text())
    settle(qtbot)
    assert page.recent.rowCount() == 0 and _today(page)["leads"][1] == "no runs"


def test_clean_up_logs_asks_first_and_keeps_recent_lines(qtbot, ui_ctx, monkeypatch):
    handler = StoreLogHandler(ui_ctx.store)
    for age_days, text in ((40, "old line"), (0, "new line")):
        record = logging.LogRecord("erpsync.test", logging.INFO, __file__, 1, text, None, None)
        record.created = time.time() - age_days * 86400
        handler.handle(record)
    handler.close()
    page = _page(qtbot, ui_ctx)
    page.days.setValue(30)

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: No)
    page.cleanup_button.click()
    settle(qtbot)
    assert len(query_log(ui_ctx.store)) == 2

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: Yes)
    page.cleanup_button.click()
    qtbot.waitUntil(lambda: "1 log lines deleted" in page.status.text())
    settle(qtbot)
    assert [e.message for e in query_log(ui_ctx.store)] == ["new line"]
