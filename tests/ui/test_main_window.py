"""The main window: all seven pages in the sidebar with count badges where work waits, Ctrl+1..7, the menu
bar a Windows admin expects (File, Profiles, Sync, Tools, Help with access keys), F5 / Ctrl+Shift+S / F1, the
profile switcher, the status bar's health from tests and from runs, Quit asking while a sync runs, and geometry
remembered in the data directory."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from erpsync_gui.records import Direction, Side
from erpsync_gui.ui.main_window import SETTINGS_FILE, MainWindow
from erpsync_gui.ui.pages.connections import ConnectionsPage
from erpsync_gui.ui.pages.errors import ErrorsPage
from erpsync_gui.ui.pages.mappings import MappingsPage
from erpsync_gui.ui.pages.sync import SyncPage
from erpsync_gui.ui.widgets.sidebar import BADGE_ROLE
from tests.ui._helpers import RUN_TIMEOUT_MS, answering, break_erp, change_entity, crm_database, settle

TITLES = ["Dashboard", "Sync", "Connections", "Mappings", "Logs", "Errors", "Conflicts", "Webhooks"]


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.waitUntil(window.isActiveWindow)  # the menus' shortcuts go to the active window
    return window


def _key(window, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    # through the window system, as a real key press arrives, so the window's shortcut map sees it
    QTest.keyClick(window.windowHandle(), key, modifiers)


def _page(window, page_class):
    return next(p for p in window.pages if isinstance(p, page_class))


def test_sidebar_lists_the_pages_and_ctrl_numbers_switch_them(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == TITLES
    for number in (3, 4, 1, 7, 6, 2, 5):
        _key(window, Qt.Key(int(Qt.Key.Key_0) + number), Qt.KeyboardModifier.ControlModifier)
        assert window.sidebar.currentRow() == number - 1
        assert window.current_page() is window.pages[number - 1]
        assert type(window.current_page()).title == TITLES[number - 1]
    window.sidebar.setFocus()
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Down)
    assert window.current_page().title == "Errors"


def test_the_menu_bar_has_the_windows_menus_with_access_keys(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Profiles", "&Sync", "&Tools", "&Help"]
    assert window.menus.sync_current.shortcut().toString() == "F5"
    assert window.menus.sync_all.shortcut().toString() == "Ctrl+Shift+S"
    assert window.menus.user_guide.shortcut().toString() == "F1"
    # the switcher's profiles sit above the place left for managing profiles
    profiles = window.menus.profiles.actions()
    assert [a.text() for a in profiles[:profiles.index(window.menus.profiles_anchor)]] == ["&1 demo"]
    assert profiles[0].isChecked()
    for menu in (window.menus.file, window.menus.sync, window.menus.tools, window.menus.help):
        entries = [a.text() for a in menu.actions() if not a.isSeparator()]
        assert entries and all("&" in text for text in entries), entries


def test_tools_connect_to_a_service_opens_the_service_window_once(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    tools = [a.text() for a in window.menus.tools.actions() if not a.isSeparator()]
    assert "&Connect to a service…" in tools
    window.menus.connect_service.trigger()
    service_window = window.service_window
    assert service_window is not None and service_window.isVisible()
    assert service_window.url.text() == ""  # no address set yet: the admin types it, nothing is connected
    window.menus.connect_service.trigger()
    assert window.service_window is service_window


def test_the_service_window_opens_without_a_keyring_and_has_access_keys(qtbot, ui_ctx, monkeypatch, caplog):
    from erpsync_gui.errors import KeyringUnavailableError
    from erpsync_gui.secrets import SecretStore

    def no_keyring(*_args, **_kwargs):
        raise KeyringUnavailableError("No OS keyring is available to hold the connection secrets")

    for method in ("has", "get", "set"):
        monkeypatch.setattr(SecretStore, method, no_keyring)
    window = _window(qtbot, ui_ctx)
    window.menus.connect_service.trigger()
    service = window.service_window
    assert service is not None and service.isVisible()
    assert "erpsync service token" in service.token.placeholderText()
    buddies = {label.text(): label.buddy() for label in service.findChildren(QLabel) if label.buddy() is not None}
    assert buddies == {"Service &address": service.url, "&Token": service.token, "&Profile": service.profiles,
                       "&Entity": service.entity}
    assert all("&" in b.text() for b in (service.connect_button, service.disconnect_button, service.sync_button,
                                          service.cancel_button))
    service.resize(900, 560)
    settle(qtbot)
    assert not service.runs.horizontalScrollBar().isVisible()  # the columns fit; the message takes the rest
    qtbot.keyClicks(service.url, "http://127.0.0.1:9/")
    qtbot.keyClicks(service.token, "typed-token")
    with caplog.at_level("WARNING", logger="erpsync.ui"):
        qtbot.mouseClick(service.connect_button, Qt.MouseButton.LeftButton)
    assert service.remote is not None  # connected with the typed token, for this window only
    assert any("not kept" in record.getMessage() for record in caplog.records)
    assert "typed-token" not in caplog.text
    service.forget_service()


def test_f5_syncs_the_entity_of_the_page_and_ctrl_shift_s_syncs_all(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    mappings = _page(window, MappingsPage)
    window.show_page(window.pages.index(mappings))
    settle(qtbot)
    mappings.entity.setCurrentIndex(mappings.entity.findData("leads"))
    settle(qtbot)
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        _key(window, Qt.Key.Key_F5)
    assert finished.args[1] == "leads"

    started: list[str] = []
    ui_ctx.bridge.run_started.connect(lambda _p, entity, _t: started.append(entity))
    with qtbot.waitSignal(ui_ctx.sync_all.finished, timeout=RUN_TIMEOUT_MS * 3) as done:
        _key(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    enabled = [cfg.entity for cfg in ui_ctx.service.profile("demo").entities if cfg.enabled]
    assert sorted(started) == sorted(enabled)
    assert started.index("clients") < started.index("contacts") < started.index("invoices")
    assert started.index("products") < started.index("invoices")
    assert set(done.args[1]) == set(enabled)


def test_f1_opens_the_guide_at_the_page_shown(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    window.show_page(window.pages.index(_page(window, ErrorsPage)))
    _key(window, Qt.Key.Key_F1)
    help_window = window.help_window
    assert help_window is not None and help_window.isVisible()
    assert help_window.current_topic() == "errors"
    assert "Mark resolved" in help_window.browser.toPlainText()


def test_badges_count_open_errors_and_waiting_conflicts(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", policy="manual")
    from sqlalchemy import text

    with crm_database(ui_ctx) as engine, engine.begin() as conn:
        conn.execute(text("UPDATE tblclients SET city = 'Sibiu' WHERE customer_number = 'C00005'"))
        conn.execute(text("UPDATE tblclients SET country = 'Romania' WHERE userid = (SELECT MAX(userid) "
                          "FROM tblclients)"))
    result = ui_ctx.service.sync("clients", profile_name="demo", direction=Direction.EXPORT)
    assert result.counts["conflicts"] > 0 and result.counts["failed"] == 1
    window = _window(qtbot, ui_ctx)
    errors, conflicts = window.sidebar.item(TITLES.index("Errors")), window.sidebar.item(TITLES.index("Conflicts"))
    qtbot.waitUntil(lambda: errors.data(BADGE_ROLE) == 1, timeout=RUN_TIMEOUT_MS)
    assert conflicts.data(BADGE_ROLE) == result.counts["conflicts"]
    assert errors.toolTip() == "Errors: 1 open (Ctrl+6)"
    assert conflicts.data(Qt.ItemDataRole.AccessibleTextRole) == f"Conflicts: {result.counts['conflicts']} waiting"


def test_window_opens_on_the_profile_and_shows_health(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    assert window.profiles.currentText() == "demo" and "demo" in window.windowTitle()
    assert window.health[Side.ERP].text().startswith("ERP:")
    connections = _page(window, ConnectionsPage)
    window.show_page(window.pages.index(connections))
    settle(qtbot)  # the page reads the profile off the GUI thread
    with qtbot.waitSignal(connections.tested, timeout=30_000):
        qtbot.mouseClick(connections.test_button, Qt.MouseButton.LeftButton)
    assert window.health[Side.ERP].level == "ok" and "connected" in window.health[Side.ERP].text()
    assert window.health[Side.CRM].level == "ok"


def test_a_run_that_cannot_reach_the_erp_turns_its_health_red(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    connections = _page(window, ConnectionsPage)
    window.show_page(window.pages.index(connections))
    settle(qtbot)  # the page reads the profile off the GUI thread
    with qtbot.waitSignal(connections.tested, timeout=30_000):
        qtbot.mouseClick(connections.test_button, Qt.MouseButton.LeftButton)
    assert window.health[Side.ERP].text().startswith("ERP: connected")
    break_erp(ui_ctx)
    sync = _page(window, SyncPage)
    window.show_page(window.pages.index(sync))
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(sync.rows["clients"].sync, Qt.MouseButton.LeftButton)
    assert finished.args[2].status == "failed"
    settle(qtbot)  # the status bar reads what the run stored off the GUI thread
    assert window.health[Side.ERP].level == "error" and window.health[Side.ERP].text() == "ERP: error"
    assert "connection refused" in window.health[Side.ERP].toolTip()
    assert window.health[Side.CRM].level == "ok"  # the CRM side answered that run


def test_quit_while_a_sync_runs_asks_first_and_says_batches_are_kept(qtbot, ui_ctx):
    change_entity(ui_ctx, "clients", batch_size=5)
    erp = ui_ctx.service.sandbox.start()
    erp.faults.configure(latency_ms=40)
    window = _window(qtbot, ui_ctx)
    sync = _page(window, SyncPage)
    window.show_page(window.pages.index(sync))
    with qtbot.waitSignal(ui_ctx.bridge.run_progressed, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda e: e.processed > 0):
        qtbot.mouseClick(sync.rows["clients"].sync, Qt.MouseButton.LeftButton)
    with answering("Keep running") as asked:
        window.menus.quit.trigger()
    assert asked and "A sync of Clients is running" in asked[0] and "finished are kept" in asked[0]
    assert window.isVisible() and ui_ctx.runs.is_running("demo", "clients")
    erp.faults.clear()
    with qtbot.waitSignal(ui_ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS):
        window.cancel_runs()


def test_geometry_and_page_are_restored_from_the_data_dir(qtbot, ui_ctx):
    window = _window(qtbot, ui_ctx)
    window.setGeometry(QRect(20, 30, 780, 600))
    mappings = next(i for i, p in enumerate(window.pages) if isinstance(p, MappingsPage))
    window.show_page(mappings)
    window.close()
    assert (ui_ctx.data_dir / SETTINGS_FILE).is_file()

    again = _window(qtbot, ui_ctx)
    assert again.size().width() == 780 and again.size().height() == 600
    assert again.sidebar.currentRow() == mappings


def test_a_first_start_sizes_the_window_to_fit_a_small_screen(qtbot, ui_ctx):
    # the offscreen screen is smaller than the 1240x780 default, as a 1366x768 laptop at 150 % is
    room = QApplication.primaryScreen().availableGeometry()
    assert room.height() < 780 + 40
    window = _window(qtbot, ui_ctx)
    assert window.height() <= room.height() - 40 and window.width() <= room.width()
    assert window.height() >= window.minimumHeight()
