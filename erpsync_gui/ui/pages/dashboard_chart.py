"""The dashboard's records per day: stacked bars of created, updated and failed records over the last
fourteen days, of one entity or all, in the window's colour scheme."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QStackedBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from erpsync_gui.store import queries
from erpsync_gui.ui import theme

CHART_DAYS = 14
_SERIES = (("inserted", "Created", "#2e7d32"), ("updated", "Updated", "#1565c0"), ("failed", "Failed", "#c62828"))


def day_totals(stats: Sequence[queries.DayStat], entity: str | None,
               today: date) -> tuple[list[date], dict[date, dict[str, int]]]:
    """The chart's days (oldest first) and each day's created, updated and failed records."""
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    totals: dict[date, dict[str, int]] = {d: dict.fromkeys(("inserted", "updated", "failed"), 0) for d in days}
    for stat in stats:
        if stat.day in totals and (entity is None or stat.entity == entity):
            for key in totals[stat.day]:
                totals[stat.day][key] += getattr(stat, key)
    return days, totals


def draw_records_per_day(chart: QChart, stats: Sequence[queries.DayStat] | None, entity: str | None, dark: bool,
                         today: date) -> tuple[int, date, date] | None:
    """Draw the bars into `chart` (emptied first); (the highest day's total, first day, last day), or None
    with no statistics loaded yet."""
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
    chart.setBackgroundVisible(False)
    if stats is None:
        return None
    days, totals = day_totals(stats, entity, today)
    peak = max((sum(v.values()) for v in totals.values()), default=0)
    series = QStackedBarSeries()
    for key, text, colour in _SERIES:
        bar = QBarSet(text)
        bar.setColor(QColor(theme.state_colour({"inserted": "success", "failed": "failed"}.get(key, "preview"))
                            if dark else colour))
        bar.append([totals[d][key] for d in days])
        series.append(bar)
    chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    axis_x.append([f"{d:%d.%m}" for d in days])
    # fourteen dates do not fit under a narrow chart (they would all end in "…"): a bar a day with today on the
    # right, the range in the chart's tooltip (an axis title would take the small chart's height)
    axis_x.setLabelsVisible(False)
    axis_y = QValueAxis()
    # whole records only: a range under 5 with six ticks would print the same integer twice ("0 0 1")
    axis_y.setRange(0, max(peak, 5))
    axis_y.setLabelFormat("%d")
    axis_y.applyNiceNumbers()
    axis_y.setTickCount(min(3, int(axis_y.max()) + 1))  # three lines read in the small chart
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_x)
    series.attachAxis(axis_y)
    return peak, days[0], days[-1]
