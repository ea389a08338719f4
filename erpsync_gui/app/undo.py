"""Undo a run, for the CLI and the window: the plan first (a dry run), then, when asked, the undo itself,
under the entity's run lock like any other run."""

from __future__ import annotations

from erpsync_gui.app.service import SyncService
from erpsync_gui.engine.undo import UndoPlan, UndoResult, apply_undo, plan_undo
from erpsync_gui.store import undo_store
from erpsync_gui.store.sync_state import utcnow


def preview_undo(service: SyncService, run_id: int, profile_name: str | None = None) -> UndoPlan:
    profile = service.profile(profile_name)
    with service.connectors(profile) as connectors:
        return plan_undo(service.store, profile, connectors, run_id)


def undo_run(service: SyncService, run_id: int, profile_name: str | None = None) -> UndoResult:
    """Plan the undo again (the records may have changed since the preview) and carry it out."""
    profile = service.profile(profile_name)
    assert profile.id is not None
    entity = undo_store.run_of(service.store, profile.id, run_id).entity
    # one run of the entity at a time, in this process, on this PC and on a shared store (EntityBusyError)
    with service.entity_locks(profile, entity), service.connectors(profile) as connectors:
        plan = plan_undo(service.store, profile, connectors, run_id)
        result = apply_undo(service.store, profile, connectors, plan, now=utcnow())
    undo_store.prune(service.store, utcnow())
    return result
