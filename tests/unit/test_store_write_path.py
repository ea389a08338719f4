"""The state store's batch commit on its fast path: outcomes and snapshots of odd values read back as written, and
the cursor moves by UPDATE (new links' ids: see test_store_driver_rows)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from erpsync_gui.records import Side
from erpsync_gui.store import snapshots
from erpsync_gui.store.link import Link
from erpsync_gui.store.models import OutcomeRow
from erpsync_gui.store.snapshots import Snapshot
from erpsync_gui.store.sync_state import BatchCommit, SyncState
from tests.unit.test_engine_commit import engine_profile  # noqa: F401  (fixture)

WHEN = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
ODD = ["", "é ș ț 中文", "😀👩‍👩‍👧", "a\x00b\"\\", "x" * 50_000]


def _outcome(state: SyncState, run_id: int, erp_id: str, message: str) -> dict:
    return dict(run_id=run_id, profile_id=state.profile_id, entity=state.entity, crm_id=None, erp_id=erp_id,
                action="create", target_side="crm", error_kind=None, message=message, signature=None,
                payload_excerpt=message, resolution=None, created_at=WHEN)


def test_outcomes_snapshots_and_cursor_of_a_batch_read_back_as_written(store, engine_profile):  # noqa: F811
    state = SyncState(store, engine_profile.id, "clients")
    run_id = state.start_run("import", "manual", "full")
    new = [Link(engine_profile.id, "clients", erp_id=f"E{i}", crm_id=f"C{i}", state="synced")
           for i in range(len(ODD))]
    digests = [Snapshot(f"2026-03-01T09:3{i}:00+00:00", {"crm": {text or "empty": "ab" * 8, "n": "00"},
                                                          "erp": {"😀": text[:100]}}) for i, text in enumerate(ODD)]
    state.commit(BatchCommit(links=new, snapshots=list(zip(new, digests, strict=True)),
                             outcomes=[_outcome(state, run_id, f"E{i}", t) for i, t in enumerate(ODD)],
                             cursor=(Side.ERP, "2026-03-01T09:00:00+00:00")))
    state.commit(BatchCommit(cursor=(Side.ERP, "2026-03-01T10:00:00+00:00")))
    loaded = snapshots.load(store, [link.id for link in new])
    assert [loaded[link.id] for link in new] == digests
    with store.session() as s:
        rows = s.execute(select(OutcomeRow).where(OutcomeRow.run_id == run_id).order_by(OutcomeRow.id)).scalars()
        assert [(r.erp_id, r.message, r.payload_excerpt) for r in rows] == [
            (f"E{i}", t, t) for i, t in enumerate(ODD)]
    assert state.cursor(Side.ERP) == "2026-03-01T10:00:00+00:00"
