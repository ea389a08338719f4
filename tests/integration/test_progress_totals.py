"""The progress a run reports: the total is the sum of every source side's own total, known only once each side
has said it (until then None: an indeterminate bar with counts); the count never passes the total; the ETA
follows the observed rate. Against the real sandbox ERP and the CRM database (both report a count of the
records they list), and an ERP whose listing does not say how many there are."""

from __future__ import annotations

import dataclasses

import pytest

from erpsync_gui.connectors import sql_db
from erpsync_gui.engine import runner
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.records import Direction, Page, Side
from tests.sync_harness import Harness


class Uncounted:
    """A connector whose pages do not say how many records the read has (a REST API without a total)."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def changes(self, entity, cursor, page_size):
        for page in self._inner.changes(entity, cursor, page_size):
            yield dataclasses.replace(page, total=None) if isinstance(page, Page) else page


@pytest.fixture
def harness(tmp_path):
    h = Harness(tmp_path / "progress")
    yield h
    h.close()


def _run(h: Harness, direction: Direction, connectors=None, batch: int = 10):
    events = []
    entity = dataclasses.replace(h.profile.entities[0], direction=direction, batch_size=batch)
    engine = SyncEngine(h.store, dataclasses.replace(h.profile, entities=(entity,)), connectors or h.connectors(),
                        clock=lambda: h.now, time_gate_s=0)
    result = engine.run("clients", direction, progress=events.append)
    return result, events


def _fill(h: Harness, crm: int, erp: int) -> None:
    for n in range(crm):
        h.crm_create(company=f"CRM {n}", customer_number=f"C{n:04d}")
    for n in range(erp):
        h.erp_create(company=f"ERP {n}", customer_number=f"E{n:04d}")


def test_a_one_way_import_counts_against_the_erps_total(harness):
    _fill(harness, 0, 35)
    result, events = _run(harness, Direction.IMPORT)
    assert result.counts["processed"] == 35
    known = [e for e in events if e.total is not None]
    assert events[0].total is None  # before the first page nothing is known
    assert known and {e.total for e in known} == {35}
    assert all(e.processed <= e.total for e in known)


def test_a_side_without_a_total_leaves_the_bar_indeterminate(harness):
    _fill(harness, 12, 15)
    connectors = dict(harness.connectors())
    connectors[Side.ERP] = Uncounted(connectors[Side.ERP])
    result, events = _run(harness, Direction.BOTH, connectors)
    # the ERP side then reads its 15 records and the 12 the CRM side just created there
    assert result.counts["processed"] == 12 + 15 + 12
    # the ERP says no total: the sum is not known, so no total (and no ETA) is claimed, though the CRM said 12
    assert [e.total for e in events] == [None] * len(events)
    assert all(e.eta_seconds is None for e in events)
    assert events[-1].processed == 39


def test_a_two_way_total_is_the_sum_of_both_sides(harness):
    _fill(harness, 12, 15)
    result, events = _run(harness, Direction.BOTH)
    # the ERP's own total, read after the CRM side wrote there: its 15 records and the 12 created
    assert result.counts["processed"] == 12 + 27
    known = [e for e in events if e.total is not None]
    # the CRM side is read first: its events wait for the ERP's total (never "12 of 12" while 27 are to come)
    crm_phase = [e for e in events if e.processed <= 12 and e.phase == "applying"]
    assert crm_phase and all(e.total is None for e in crm_phase)
    assert known and {e.total for e in known} == {12 + 27}
    assert all(e.processed <= e.total for e in known)


def test_the_eta_follows_the_observed_rate(harness, monkeypatch):
    _fill(harness, 0, 50)
    ticks = iter(float(n) for n in range(10_000))
    monkeypatch.setattr(runner, "progress_clock", lambda: next(ticks))  # one second per report
    monkeypatch.setattr(sql_db, "SQL_WRITE_BATCH", 0)  # a report per page of 10, not one for the 50 together
    result, events = _run(harness, Direction.IMPORT, batch=10)
    applying = [e for e in events if e.phase == "applying" and e.total is not None and e.processed < e.total]
    assert applying
    for event in applying:
        # ten records a second since the start: what is left takes a tenth of its count in seconds
        assert event.eta_seconds == pytest.approx((event.total - event.processed) / 10)
    assert events[-1].phase == "finished" and events[-1].eta_seconds is None
    assert result.counts["processed"] == 50
