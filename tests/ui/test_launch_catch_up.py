"""Start-up with a scheduled run due (a catch-up of one missed while the app was closed): the scheduler lets it
run as soon as it starts, so the window's view of runs is listening by then and hears that run begin."""

from __future__ import annotations

import sys

from erpsync_gui.app.demo import DEMO_SECRETS
from erpsync_gui.app.run_manager import RunKey
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui import startup as startup_module
from erpsync_gui.ui.bridge import RunBridge
from erpsync_gui.ui.startup import Startup, open_state_store


def test_a_catch_up_run_begun_as_the_scheduler_starts_is_heard_by_the_window(qtbot, tmp_path, monkeypatch):
    heard: list[tuple[str, str]] = []
    real_started = RunBridge._started

    def noting(self, key: RunKey, trigger: str) -> None:
        heard.append((key.entity, trigger))
        real_started(self, key, trigger)

    monkeypatch.setattr(RunBridge, "_started", noting)

    def catching_up(service, runs, store):
        # what the scheduler's pool does at once with a job that is due: the run manager says a run began
        for hook in list(runs.listeners.started):
            hook(RunKey("Main", "clients"), "schedule")
        return None

    monkeypatch.setattr(startup_module, "_start_scheduler", catching_up)
    switch_interval = sys.getswitchinterval()  # a run that begins lowers it until it ends; this one never ends
    made = Startup(tmp_path / "data", SecretStore(demo_values=DEMO_SECRETS), open_store=open_state_store)
    try:
        assert made.start()
        qtbot.addWidget(made.window)
        with qtbot.waitSignal(made.ready, timeout=60_000):
            pass
        assert heard == [("clients", "schedule")]
    finally:
        made.close()
        sys.setswitchinterval(switch_interval)
