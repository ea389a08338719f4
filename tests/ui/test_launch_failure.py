"""Start-up whose services fail after the state store opened (the window's pages cannot be built): the window
says so, and nothing started before the failure goes on behind it (no scheduled run, no webhook receiver)."""

from __future__ import annotations

import pytest

from erpsync_gui.app.demo import DEMO_SECRETS
from erpsync_gui.errors import StoreError
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui.main_window import MainWindow
from erpsync_gui.ui.startup import Startup, open_state_store


@pytest.fixture
def startup(qtbot, tmp_path):
    made = Startup(tmp_path / "data", SecretStore(demo_values=DEMO_SECRETS), open_store=open_state_store)
    assert made.start()
    qtbot.addWidget(made.window)
    yield made
    made.close()


@pytest.fixture(autouse=True)
def pages_that_cannot_be_built(monkeypatch):
    def refuse(self, ctx, *, gradual: bool = False) -> None:
        raise StoreError("the state database cannot be read: table links is damaged")

    monkeypatch.setattr(MainWindow, "attach", refuse)


def test_a_window_whose_pages_cannot_be_built_runs_no_schedule_behind_its_message(qtbot, startup):
    with qtbot.waitSignal(startup.failed, timeout=60_000) as failed:
        pass
    assert "table links is damaged" in failed.args[0]
    assert startup.exit_code == 2 and not startup.window.attached
    # the schedule started before the pages: a run it starts now could be neither seen nor stopped
    scheduler = startup.scheduler
    assert scheduler is None or not scheduler._scheduler.running
    assert startup.webhooks is None
