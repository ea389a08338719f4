"""Retrying failed records chosen in the error view: which source records to run again, and closing the
errors whose record is synced afterwards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from erpsync_gui.records import Side
from erpsync_gui.store.db import Store
from erpsync_gui.store.queries import OutcomeEntry, mark_resolved
from erpsync_gui.store.sync_state import SyncState


def source_of(outcome: OutcomeEntry) -> list[tuple[Side, str]]:
    """The source record(s) of a failed outcome: the side that is not its target. Without a target (the
    record could not even be mapped) the one id it names, or both when it names both."""
    if outcome.target_side in (Side.CRM.value, Side.ERP.value):
        side = Side(outcome.target_side).other
        record_id = outcome.crm_id if side is Side.CRM else outcome.erp_id
        return [(side, record_id)] if record_id else []
    return [(side, rid) for side, rid in ((Side.CRM, outcome.crm_id), (Side.ERP, outcome.erp_id)) if rid]


def retry_plan(outcomes: Iterable[OutcomeEntry]) -> dict[str, dict[Side, list[str]]]:
    """Per entity, the source ids to run again (RunManager.start(..., only=...))."""
    plan: dict[str, dict[Side, list[str]]] = {}
    for outcome in outcomes:
        for side, record_id in source_of(outcome):
            ids = plan.setdefault(outcome.entity, {}).setdefault(side, [])
            if record_id not in ids:
                ids.append(record_id)
    return plan


def settle_retried(store: Store, profile_id: int, outcomes: Sequence[OutcomeEntry]) -> int:
    """Mark resolved the retried errors whose record is synced now; returns how many."""
    done: list[int] = []
    by_entity: dict[str, list[OutcomeEntry]] = {}
    for outcome in outcomes:
        by_entity.setdefault(outcome.entity, []).append(outcome)
    for entity, group in by_entity.items():
        state = SyncState(store, profile_id, entity)
        for outcome in group:
            sources = source_of(outcome)
            if not sources:
                continue
            side, record_id = sources[0]
            link = state.links_by_ids(side, [record_id]).get(record_id)
            if link is not None and link.state == "synced" and link.crm_id and link.erp_id:
                done.append(outcome.id)
    return mark_resolved(store, done) if done else 0
