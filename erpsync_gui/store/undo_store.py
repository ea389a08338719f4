"""The before-images undo reads, their retention, and the link bookkeeping an undo leaves behind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult

from erpsync_gui.errors import ConfigError
from erpsync_gui.store.db import Store
from erpsync_gui.store.models import RunRow
from erpsync_gui.store.safety_models import BeforeImageRow, LinkSnapshotRow

#: how long before-images are kept (a run older than this cannot be undone)
RETENTION_DAYS = 30


def run_of(store: Store, profile_id: int, run_id: int) -> RunRow:
    with store.session() as s:
        run = s.get(RunRow, run_id)
        if run is None or run.profile_id != profile_id:
            raise ConfigError(f"there is no run {run_id} in this profile", hint="`erpsync log` lists the runs")
        s.expunge(run)
        return run


def images_of(store: Store, run_id: int) -> list[BeforeImageRow]:
    with store.session() as s:
        rows = list(s.scalars(select(BeforeImageRow).where(BeforeImageRow.run_id == run_id)
                              .order_by(BeforeImageRow.id)))
        for row in rows:
            s.expunge(row)
        return rows


def forget_bases(store: Store, link_ids: Sequence[int]) -> None:
    """Merge bases of pairs an undo changed: they no longer say what both sides held."""
    if link_ids:
        with store.session() as s, s.begin():
            s.execute(delete(LinkSnapshotRow).where(LinkSnapshotRow.link_id.in_(list(link_ids))))


def prune(store: Store, now: datetime, days: int = RETENTION_DAYS) -> int:
    """Delete before-images older than the retention period; how many went."""
    with store.session() as s, s.begin():
        gone = cast(CursorResult, s.execute(delete(BeforeImageRow).where(
            BeforeImageRow.created_at < now - timedelta(days=days))))
        return gone.rowcount or 0
