"""What a record deleted on one side does to its twin, per the entity's `on_delete`.

`ignore` (the default) retires the link and leaves the twin as it is. `queue` does the same and puts the twin
in the approval queue (Errors -> Deletes), with its last known values, for a person to Approve (the twin is
deleted, or archived) or Keep. `propagate` deletes the twin, or archives it where its system cannot delete
(an inactive flag); where it can do neither, or the delete fails, the twin goes to the queue instead, so a
delete is never lost silently. Propagated deletes count against the mass-change brake like updates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine.types import Action, PlanItem
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side


@dataclass(frozen=True)
class TwinOfDeleted:
    """The surviving record of a pair whose other record was deleted."""

    deleted_side: Side
    deleted_id: str
    twin_id: str
    link_id: int | None


def twins_of(items: Sequence[PlanItem]) -> list[tuple[PlanItem, TwinOfDeleted]]:
    """The retired pairs of a batch that still have a twin on the other side."""
    out = []
    for item in items:
        if item.action is not Action.RETIRE or item.deleted_side is None:
            continue
        link = item.link
        if item.source_side is not item.deleted_side:
            # the survivor is the item's own record (it changed, or names the deleted one by our marker)
            twin_id: str | None = item.source.id
            deleted_id = item.target.id if item.target is not None else ""
        else:
            twin_id = None if link is None else (link.erp_id if item.deleted_side is Side.CRM else link.crm_id)
            deleted_id = item.source.id
        if twin_id:
            out.append((item, TwinOfDeleted(item.deleted_side, deleted_id, twin_id,
                                            None if link is None else link.id)))
    return out


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def remove(connector: Connector, entity: str, record_id: str) -> str:
    """Delete the record, or archive it where the system cannot delete; which of the two was done.
    PermanentError-like failures leave as ERPSyncError; a system that can do neither says so."""
    caps = connector.capabilities(entity)
    if caps.delete:
        connector.delete(entity, record_id)
        return "deleted"
    if caps.archive:
        connector.archive(entity, record_id)
        return "archived"
    raise ERPSyncError("the system can neither delete nor archive a record")


def handle(on_delete: str, pairs: Sequence[tuple[PlanItem, TwinOfDeleted]], connectors: Mapping[Side, Connector],
           names: Mapping[Side, str], *, profile_id: int, entity: str, now: datetime) -> list[dict[str, Any]]:
    """Carry out `on_delete` for the twins; the approval-queue rows to add (see PendingDeleteRow)."""
    if on_delete == "ignore" or not pairs:
        return []
    queued: list[dict[str, Any]] = []
    by_side: dict[Side, list[str]] = {}
    for _item, twin in pairs:
        by_side.setdefault(twin.deleted_side.other, []).append(twin.twin_id)
    current = {side: connectors[side].get_many(names[side], ids) for side, ids in by_side.items()}
    for item, twin in pairs:
        side = twin.deleted_side.other
        record = current[side].get(twin.twin_id)
        if record is None:
            continue  # both are gone: nothing left to decide
        message = f"deleted in the {twin.deleted_side.value.upper()}"
        if on_delete == "propagate":
            try:
                done = remove(connectors[side], names[side], twin.twin_id)
                item.reason = f"{message}; its {side.value.upper()} twin was {done} too (on_delete = propagate)"
                continue
            except ERPSyncError as exc:
                message = f"{message}; the twin could not be removed ({exc}), so it waits for a decision"
        else:
            item.reason = f"{message}; its {side.value.upper()} twin waits for approval to delete it"
        queued.append({"profile_id": profile_id, "entity": entity, "link_id": twin.link_id,
                       "deleted_side": twin.deleted_side.value, "deleted_id": twin.deleted_id,
                       "twin_id": twin.twin_id, "last_values": _jsonable(dict(record.data)), "status": "open",
                       "message": message, "created_at": now, "decided_at": None})
    return queued
