"""Before-images of a run's writes: for an update, the written fields as they were and as the write left them;
for a create, the fact of it. Taken around the applier, so that undo knows what to restore and can tell
whether a field changed since."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erpsync_gui.engine.types import Action, PlanItem
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import Record, Side


@dataclass(frozen=True)
class _Before:
    side: Side
    record_id: str
    values: dict[str, Any]


_PLAIN = frozenset({str, int, bool, type(None)})
_TEXT = frozenset({str})


def _jsonable(value: Any, *, fresh: bool = False) -> Any:
    """What the value reads back as from JSON (the before-image columns are JSON): a flat dict of text keys and
    plain values is that already (kept as it is when the caller just built it, `fresh`, else copied)."""
    if type(value) is dict and _PLAIN.issuperset(map(type, value.values())) and _TEXT.issuperset(map(type, value)):
        return value if fresh else dict(value)
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _writes(item: PlanItem) -> list[tuple[Side, Record | None, dict[str, Any]]]:
    """(side, record as read, payload) of each write an item makes."""
    out = []
    if item.action is Action.UPDATE and item.write_side is not None and item.payload is not None:
        out.append((item.write_side, item.target, item.payload))
        if item.back_payload:
            out.append((item.source_side, item.source, item.back_payload))
    elif item.action is Action.UPDATE_SOURCE and item.payload is not None:
        out.append((item.source_side, item.source, item.payload))
    return out


def capture(items: Sequence[PlanItem], mapping: EntityMapping) -> dict[int, list[_Before]]:
    """The fields every planned update changes, as they are before the write (keyed by the item's id()); a
    field the payload carries with its value unchanged is not kept."""
    taken: dict[int, list[_Before]] = {}
    for item in items:
        for side, record, payload in _writes(item):
            if record is not None:
                if item.changes and not item.back_payload:
                    # one write: the planner's changes are this diff already (a merge's two writes share one list)
                    names = [change.field for change in item.changes]
                else:
                    names = [d.field for d in mapping.diff(side, payload, record.data)]
                taken.setdefault(id(item), []).append(
                    _Before(side, record.id, _jsonable({name: record.data.get(name) for name in names}, fresh=True)))
    return taken


def rows(items: Sequence[PlanItem], taken: dict[int, list[_Before]], *, run_id: int, profile_id: int,
         entity: str, now: datetime) -> list[dict[str, Any]]:
    """Before-image rows of the writes that happened (a failed write changed nothing to undo)."""
    out: list[dict[str, Any]] = []
    base = {"run_id": run_id, "profile_id": profile_id, "entity": entity, "created_at": now}
    # a create's row differs from the batch's others by its record only: each is a copy of its side's
    created: dict[Side, dict[str, Any]] = {}
    create, update_source, update = Action.CREATE, Action.UPDATE_SOURCE, Action.UPDATE
    for item in items:
        action = item.action
        target = item.target
        if action is create and target is not None and item.write_side is not None:
            row = created.get(item.write_side)
            if row is None:
                row = created[item.write_side] = {**base, "side": item.write_side.value, "record_id": None,
                                                  "action": "create", "before": None, "after": None}
            get = target.data.get
            row = row.copy()
            row["record_id"] = target.id
            row["after"] = _jsonable({n: get(n) for n in item.payload or ()}, fresh=True)
            out.append(row)
            continue
        if action is not update and action is not update_source:
            continue
        for before in taken.get(id(item), ()):
            written = item.source if before.side is item.source_side else item.target
            if written is None or not before.values:
                continue
            out.append({**base, "side": before.side.value, "record_id": before.record_id, "action": "update",
                        "before": before.values,
                        "after": _jsonable({n: written.data.get(n, before.values.get(n)) for n in before.values},
                                           fresh=True)})
    return out
