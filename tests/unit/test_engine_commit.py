"""A batch and the cursor past it are committed in one transaction: when the state database refuses a batch,
the cursor stays where the last recorded batch left it, and the next run reads the unrecorded records again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from erpsync_gui.errors import StoreError
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.link import Link
from erpsync_gui.store.sync_state import BatchCommit, SyncState
from tests.fakes.memory import MemoryConnector
from tests.unit.test_engine import engine_for, links

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _refuse_outcomes(store, erp_id: str | None = None) -> None:
    """The database refuses to record outcomes (of one ERP record, or all), as a full disk would."""
    condition = f"WHEN NEW.erp_id = '{erp_id}'" if erp_id else ""
    with store.engine.begin() as conn:
        conn.execute(text(f"CREATE TRIGGER refuse_outcomes BEFORE INSERT ON outcomes {condition} "
                          "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))


def _refuse_synced_link(store, erp_id: str) -> None:
    """The database refuses to record one ERP record's link as synced (the batch's own commit), as a full disk
    would."""
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse_links BEFORE UPDATE ON links "
                          f"WHEN NEW.erp_id = '{erp_id}' AND NEW.state = 'synced' "
                          "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))


def _allow_links(store) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_links"))


def _outcome(state: SyncState, run_id: int, erp_id: str) -> dict:
    return dict(run_id=run_id, profile_id=state.profile_id, entity=state.entity, crm_id=None, erp_id=erp_id,
                action="create", target_side="crm", error_kind=None, message="new record", signature=None,
                payload_excerpt=None, resolution=None, created_at=WHEN)


def test_a_refused_batch_leaves_the_cursor_and_the_links_as_they_were(store, engine_profile):
    state = SyncState(store, engine_profile.id, "clients")
    run_id = state.start_run("import", "manual", "full")
    state.commit(BatchCommit(cursor=(Side.ERP, "2026-03-01T09:00:00+00:00")))
    _refuse_outcomes(store)

    batch = BatchCommit(links=[Link(engine_profile.id, "clients", erp_id="E1", state="pending")],
                        outcomes=[_outcome(state, run_id, "E1")], cursor=(Side.ERP, "2026-03-01T09:30:00+00:00"))
    with pytest.raises(StoreError, match="could not record the batch"):
        state.commit(batch)

    assert state.cursor(Side.ERP) == "2026-03-01T09:00:00+00:00"
    assert state.links_by_ids(Side.ERP, ["E1"]) == {}


def test_a_run_whose_batch_cannot_be_recorded_reads_that_batch_again(store):
    crm, erp = MemoryConnector(), MemoryConnector()
    ids = [erp.put("clients", {"number": f"C{i:02d}", "name": f"Firma {i}", "city": "Arad"}) for i in range(20)]
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=10)
    state = SyncState(store, engine.profile.id, "clients")
    _refuse_synced_link(store, erp_id=ids[14])  # a record of the second batch

    stopped = engine.run("clients")

    assert stopped.status == "failed" and "could not record the batch" in stopped.message
    first_batch_end = erp.tables["clients"][ids[9]]["updated_at"].isoformat()
    assert state.cursor(Side.ERP) == first_batch_end
    assert len([link for link in links(store) if link.state == "synced"]) == 10

    _allow_links(store)
    again = engine.run("clients")

    assert again.status == "success"
    assert len(crm.rows("clients")) == 20  # the second batch's creates were found again, not doubled
    assert sorted(link.erp_id for link in links(store) if link.state == "synced") == sorted(ids)
    assert state.cursor(Side.ERP) == erp.tables["clients"][ids[19]]["updated_at"].isoformat()


@pytest.fixture
def engine_profile(store):
    return engine_for(store, MemoryConnector(), MemoryConnector()).profile
