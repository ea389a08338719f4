"""Pages visited from the sidebar, as a person clicks them in the running window: the Connections and Mappings pages
are filled ahead of their first visit, read the profile on a pool thread when shown (never on the GUI thread), show
what the store holds now (also what another process saved meanwhile), and keep their inputs and samples when
nothing changed."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from erpsync_gui.records import Direction, Side
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.pages import mapping_reads
from erpsync_gui.ui.pages.connections import ConnectionsPage
from erpsync_gui.ui.pages.dashboard import DashboardPage
from erpsync_gui.ui.pages.mappings import MappingsPage
from tests.ui._helpers import change_entity, settle


@pytest.fixture
def window(qtbot, ui_ctx) -> MainWindow:
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 728)
    window.show()
    qtbot.waitExposed(window)
    pages = [_page(window, ConnectionsPage), _page(window, MappingsPage)]
    qtbot.waitUntil(lambda: all(p.profile is not None for p in pages), timeout=30_000)  # filled ahead
    settle(qtbot)
    return window


@pytest.fixture
def profile_reads(ui_ctx, monkeypatch) -> list[bool]:
    """For each read of a profile from here on: whether it ran on the GUI thread."""
    reads: list[bool] = []
    read = ui_ctx.service.profile

    def recorded(name: str | None = None):
        reads.append(threading.current_thread() is threading.main_thread())
        return read(name)

    monkeypatch.setattr(ui_ctx.service, "profile", recorded)
    return reads


def _page(window: MainWindow, page_class):
    return next(p for p in window.pages if isinstance(p, page_class))


def _click(qtbot, window: MainWindow, title: str) -> None:
    """Click the page's row in the sidebar, then wait for what the page reads."""
    sidebar = window.sidebar
    item = next(sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).text() == title)
    QTest.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=sidebar.visualItemRect(item).center())
    assert window.current_page().title == title
    settle(qtbot)


def test_connections_are_filled_before_their_first_visit(window):
    page = _page(window, ConnectionsPage)
    assert not page.isVisible()
    erp = page.forms[Side.ERP]
    assert erp.current_kind() == "rest" and erp.url.text() == "sandbox://local"
    assert page.results[Side.ERP].overall.text() == "ERP: not tested yet"


def test_a_visit_to_connections_reads_off_the_gui_thread_and_shows_what_was_saved_meanwhile(
        qtbot, window, ui_ctx, profile_reads):
    page = _page(window, ConnectionsPage)
    erp = page.forms[Side.ERP]
    _click(qtbot, window, "Connections")
    assert erp.batch_size.value() == 50 and page.isVisible()
    inputs = erp.kind_options.form
    _click(qtbot, window, "Dashboard")
    # another process (the command line, the service) saves the profile while the page is not shown
    profile = ui_ctx.service.profile("demo")
    ConfigRepo(ui_ctx.store).save_profile(dataclasses.replace(profile, erp=dataclasses.replace(
        profile.erp, batch_size=40, timeout=45.0)))
    ui_ctx.service.config.set_endpoint_status(profile.id, Side.ERP, "error", "the last run: timed out")
    profile_reads.clear()

    _click(qtbot, window, "Connections")
    assert erp.batch_size.value() == 40 and erp.timeout.value() == 45
    assert page.results[Side.ERP].overall.text().startswith("ERP: error")
    assert page.results[Side.ERP].cause.text() == "the last run: timed out"
    assert not page.save_button.isEnabled()  # shown as saved: nothing to save
    assert erp.kind_options.form is inputs  # the same kind's inputs, filled again rather than built anew
    assert profile_reads and not any(profile_reads)


def test_edits_in_progress_survive_a_visit_elsewhere(qtbot, window):
    page = _page(window, ConnectionsPage)
    _click(qtbot, window, "Connections")
    erp = page.forms[Side.ERP]
    erp.batch_size.setValue(25)
    assert page.save_button.isEnabled()
    _click(qtbot, window, "Logs")
    _click(qtbot, window, "Connections")
    assert erp.batch_size.value() == 25 and page.save_button.isEnabled()


def test_mappings_read_their_samples_at_the_first_visit_and_keep_them_while_nothing_changed(
        qtbot, window, ui_ctx, profile_reads, monkeypatch):
    fetched: list[str] = []
    fetch = mapping_reads.fetch_samples

    def counted(service, name, entity):
        fetched.append(entity)
        return fetch(service, name, entity)

    monkeypatch.setattr(mapping_reads, "fetch_samples", counted)
    page = _page(window, MappingsPage)
    assert page.current is not None and not page.samples  # filled ahead: the editor, not the samples
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000), \
            qtbot.waitSignal(page.currencies_loaded, timeout=30_000):
        _click(qtbot, window, "Mappings")
    entity = page.current
    assert fetched == [entity] and page.samples[entity].records[Side.CRM] is not None
    assert page.preview.tables[Side.CRM].texts()  # the preview shows the sample mapped
    _click(qtbot, window, "Sync")
    _click(qtbot, window, "Mappings")
    assert fetched == [entity]  # the same profile: the samples and the preview stay
    assert profile_reads and not any(profile_reads)


def test_a_visit_to_mappings_shows_the_entity_as_saved_meanwhile(qtbot, window, ui_ctx, profile_reads):
    page = _page(window, MappingsPage)
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000):
        _click(qtbot, window, "Mappings")
    entity = page.current
    before = ui_ctx.service.profile("demo").entity(entity)
    direction = Direction.EXPORT if before.direction != Direction.EXPORT else Direction.IMPORT
    _click(qtbot, window, "Errors")
    change_entity(ui_ctx, entity, direction=direction, match_keys=tuple(reversed(before.match_keys)))
    profile_reads.clear()
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000):  # another profile: its samples are read again
        _click(qtbot, window, "Mappings")
    assert page.current == entity
    assert page.direction.currentData() == direction.value
    assert page.match_keys.text() == ", ".join(reversed(before.match_keys))
    assert not page.save_button.isEnabled()
    assert profile_reads and not any(profile_reads)


def test_the_dashboard_draws_its_tables_again_only_when_its_figures_changed(qtbot, window, ui_ctx):
    page = _page(window, DashboardPage)
    _click(qtbot, window, "Sync")
    _click(qtbot, window, "Dashboard")
    first = page.today.item(0, 0)
    _click(qtbot, window, "Logs")
    _click(qtbot, window, "Dashboard")
    assert page.today.item(0, 0) is first  # the same figures: nothing drawn again
    entity = page.data.entities[0]
    assert ui_ctx.runs.start("demo", entity)
    qtbot.waitUntil(lambda: not ui_ctx.runs.is_running("demo", entity), timeout=60_000)
    _click(qtbot, window, "Logs")
    _click(qtbot, window, "Dashboard")
    row = page.data.entities.index(entity)
    assert page.today.item(0, 0) is not first
    assert page.today.item(row, 5).text().endswith(page.data.last_runs[entity].status)


def _drawn_ahead(window: MainWindow, page_class) -> bool:
    """Whether a page not shown yet was laid out at the stack's size and drawn once off screen."""
    page = _page(window, page_class)
    return page.size() == window.stack.size() and page.testAttribute(Qt.WidgetAttribute.WA_WState_Polished)


def test_pages_are_drawn_ahead_of_their_first_visit(qtbot, window):
    qtbot.waitUntil(lambda: _drawn_ahead(window, MappingsPage) and _drawn_ahead(window, ConnectionsPage),
                    timeout=30_000)
    page = _page(window, MappingsPage)
    assert not page.isVisible() and page.table.viewport().width() > 0
    assert page.current is not None and page.model.rowCount()  # drawn with the profile it was filled with


def test_no_page_is_drawn_ahead_while_a_run_goes(qtbot, ui_ctx, monkeypatch):
    from erpsync_gui.ui import window_pages
    from erpsync_gui.ui.bridge import RunBridge

    busy = [True]
    monkeypatch.setattr(RunBridge, "busy", property(lambda _self: busy[0]))
    monkeypatch.setattr(window_pages, "WARM_RETRY_MS", 20)
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.resize(1366, 728)
    window.show()
    qtbot.waitExposed(window)
    page = _page(window, MappingsPage)
    qtbot.waitUntil(lambda: page.current is not None, timeout=30_000)  # filled ahead
    qtbot.wait(window_pages.PREPARE_GAP_MS * 4)
    assert not _drawn_ahead(window, MappingsPage)
    busy[0] = False  # the run ended: the pages are drawn then
    qtbot.waitUntil(lambda: _drawn_ahead(window, MappingsPage), timeout=30_000)


def test_icons_shown_only_later_are_rendered_ahead(qtbot, ui_ctx, monkeypatch):
    from erpsync_gui.ui import icons

    rendered: set[str] = set()
    render = icons.render
    monkeypatch.setattr(icons, "render", lambda name, *args: rendered.add(name) or render(name, *args))
    icons._icon.cache_clear()
    window = MainWindow(ui_ctx)
    qtbot.addWidget(window)
    window.show()
    later = {f"dot-{level}" for level in icons.STATUS_LEVELS} | set(icons.TRAY_ICONS.values())
    qtbot.waitUntil(lambda: later <= rendered, timeout=30_000)


def test_while_a_run_goes_the_mappings_samples_wait_for_its_end_unless_asked_for(qtbot, window, ui_ctx,
                                                                                  monkeypatch):
    from erpsync_gui.ui.bridge import RunBridge

    fetched: list[str] = []
    fetch = mapping_reads.fetch_samples
    monkeypatch.setattr(mapping_reads, "fetch_samples", lambda *args: fetched.append(args[2]) or fetch(*args))
    busy = [True]
    monkeypatch.setattr(RunBridge, "busy", property(lambda _self: busy[0]))
    page = _page(window, MappingsPage)
    _click(qtbot, window, "Mappings")
    assert fetched == [] and not page.samples
    assert "when the running sync ends" in page.preview.tables[Side.CRM].note.text()
    assert "when the running sync ends" in page.currencies.lists_note.text()
    assert not page.save_button.isEnabled() and not page.revert_button.isEnabled()  # nothing edited
    busy[0] = False  # the run ends
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000), \
            qtbot.waitSignal(page.currencies_loaded, timeout=30_000):
        ui_ctx.bridge.run_failed.emit("demo", page.current, "stopped")
    assert fetched == [page.current] and page.preview.tables[Side.CRM].texts()

    busy[0] = True  # another run: New sample reads one at once all the same
    with qtbot.waitSignal(page.samples_loaded, timeout=30_000):
        QTest.mouseClick(page.sample_button, Qt.MouseButton.LeftButton)
    assert fetched == [page.current] * 2 and page.preview.tables[Side.CRM].texts()
