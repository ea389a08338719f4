"""The collector held while `erpsync sync` starts: off until the records flow, then everything built so far frozen
and collection on again; always on again at the end; never touched when someone else turned it off."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from erpsync_gui.app import startup_gc


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """The test process's collector as it was (on, nothing frozen) whatever a test does."""
    yield
    startup_gc.end()
    gc.unfreeze()
    gc.enable()


def test_held_until_the_records_flow_then_frozen_and_collecting() -> None:
    frozen = gc.get_freeze_count()
    startup_gc.hold()
    assert not gc.isenabled() and startup_gc.held()
    startup_gc.release()
    assert gc.isenabled() and not startup_gc.held()
    assert gc.get_freeze_count() > frozen
    after = gc.get_freeze_count()
    young = [[] for _ in range(1000)]  # tracked objects a second freeze would take in
    startup_gc.release()  # a second entity's run: nothing more to do
    # (a frozen object freed by its reference count meanwhile lowers the count: only growth would be wrong)
    assert gc.get_freeze_count() < after + len(young)


def test_the_records_flow_with_a_larger_young_generation_and_the_end_puts_the_old_one_back() -> None:
    before = gc.get_threshold()
    startup_gc.hold()
    startup_gc.release()
    assert gc.get_threshold() == startup_gc.RUN_THRESHOLD != before
    startup_gc.end()
    assert gc.get_threshold() == before


def test_the_young_garbage_made_before_the_hold_is_collected_not_frozen() -> None:
    class Node:
        pass

    cycle = Node()
    cycle.itself = cycle  # type: ignore[attr-defined]
    gone = weakref.ref(cycle)
    del cycle
    startup_gc.hold()
    assert gone() is None


def test_a_command_that_stops_before_any_run_collects_again_and_freezes_nothing() -> None:
    frozen = gc.get_freeze_count()
    startup_gc.hold()
    startup_gc.end()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    startup_gc.release()
    assert gc.get_freeze_count() == frozen


def test_a_collector_someone_else_turned_off_stays_off() -> None:
    gc.disable()
    startup_gc.hold()
    assert not startup_gc.held()
    startup_gc.release()
    startup_gc.end()
    assert not gc.isenabled() and gc.get_freeze_count() == 0
