"""The run bridge: progress reaches the window coalesced (the newest counts, promptly when a run's phase or total
changes, always before the run's end), and while a run goes the interpreter hands its lock over sooner and
collects garbage in shorter steps."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtWidgets import QApplication

from erpsync_gui.app.run_manager import RunKey, RunListeners, RunManager
from erpsync_gui.engine.types import ProgressEvent
from erpsync_gui.ui import bridge as bridge_module
from erpsync_gui.ui.bridge import RunBridge
from erpsync_gui.ui.context import ProfileState, UiContext
from erpsync_gui.ui.pages.sync import SyncPage, progress_text
from tests.ui._helpers import RUN_TIMEOUT_MS, change_entity, click, settle

#: long enough that the bridge's own tick never comes during a test: what is delivered is what the rules deliver
NEVER_MS = 600_000
KEY = RunKey("demo", "clients")


@dataclass
class _Runs:
    """What the bridge needs of a run manager: its listeners, called here as a run's worker would."""

    listeners: RunListeners = field(default_factory=RunListeners)

    def call(self, kind: str, *args: object) -> None:
        for listener in getattr(self.listeners, kind):
            listener(*args)


def _event(processed: int, *, phase: str = "applying", total: int | None = None, run_id: int = 7) -> ProgressEvent:
    return ProgressEvent(run_id=run_id, entity="clients", phase=phase, processed=processed, total=total,
                         inserted=processed, updated=0, skipped=0, failed=0, conflicts=0, eta_seconds=None)


@dataclass(frozen=True)
class _Result:
    run_id: int
    status: str = "success"


@pytest.fixture
def heard(qtbot) -> Iterator[tuple[_Runs, RunBridge, list[tuple[str, object]]]]:
    runs = _Runs()
    bridge = RunBridge(runs, progress_interval_ms=NEVER_MS)  # type: ignore[arg-type]
    signals: list[tuple[str, object]] = []
    bridge.run_progressed.connect(lambda e: signals.append(("progress", e)))
    bridge.run_finished.connect(lambda _p, _e, result: signals.append(("finished", result)))
    bridge.run_failed.connect(lambda _p, _e, message: signals.append(("failed", message)))
    yield runs, bridge, signals
    bridge.deleteLater()


def test_two_hundred_batches_reach_the_window_as_four_updates_ending_with_the_newest(heard):
    runs, _bridge, signals = heard
    runs.call("started", KEY, "manual")
    sent = [_event(0, phase="starting")]
    sent += [_event(50 * n) for n in range(1, 101)]  # the CRM side: no total yet
    sent += [_event(50 * n, total=10_000) for n in range(101, 201)]  # the ERP side said how many it has
    for event in sent:
        runs.call("progress", event)
    runs.call("finished", KEY, _Result(7))
    QApplication.processEvents()
    progress = [e for kind, e in signals if kind == "progress"]
    # the start, the first batch (a new phase), the first of a known total (the bar gets its range), the last
    assert progress == [sent[0], sent[1], sent[101], sent[-1]]
    assert signals[-1] == ("finished", _Result(7))
    assert progress_text(progress[-1]).startswith("10,000 of 10,000 · 10,000 created")


def test_a_worker_threads_batches_arrive_as_their_newest_before_the_run_ends(heard):
    runs, _bridge, signals = heard
    sent = [_event(10 * n) for n in range(1, 501)]

    def run() -> None:
        runs.call("started", KEY, "manual")
        for event in sent:
            runs.call("progress", event)
        runs.call("failed", KEY, RuntimeError("the ERP went away"))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    QApplication.processEvents()
    assert [kind for kind, _e in signals] == ["progress", "failed"]
    assert signals[0][1] == sent[-1] and signals[1][1] == "the ERP went away"


def test_a_run_between_two_batches_still_shows_its_newest_counts(qtbot):
    runs = _Runs()
    bridge = RunBridge(runs, progress_interval_ms=1)  # type: ignore[arg-type]
    runs.call("started", KEY, "manual")
    first, newest = _event(50), _event(100)
    with qtbot.waitSignal(bridge.run_progressed) as delivered:
        runs.call("progress", first)
    assert delivered.args == [first]
    with qtbot.waitSignal(bridge.run_progressed) as delivered:  # no end, no phase change: the bridge's own tick
        runs.call("progress", newest)
    assert delivered.args == [newest]
    runs.call("finished", KEY, _Result(7))


def test_two_runs_keep_their_own_newest_counts(qtbot):
    runs = _Runs()
    bridge = RunBridge(runs, progress_interval_ms=1)  # type: ignore[arg-type]
    delivered: list[tuple[int, int]] = []
    bridge.run_progressed.connect(lambda e: delivered.append((e.run_id, e.processed)))
    for run_id, processed in ((1, 0), (2, 0), (1, 20), (2, 10), (1, 40), (2, 30)):
        runs.call("progress", _event(processed, run_id=run_id))
    qtbot.waitUntil(lambda: len(delivered) == 4)
    assert delivered == [(1, 0), (2, 0), (1, 40), (2, 30)]


def test_the_interpreter_hands_its_lock_over_sooner_and_collects_in_shorter_steps_while_a_run_goes(heard):
    gc.unfreeze()  # whatever the session froze before
    runs, _bridge, _signals = heard
    idle, idle_gc = sys.getswitchinterval(), gc.get_threshold()
    assert idle_gc != bridge_module.RUN_GC_THRESHOLD
    other = RunKey("demo", "contacts")
    done = threading.Event()

    def second_run() -> None:
        runs.call("started", other, "manual")
        done.wait(30)
        runs.call("finished", other, _Result(8))

    runs.call("started", KEY, "manual")
    assert sys.getswitchinterval() == bridge_module.RUN_SWITCH_INTERVAL_S < idle
    assert gc.get_threshold() == bridge_module.RUN_GC_THRESHOLD
    frozen = gc.get_freeze_count()
    assert frozen > 0  # what the process held at the start: out of the run's collections
    worker = threading.Thread(target=second_run)
    worker.start()
    runs.call("finished", KEY, _Result(7))
    assert sys.getswitchinterval() == bridge_module.RUN_SWITCH_INTERVAL_S  # the other run still goes
    assert gc.get_threshold() == bridge_module.RUN_GC_THRESHOLD and gc.get_freeze_count() >= frozen
    done.set()
    worker.join()
    assert sys.getswitchinterval() == idle and gc.get_threshold() == idle_gc
    assert gc.get_freeze_count() == 0  # collected again once no run goes


def test_a_real_run_of_many_batches_shows_a_few_updates_and_its_true_end(qtbot, demo_service, ui_data_dir):
    runs = RunManager(demo_service)
    ctx = UiContext(service=demo_service, runs=runs, bridge=RunBridge(runs, progress_interval_ms=NEVER_MS),
                    profile=ProfileState("demo"), data_dir=ui_data_dir)
    change_entity(ctx, "clients", batch_size=2)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    settle(qtbot)
    row = page.rows["clients"]
    shown: list[str] = []
    ctx.bridge.run_progressed.connect(lambda _e: shown.append(row.status.text()))
    try:
        with qtbot.waitSignal(ctx.bridge.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
            click(qtbot, row.sync)
    finally:
        runs.shutdown(timeout=30)
    result = finished.args[2]
    batches = result.counts["processed"] // 2
    assert batches >= 10, "the demo run is too small to show coalescing"
    # one update per phase or total the run went through, at most, and the last before the end
    assert 1 <= len(shown) <= 6 < batches
    assert shown[-1].startswith(f"{result.counts['processed']:,} of {result.counts['processed']:,}")
    assert row.status.text().startswith(f"{result.status.capitalize()}:")
