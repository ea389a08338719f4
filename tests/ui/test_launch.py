"""Start-up as a person sees it, with a real event loop offscreen: the main window is painted first, saying
"Opening…" and showing no figures, and only then does the state database open, off the GUI thread; a slow
database leaves the window usable and honest, one that cannot be opened is said in the window, and a window
closed while the database opens still gets it closed."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from erpsync_gui.app.demo import DEMO_SECRETS
from erpsync_gui.errors import StoreError
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import Store
from erpsync_gui.ui.app import Startup, open_state_store
from erpsync_gui.ui.main_window import OPENING_TEXT, PAGES
from erpsync_gui.ui.opening_panel import FAILURE_TITLE
from erpsync_gui.ui.page_list import PAGE_ENTRIES

#: a store far slower than any real one; the gate opens it long before
GATE_TIMEOUT_S = 60


class _Shown(logging.Handler):
    """Notes the window's first paint (the line the app logs then) in the shared order of events."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "Main window shown":
            self.events.append("window shown")


class _GatedStore:
    """Opens the real state store on the pool thread once the test lets it (a slow disk or database server)."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.gate = threading.Event()
        self.opened: list[Store] = []

    def __call__(self, directory: Path) -> Store:
        self.events.append("store opening")
        if not self.gate.wait(GATE_TIMEOUT_S):
            raise StoreError("the test never let the store open")
        store = open_state_store(directory)
        self.opened.append(store)
        self.events.append("store opened")
        return store


@pytest.fixture
def events():
    events: list[str] = []
    handler = _Shown(events)
    logger = logging.getLogger("erpsync.ui")
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield events
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
def launch(qtbot, tmp_path):
    """Starts the app's start-up on a data directory of the test's own and takes it down afterwards."""
    startups: list[Startup] = []

    def start(open_store) -> Startup:
        startup = Startup(tmp_path / "data", SecretStore(demo_values=DEMO_SECRETS), open_store=open_store)
        startups.append(startup)
        assert startup.start()
        qtbot.addWidget(startup.window)
        return startup

    yield start
    for startup in startups:
        gate = getattr(startup._open_store, "gate", None)
        if gate is not None:
            gate.set()
        startup.close()


def _dashboard_figures(window) -> list[QTableWidget]:
    return [t for t in window.findChildren(QTableWidget) if t.isVisible()]


def test_the_window_is_painted_before_the_state_store_opens(qtbot, events, launch):
    store = _GatedStore(events)
    startup = launch(store)
    window = startup.window
    qtbot.waitUntil(lambda: "store opening" in events, timeout=10_000)
    assert events == ["window shown", "store opening"]
    assert startup.painted_before_opening is True
    # while the store is slow to open, the window says so and shows no figures
    assert window.isVisible() and not window.attached
    assert window.opening.isVisible() and window.opening.subtitle == OPENING_TEXT
    assert window.opening.title == "Dashboard"
    assert window.statusBar().currentMessage() == OPENING_TEXT
    assert window.pages == [] and _dashboard_figures(window) == []
    assert not window.menus.sync.isEnabled() and not window.profiles.isEnabled()

    with qtbot.waitSignal(startup.ready, timeout=60_000):
        store.gate.set()
    assert events == ["window shown", "store opening", "store opened"]
    assert window.attached and window.opening is None
    assert [type(p) for p in window.pages] == list(PAGES)
    assert window.current_page() is window.pages[0]
    assert window.menus.sync.isEnabled() and window.statusBar().currentMessage() != OPENING_TEXT


def test_a_page_chosen_while_the_store_opens_is_the_one_shown_once_it_is_open(qtbot, events, launch):
    store = _GatedStore(events)
    startup = launch(store)
    window = startup.window
    qtbot.waitUntil(lambda: "store opening" in events, timeout=10_000)
    window.sidebar.setCurrentRow(5)  # Errors, before there are pages
    assert window.opening.title == "Errors" and window.opening.isVisible()
    with qtbot.waitSignal(startup.ready, timeout=60_000):
        store.gate.set()
    assert type(window.current_page()).title == "Errors"


def test_a_state_store_that_cannot_be_opened_is_said_in_the_window(qtbot, events, launch, tmp_path):
    # a directory where the database file should be: SQLite cannot open it
    (tmp_path / "data" / "erpsync.db").mkdir(parents=True)
    startup = launch(open_state_store)
    with qtbot.waitSignal(startup.failed, timeout=60_000) as failed:
        pass
    window = startup.window
    assert "Cannot open the state database" in failed.args[0]
    assert window.isVisible() and not window.attached
    assert window.opening.title == FAILURE_TITLE
    shown = [label.text() for label in window.opening.findChildren(QLabel) if label.isVisible()]
    assert failed.args[0] in shown
    assert not window.opening.busy.isVisible()
    assert window.statusBar().currentMessage() == "The state database did not open"
    assert startup.exit_code == 2
    assert window.pages == [] and _dashboard_figures(window) == []
    assert window.close()  # nothing runs yet: closing asks nothing


def test_a_window_closed_while_the_store_opens_still_gets_the_store_closed(qtbot, events, launch):
    store = _GatedStore(events)
    startup = launch(store)
    qtbot.waitUntil(lambda: "store opening" in events, timeout=10_000)
    assert startup.window.close()
    store.gate.set()
    qtbot.waitUntil(lambda: "store opened" in events, timeout=60_000)
    closed: list[bool] = []
    opened = store.opened[0]
    real_close = opened.close
    opened.close = lambda: (closed.append(True), real_close())  # type: ignore[method-assign]
    startup.close()
    assert closed == [True]
    assert not startup.window.attached


def test_the_sidebar_list_names_each_page_as_its_class_does():
    assert [(e.title, e.icon) for e in PAGE_ENTRIES] == [(c.title, c.icon) for c in PAGES]
