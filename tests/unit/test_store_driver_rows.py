"""The batch commit's rows go to SQLite's driver as plain tuples: what is stored is exactly what SQLAlchemy's own
statements store (every column of every row, dates, booleans, JSON read back), new links get their own ids
even when another row lands among theirs, and a refused row still refuses the whole batch."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from erpsync_gui.errors import StoreError
from erpsync_gui.records import Side
from erpsync_gui.store import driver_rows, link_writes, resolutions, snapshots, sync_state
from erpsync_gui.store.db import open_store
from erpsync_gui.store.link import Link
from erpsync_gui.store.snapshots import Snapshot
from erpsync_gui.store.sync_state import BatchCommit, SyncState
from tests.unit.test_engine_commit import engine_profile  # noqa: F401  (fixture)

WHEN = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
TEHRAN = timezone(timedelta(hours=3, minutes=30))
ODD = ["", "é ș ț 中文", "😀", "a\x00b\"\\'", "x" * 5000]
#: columns whose values the clock gives at commit
_CLOCKED = {"cursors": {"updated_at"}}


def _links(profile_id: int, entity: str) -> list[Link]:
    out = []
    for i, odd in enumerate(ODD):
        out.append(Link(profile_id, entity, crm_id=f"C{i}{odd[:20]}", erp_id=f"E{i}", crm_checksum="a" * 64,
                        erp_checksum=None, crm_version=odd[:100] or None, erp_version="7",
                        crm_updated_at=WHEN.replace(microsecond=0),
                        erp_updated_at=datetime(2026, 3, 1, 13, 0, 0, 1, tzinfo=TEHRAN) if i % 2 else None,
                        last_txn_id="t" * 36, last_written_side="crm", last_synced_at=WHEN, state="synced",
                        attempts=i, last_error=odd or None, create_unknown=bool(i % 2),
                        deleted_at=datetime(2026, 1, 2) if i == 3 else None, expected_checksum=odd[:64] or None))
    out.append(Link(profile_id, entity, erp_id="E-pending", state="pending", pending_side="erp", create_unknown=True))
    return out


def _batches(state: SyncState, run_id: int) -> list[BatchCommit]:
    """A first batch of new links with snapshots, outcomes and before-images, then a second that updates them."""
    links = _links(state.profile_id, state.entity)
    snaps = [Snapshot(WHEN.isoformat(), {"crm": {"name": odd[:50] or "empty", "n": "0" * 16}, "erp": {}})
             for odd in ODD]
    # the odd records failed before: their open errors are settled by the second batch
    outcomes = [dict(run_id=run_id, profile_id=state.profile_id, entity=state.entity, crm_id=None, erp_id=f"E{i}",
                     action="failed" if i % 2 else "update", target_side="crm", error_kind=None, message=odd,
                     signature=None, payload_excerpt=odd or None, resolution="open" if i % 2 else None,
                     created_at=WHEN) for i, odd in enumerate(ODD)]
    images = [dict(run_id=run_id, profile_id=state.profile_id, entity=state.entity, side="crm", record_id=f"C{i}",
                   action="create", before=None if i % 2 else {"city": odd, "n": i, "ok": True},
                   after={"city": odd, "price": 1.5, "nested": {"a": [1, 2]}} if i == 2 else {"city": odd},
                   created_at=WHEN) for i, odd in enumerate(ODD)]
    first = BatchCommit(links=links, snapshots=list(zip(links, snaps, strict=False)), outcomes=outcomes,
                        before_images=images, cursor=(Side.ERP, "2026-03-01T09:00:00+00:00"))
    return [first]


def _second(links: list[Link]) -> BatchCommit:
    for link in links:
        link.state, link.pending_side, link.attempts = "synced", None, link.attempts + 1
        link.crm_id = link.crm_id or "C-late"
        link.last_synced_at = WHEN + timedelta(minutes=5)
    return BatchCommit(links=links, snapshots=[(links[0], Snapshot("later", {"crm": {"name": "x"}}))],
                       settled={Side.ERP: ["E1", "E2"], Side.CRM: ["C3"]},
                       cursor=(Side.ERP, "2026-03-01T10:00:00+00:00"))


def _dump(path) -> dict[str, list[tuple]]:
    """Every row of the batch's tables as SQLite holds it (JSON parsed: its text may be spaced otherwise)."""
    out = {}
    with sqlite3.connect(path) as conn:
        for table in ("links", "link_snapshots", "outcomes", "before_images", "cursors"):
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY 1")
            names = [d[0] for d in cursor.description]
            rows = []
            for row in cursor:
                values = []
                for name, value in zip(names, row, strict=True):
                    if name in _CLOCKED.get(table, ()):
                        continue
                    if name in ("digests", "before", "after") and value is not None:
                        value = ("json", json.loads(value))
                    values.append((name, type(value).__name__, value))
                rows.append(tuple(values))
            out[table] = rows
    return out


def _write(tmp_path, name: str, profile_id_of, *, driver: bool, monkeypatch) -> dict[str, list[tuple]]:
    path = tmp_path / f"{name}.db"
    store = open_store(f"sqlite:///{path}")
    try:
        profile_id = profile_id_of(store)
        with monkeypatch.context() as patched:
            if not driver:
                for module in (driver_rows, link_writes, resolutions, snapshots, sync_state):
                    patched.setattr(module, "direct", lambda conn: False)
            state = SyncState(store, profile_id, "clients")
            run_id = state.start_run("import", "manual", "full")
            (first,) = _batches(state, run_id)
            state.commit(first)
            state.commit(_second(first.links))
    finally:
        store.close()
    return _dump(path)


def test_the_driver_stores_every_column_as_sqlalchemys_statements_do(tmp_path, monkeypatch):
    from tests.fakes.memory import MemoryConnector
    from tests.unit.test_engine import engine_for

    def profile_id_of(store):
        return engine_for(store, MemoryConnector(), MemoryConnector()).profile.id

    by_driver = _write(tmp_path, "driver", profile_id_of, driver=True, monkeypatch=monkeypatch)
    by_statements = _write(tmp_path, "statements", profile_id_of, driver=False, monkeypatch=monkeypatch)
    assert len(by_driver["links"]) == len(ODD) + 1 and len(by_driver["outcomes"]) == len(ODD)
    assert len(by_driver["link_snapshots"]) == len(ODD) and len(by_driver["before_images"]) == len(ODD)
    settled = [{n: v for n, _, v in row}["resolution"] for row in by_driver["outcomes"]]
    assert settled == [None, "resolved", None, "open", None]
    for table, rows in by_statements.items():
        assert by_driver[table] == rows, table


def test_new_links_get_their_own_ids_when_another_row_lands_among_them(store, engine_profile):  # noqa: F811
    # each new link of one entity brings a row of another entity right after it: no id is where a count says
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER interleave AFTER INSERT ON links WHEN NEW.entity = 'clients' BEGIN "
                          "INSERT INTO links (profile_id, entity, crm_id, state, create_unknown, attempts) "
                          "VALUES (NEW.profile_id, 'contacts', NEW.crm_id, 'pending', 0, 0); END"))
    state = SyncState(store, engine_profile.id, "clients")
    new = [Link(engine_profile.id, "clients", erp_id=f"E{i}", crm_id=f"C{i}", state="synced") for i in range(300)]
    snaps = [(link, Snapshot(f"s{i}", {"crm": {"i": str(i)}})) for i, link in enumerate(new)]
    state.commit(BatchCommit(links=new, snapshots=snaps))
    found = state.links_by_ids(Side.ERP, [f"E{i}" for i in range(300)])
    assert all(found[f"E{i}"].id == new[i].id and found[f"E{i}"].crm_id == f"C{i}" for i in range(300))
    assert len({link.id for link in new}) == 300
    loaded = snapshots.load(store, [link.id for link in new])
    assert [loaded[link.id].digests for link in new] == [{"crm": {"i": str(i)}} for i in range(300)]
    others = SyncState(store, engine_profile.id, "contacts").links_by_ids(Side.CRM, [f"C{i}" for i in range(300)])
    assert {link.id for link in others.values()}.isdisjoint(link.id for link in new)


def test_consecutive_new_links_take_the_ids_in_their_order(store, engine_profile):  # noqa: F811
    state = SyncState(store, engine_profile.id, "clients")
    state.commit(BatchCommit(links=[Link(engine_profile.id, "clients", erp_id="E-old", state="pending")]))
    with store.engine.begin() as conn:  # a gap: the next ids follow the largest, not the count
        conn.execute(text("UPDATE links SET id = 40 WHERE erp_id = 'E-old'"))
    new = [Link(engine_profile.id, "clients", erp_id=f"E{i}", crm_id=f"C{i}", state="synced") for i in range(5)]
    state.commit(BatchCommit(links=new))
    assert [link.id for link in new] == [41, 42, 43, 44, 45]
    found = state.links_by_ids(Side.CRM, [f"C{i}" for i in range(5)])
    assert [found[f"C{i}"].id for i in range(5)] == [41, 42, 43, 44, 45]


def test_a_refused_update_through_the_driver_refuses_the_whole_batch(store, engine_profile):  # noqa: F811
    state = SyncState(store, engine_profile.id, "clients")
    links = [Link(engine_profile.id, "clients", erp_id=f"E{i}", state="pending") for i in range(3)]
    state.commit(BatchCommit(links=links, cursor=(Side.ERP, "c1")))
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse BEFORE UPDATE ON links WHEN NEW.erp_id = 'E2' "
                          "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
    for link in links:
        link.attempts = 1
    with pytest.raises(StoreError, match="disk is full"):
        state.commit(BatchCommit(links=links, cursor=(Side.ERP, "c2")))
    assert state.cursor(Side.ERP) == "c1"
    assert {link.attempts for link in state.links_by_ids(Side.ERP, ["E0", "E1", "E2"]).values()} == {0}


def test_an_update_writes_every_column_and_finds_the_links_by_the_keys_they_have_now(store, engine_profile):  # noqa: F811
    state = SyncState(store, engine_profile.id, "clients")
    links = [Link(engine_profile.id, "clients", erp_id=f"E{i}", crm_id=f"C{i}", state="synced", crm_checksum="a")
             for i in range(4)]
    state.commit(BatchCommit(links=links))
    links[0].crm_checksum, links[0].attempts = "b", 3  # the same ids and state: only the other columns change
    links[1].crm_id = "C1-new"  # a new record id
    links[2].state, links[2].pending_side, links[2].last_error = "failed", "erp", "refused"
    links[3].crm_id, links[3].state, links[3].pending_side = None, "pending", "erp"
    state.commit(BatchCommit(links=links))
    by_erp = state.links_by_ids(Side.ERP, [f"E{i}" for i in range(4)])
    assert [by_erp[f"E{i}"] for i in range(4)] == links
    assert set(state.links_by_ids(Side.CRM, ["C0", "C1", "C1-new", "C2", "C3"])) == {"C0", "C1-new", "C2"}
    assert [link.erp_id for link in state.waiting_links(Side.ERP)] == ["E2", "E3"]
