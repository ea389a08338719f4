"""The window's demo lists every entity of the catalogue: one row each on the Dashboard's today table and on the
Sync page."""

from __future__ import annotations

from PySide6.QtCore import Qt

from erpsync_gui.app.demo import DEMO_ENTITIES
from erpsync_gui.entities import ENTITIES, MAIN_ENTITIES, label
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.pages.sync import SyncPage
from tests.ui._helpers import settle


def test_the_dashboard_and_the_sync_page_show_every_entity_of_the_demo(qtbot, styled, ui_ctx):
    assert [e.entity for e in ui_ctx.service.profile("demo").entities] == list(DEMO_ENTITIES)
    assert set(DEMO_ENTITIES) == set(ENTITIES) and len(DEMO_ENTITIES) == 16
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 728)
    window.show()
    window.show_page(0)
    settle(qtbot)
    dashboard = window.current_page()
    assert isinstance(dashboard, DashboardPage)
    qtbot.waitUntil(lambda: dashboard.today.rowCount() == len(DEMO_ENTITIES), timeout=10_000)
    shown = [dashboard.today.item(row, 0).text() for row in range(dashboard.today.rowCount())]
    assert sorted(shown) == sorted(label(e) for e in DEMO_ENTITIES)

    sync = window.page_of(SyncPage)
    assert isinstance(sync, SyncPage)
    window.show_page(window.pages.index(sync))
    settle(qtbot)
    # the five main entities have rows of their own; each of the others is offered in the list beside them
    qtbot.waitUntil(lambda: sync.others.count() == len(DEMO_ENTITIES) - len(MAIN_ENTITIES), timeout=10_000)
    others = [sync.others.item(i).data(Qt.ItemDataRole.UserRole) for i in range(sync.others.count())]
    assert set(MAIN_ENTITIES) <= set(sync.rows) and set(others) | set(MAIN_ENTITIES) == set(DEMO_ENTITIES)
    assert not sync.other_box.isHidden()
