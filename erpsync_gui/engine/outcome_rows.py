"""The outcome row of one recorded item: what happened to a record in a run, as the column values inserted in
bulk with the batch (see models.OutcomeRow)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from erpsync_gui.engine.signature import error_signature
from erpsync_gui.engine.types import Action, PlanItem
from erpsync_gui.records import Side

_EXCERPT = 600
_ACTIONS = {Action.UPDATE_SOURCE: "update", Action.FAILED: "failed", Action.RETIRE: "deleted"}
#: the items whose outcome waits for a person or a retry
_OPEN = (Action.FAILED, Action.CONFLICT, Action.RETIRE)


def outcome_row(item: PlanItem, now: datetime, *, run_id: int, profile_id: int, entity: str,
                redact: Callable[[str], str]) -> dict[str, Any]:
    """The outcome row's values (a plain dict: one per written record, inserted in bulk)."""
    error = item.error
    kind: str | None = getattr(error, "kind", type(error).__name__) if error else None
    message = redact(str(error)) if error else item.reason
    if item.action is Action.RETIRE:
        kind, message = "deleted", deleted_message(item, now)
    excerpt = None
    if error is not None and item.payload is not None:
        excerpt = redact(json.dumps(jsonable(item.payload), ensure_ascii=False))[:_EXCERPT]
    return dict(
        run_id=run_id, profile_id=profile_id, entity=entity,
        crm_id=item.crm_id, erp_id=item.erp_id, action=_ACTIONS.get(item.action, item.action.value),
        target_side=item.write_side.value if item.write_side else None,
        error_kind=kind, message=message[:4000],
        signature=error_signature(entity, kind, message) if kind is not None else None,
        payload_excerpt=excerpt,
        resolution="open" if item.action in _OPEN else None,
        created_at=now,
    )


def deleted_message(item: PlanItem, now: datetime) -> str:
    """What a retired pair's outcome says: which side's record was deleted, when, and that the twin was kept."""
    assert item.deleted_side is not None
    deleted = item.deleted_side
    survivor = item.erp_id if deleted is Side.CRM else item.crm_id
    other = deleted.other.value.upper()
    twin = f"the {other} twin {survivor}" if survivor else f"the {other} twin"
    return (f"deleted in the {deleted.value.upper()} (noticed {now:%Y-%m-%d %H:%M} UTC); {twin} was left as "
            "it is")


def jsonable(value: Any) -> Any:
    """A JSON-safe copy (Decimal, dates and other values become strings)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))
