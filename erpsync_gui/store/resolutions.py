"""What a batch settles inside its commit's transaction: the open errors of records that synced now (or are
gone), and the open conflicts of pairs synced now. On SQLite as SQL text for the driver: SQLAlchemy's ORM update
spent more on each id than the database does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, update
from sqlalchemy.orm import Session

from erpsync_gui.records import Side
from erpsync_gui.store.driver_rows import direct
from erpsync_gui.store.models import ConflictRow, OutcomeRow, table_of

_OUTCOMES = table_of(OutcomeRow)
_CONFLICTS = table_of(ConflictRow)
#: followed by the record ids' parameters and ")"
_RESOLVE_OUTCOMES = {side: (f"UPDATE {_OUTCOMES.name} SET resolution = 'resolved' WHERE profile_id = ? AND entity = ? "
                            f"AND resolution = 'open' AND action = 'failed' AND {side.value}_id IN (") for side in Side}
_RESOLVE_CONFLICT = (f"UPDATE {_CONFLICTS.name} SET resolved_at = ? "
                     "WHERE profile_id = ? AND entity = ? AND link_id = ? AND resolved_at IS NULL")
# SQL parameter lists stay well below SQLite's and PostgreSQL's limits
_IN_CHUNK = 500


def resolve_outcomes(s: Session, profile_id: int, entity: str, side: Side, record_ids: Sequence[str]) -> None:
    """Open errors of these records of `side` are resolved: the record synced, or there is nothing left of it."""
    conn = s.connection()
    if direct(conn):
        for i in range(0, len(record_ids), _IN_CHUNK):
            chunk = tuple(record_ids[i:i + _IN_CHUNK])
            conn.exec_driver_sql(_RESOLVE_OUTCOMES[side] + ", ".join("?" * len(chunk)) + ")",
                                 (profile_id, entity, *chunk))
        return
    column = OutcomeRow.crm_id if side is Side.CRM else OutcomeRow.erp_id
    for i in range(0, len(record_ids), _IN_CHUNK):
        s.execute(update(OutcomeRow).where(
            OutcomeRow.profile_id == profile_id, OutcomeRow.entity == entity,
            OutcomeRow.resolution == "open", OutcomeRow.action == "failed",
            column.in_(record_ids[i:i + _IN_CHUNK])).values(resolution="resolved"))


def resolve_conflicts(s: Session, profile_id: int, entity: str, link_ids: Sequence[int], now: datetime) -> None:
    """The open conflicts of links synced now are resolved (on SQLite one lookup per link by the conflicts' key,
    instead of a statement built with every id of the batch)."""
    conn = s.connection()
    if direct(conn):
        stamp = _CONFLICTS.c.resolved_at.type._cached_bind_processor(conn.dialect)
        when = stamp(now) if stamp else now
        conn.exec_driver_sql(_RESOLVE_CONFLICT, [(when, profile_id, entity, i) for i in link_ids])
        return
    s.execute(update(ConflictRow).where(and_(ConflictRow.link_id.in_(link_ids), ConflictRow.resolved_at.is_(None)))
              .values(resolved_at=now))
