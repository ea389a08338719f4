"""Runs whose ERP pages are read ahead (the next page asked for while the current one is written), against the
sandbox over HTTP: a read that fails midway, a cancelled run and a run over every paging style store the cursor
of the pages written only, leave no reader behind, and neither lose nor repeat a record."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from erpsync_gui.app.run_health import WatchedConnector
from erpsync_gui.connectors import sql_db
from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import CancelToken, ProgressEvent
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.api import Reply
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "erpsync-read-ahead" and t.is_alive()]


def _run(harness: Harness, paging: str = "page", batch_size: int = 10, **run: Any):
    raw = harness.connectors(paging)
    watched = {Side.CRM: WatchedConnector(raw[Side.CRM]), Side.ERP: WatchedConnector(raw[Side.ERP], read_ahead=True)}
    entity = dataclasses.replace(harness.profile.entities[0], direction=Direction.IMPORT, batch_size=batch_size)
    profile = dataclasses.replace(harness.profile, entities=(entity,))
    engine = SyncEngine(harness.store, profile, watched, clock=lambda: harness.now, time_gate_s=10.0)
    return engine.run("clients", Direction.IMPORT, **run), watched


def _seed(harness: Harness, count: int) -> None:
    for n in range(count):
        harness.erp_create(customer_number=f"E{n:03}", company=f"Erp {n}")
        harness.advance(1)


def _numbers(harness: Harness) -> list[str]:
    return sorted(row["customer_number"] for row in harness.crm_rows().values())


@pytest.mark.parametrize("paging", ["page", "offset", "cursor"])
def test_a_read_that_fails_midway_keeps_the_pages_written_and_the_next_run_reads_the_rest(harness, monkeypatch,
                                                                                         paging):
    _seed(harness, 5 * 10 + 5)
    real = harness.sandbox.api._list
    lists: list[int] = []

    def failing_fourth(entity: str, query: dict[str, list[str]]) -> Reply:
        if query.get("per_page") != ["1"]:  # the engine's look at whether the side holds anything
            lists.append(1)
        if len(lists) == 4:
            return Reply(400, {"error": "the listing broke"})
        return real(entity, query)

    monkeypatch.setattr(harness.sandbox.api, "_list", failing_fourth)
    before = len(harness.crm_rows())
    first, _ = _run(harness, paging, batch_size=10)
    assert first.status != "success"
    assert not _readers()
    assert len(harness.crm_rows()) - before == 30  # the three pages read before the failure
    monkeypatch.setattr(harness.sandbox.api, "_list", real)
    second, _ = _run(harness, paging, batch_size=10)
    assert second.status == "success" and not _readers()
    created = [n for n in _numbers(harness) if n.startswith("E")]
    assert created == sorted(f"E{n:03}" for n in range(55))


def test_a_cancelled_run_stores_the_cursor_of_the_pages_it_wrote_only(harness, monkeypatch):
    _seed(harness, 60)
    monkeypatch.setattr(sql_db, "SQL_WRITE_BATCH", 0)  # each page of 10 its own batch: the cancel falls between
    token = CancelToken()
    events: list[ProgressEvent] = []

    def progress(event: ProgressEvent) -> None:
        events.append(event)
        if len([n for n in _numbers(harness) if n.startswith("E")]) >= 20:
            token.cancel()

    cancelled, _ = _run(harness, batch_size=10, progress=progress, cancel=token)
    assert not _readers()
    written = len([n for n in _numbers(harness) if n.startswith("E")])
    assert 20 <= written < 60
    rest, _ = _run(harness, batch_size=10)
    assert rest.status == "success" and not _readers()
    assert [n for n in _numbers(harness) if n.startswith("E")] == sorted(f"E{n:03}" for n in range(60))
    assert cancelled.counts["inserted"] + rest.counts["inserted"] == 60


def test_a_run_the_brake_lets_go_writes_the_pages_its_preview_read_ahead_without_reading_them_again(harness,
                                                                                                   monkeypatch):
    _seed(harness, 10)
    _run(harness)  # linked once: the brake then judges the next run by its changes
    for record_id in list(harness.erp_rows())[:3]:
        harness.erp_edit(record_id, city="Tabriz")
    harness.advance(60)
    real = harness.sandbox.api._list
    lists: list[dict[str, list[str]]] = []

    def counted(entity: str, query: dict[str, list[str]]) -> Reply:
        lists.append(query)
        return real(entity, query)

    monkeypatch.setattr(harness.sandbox.api, "_list", counted)
    result, _ = _run(harness, batch_size=2, brake=True)
    assert result.status == "success" and result.counts["updated"] == 3
    assert not _readers()
    reads = [q for q in lists if q.get("per_page") != ["1"]]
    # the preview read the three changed records in pages of two (and the empty end); the run wrote from them
    assert len(reads) <= 3
    cities = [row["city"] for row in harness.crm_rows().values()]
    assert cities.count("Tabriz") == 3
