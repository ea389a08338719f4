"""The delete approval queue (Errors -> Deletes, `erpsync deletes`): twins of deleted records that wait for
a person. Approve deletes the twin (or archives it where its system cannot delete); Keep leaves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from erpsync_gui.app.service import SyncService
from erpsync_gui.engine.deletes import remove
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Side
from erpsync_gui.store.safety_models import PendingDeleteRow
from erpsync_gui.store.sync_state import utcnow


@dataclass(frozen=True)
class PendingDelete:
    id: int
    entity: str
    deleted_side: Side
    deleted_id: str
    twin_id: str
    last_values: dict[str, Any]
    message: str
    created_at: datetime
    status: str


def _value(row: PendingDeleteRow) -> PendingDelete:
    return PendingDelete(row.id, row.entity, Side(row.deleted_side), row.deleted_id, row.twin_id,
                         dict(row.last_values or {}), row.message or "", row.created_at, row.status)


def list_pending(service: SyncService, profile_name: str | None = None, entity: str | None = None,
                 *, include_decided: bool = False) -> list[PendingDelete]:
    profile = service.profile(profile_name)
    with service.store.session() as s:
        query = select(PendingDeleteRow).where(PendingDeleteRow.profile_id == profile.id)
        if entity:
            query = query.where(PendingDeleteRow.entity == entity)
        if not include_decided:
            query = query.where(PendingDeleteRow.status == "open")
        return [_value(row) for row in s.scalars(query.order_by(PendingDeleteRow.id))]


def decide(service: SyncService, delete_id: int, approve: bool, profile_name: str | None = None) -> str:
    """Approve (remove the twin) or Keep one queued delete; what was done ("deleted", "archived", "kept")."""
    profile = service.profile(profile_name)
    with service.store.session() as s:
        row = s.get(PendingDeleteRow, delete_id)
        if row is None or row.profile_id != profile.id:
            raise ConfigError(f"there is no queued delete {delete_id}", hint="`erpsync deletes` lists them")
        if row.status != "open":
            raise ConfigError(f"queued delete {delete_id} was already decided ({row.status})")
        pending = _value(row)
    done = "kept"
    if approve:
        side = pending.deleted_side.other
        name = profile.entity(pending.entity).name_on(side)
        with service.connectors(profile) as connectors:
            done = remove(connectors[side], name, pending.twin_id)
    with service.store.session() as s, s.begin():
        row = s.get(PendingDeleteRow, delete_id)
        row.status = "approved" if approve else "kept"
        row.decided_at = utcnow()
        row.message = f"{row.message}; {done}"
    return done
