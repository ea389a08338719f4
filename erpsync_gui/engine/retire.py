"""Retiring a link whose record was deleted on one side: the plan item the applier records once."""

from __future__ import annotations

from erpsync_gui.engine.types import Action, PlanItem
from erpsync_gui.records import Record, Side
from erpsync_gui.store.link import Link


def retire(deleted_side: Side, deleted_id: str, link: Link | None, survivor: Record | None = None) -> PlanItem:
    """The plan for a pair whose `deleted_side` record is gone: the link is retired once, with one outcome,
    and the surviving record (when there is one) is left as it is: deletes are not passed on."""
    reason = (f"deleted in the {deleted_side.value.upper()}; its {deleted_side.other.value.upper()} twin was "
              "left as it is")
    if survivor is not None:
        item = PlanItem(Action.RETIRE, deleted_side.other, survivor, reason, target=Record(deleted_id, {}),
                        deleted_side=deleted_side)
    else:
        item = PlanItem(Action.RETIRE, deleted_side, Record(deleted_id, {}), reason, deleted_side=deleted_side)
    item.link = link
    return item
