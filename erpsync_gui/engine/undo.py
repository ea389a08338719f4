"""Undo a run: restore what it wrote, where nothing changed it since, from its before-images.

For each record the run updated, every field it changed goes back to its earlier value, unless the field's
value now is not the one the run left (a person or another run changed it since: that field is listed, not
touched). Each record the run created is deleted, or archived where the system cannot delete, when it is
still exactly as the run left it. A plan comes first (the dry run) and lists what cannot be undone and why;
carrying it out is itself a run whose writes keep before-images, so an undo can be undone: its restores are
restored again, and a record it deleted is created again from the values it held (and linked to its twin
again, so the next sync neither creates the twin a second time nor sees a change). A record an undo archived
is listed (a reactivation needs the system's own flag). The undone side's link checksum is brought up to date,
so the next sync does not take the restored values for a new change and pass them on; the other side keeps
its values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from erpsync_gui import CHANNEL
from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Origin, Record, Side
from erpsync_gui.store import undo_store
from erpsync_gui.store.db import Store
from erpsync_gui.store.link import Link
from erpsync_gui.store.sync_state import BatchCommit, SyncState

#: the before-image of a record an undo deleted or archived (its values, and how and from which twin)
REMOVED = "remove"
_OUTCOME_ACTIONS = {"restore": "update", "delete": "deleted", "archive": "deleted", "recreate": "create"}


@dataclass(frozen=True)
class UndoStep:
    """One write undo makes: restore fields of a record, or delete / archive a record the run created."""

    side: Side
    record_id: str
    action: str  # restore | delete | archive | recreate
    #: restore: the values to write back; recreate: the values the deleted record held
    fields: Mapping[str, Any] = field(default_factory=dict)
    #: the values the fields hold now (what a restore replaces); delete / archive: the record's mapped values
    current: Mapping[str, Any] = field(default_factory=dict)
    #: recreate: the linked record on the other side, to link the new record to again
    twin: str | None = None


@dataclass(frozen=True)
class CannotUndo:
    side: Side
    record_id: str
    reason: str


@dataclass(frozen=True)
class UndoPlan:
    run_id: int
    entity: str
    steps: tuple[UndoStep, ...]
    cannot: tuple[CannotUndo, ...]


@dataclass(frozen=True)
class UndoResult:
    plan: UndoPlan
    #: the undo's own run (which can be undone in turn)
    run_id: int
    done: int
    failed: tuple[CannotUndo, ...]
    status: str


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _same(mapping: EntityMapping, side: Side, name: str, value: Any, record: Record) -> bool:
    return not mapping.diff(side, {name: value}, record.data)


def plan_undo(store: Store, profile: ProfileConfig, connectors: Mapping[Side, Connector], run_id: int) -> UndoPlan:
    """What undoing `run_id` would do now; writes nothing."""
    assert profile.id is not None
    run = undo_store.run_of(store, profile.id, run_id)
    cfg = profile.entity(run.entity)
    mapping = EntityMapping.from_config(cfg)
    # per record: the earliest value before and the last value after the run's writes
    merged: dict[tuple[Side, str], dict[str, Any]] = {}
    removed: list[tuple[Side, str, dict[str, Any], dict[str, Any]]] = []
    for image in undo_store.images_of(store, run_id):
        if image.action == REMOVED:
            removed.append((Side(image.side), image.record_id, image.before or {}, image.after or {}))
            continue
        key = (Side(image.side), image.record_id)
        entry = merged.setdefault(key, {"action": image.action, "before": {}, "after": {}})
        if image.action == "create":
            entry["action"] = "create"
        for name, value in (image.before or {}).items():
            entry["before"].setdefault(name, value)
        entry["after"].update(image.after or {})
    current: dict[Side, dict[str, Record]] = {}
    for side in Side:
        ids = [record_id for (s, record_id) in merged if s is side] + [r[1] for r in removed if r[0] is side]
        current[side] = connectors[side].get_many(cfg.name_on(side), ids) if ids else {}
    steps: list[UndoStep] = []
    cannot: list[CannotUndo] = []
    for (side, record_id), entry in merged.items():
        record = current[side].get(record_id)
        label = side.value.upper()
        if record is None:
            cannot.append(CannotUndo(side, record_id, f"the {label} record no longer exists"))
            continue
        changed = [n for n, v in entry["after"].items() if not _same(mapping, side, n, v, record)]
        if entry["action"] == "create":
            if changed:
                cannot.append(CannotUndo(side, record_id,
                                         f"created by the run, changed since ({', '.join(changed)}); left as it is"))
                continue
            caps = connectors[side].capabilities(cfg.name_on(side))
            if caps.delete or caps.archive:
                values = _jsonable({n: record.data.get(n) for n in mapping.field_names(side) if n in record.data})
                steps.append(UndoStep(side, record_id, "delete" if caps.delete else "archive", current=values))
            else:
                cannot.append(CannotUndo(side, record_id, f"the {label} can neither delete nor archive a record; "
                                                          "remove it there by hand"))
            continue
        if changed:
            cannot.append(CannotUndo(side, record_id, f"changed since the run: {', '.join(changed)} (left as it is)"))
        restore = {n: v for n, v in entry["before"].items()
                   if n not in changed and not _same(mapping, side, n, v, record)}
        if restore:
            steps.append(UndoStep(side, record_id, "restore", restore,
                                  _jsonable({n: record.data.get(n) for n in restore})))
    for side, record_id, values, how in removed:
        label = side.value.upper()
        if how.get("how") != "delete":
            cannot.append(CannotUndo(side, record_id, f"archived by the undo; reactivate it in the {label} by hand"))
        elif record_id in current[side]:
            cannot.append(CannotUndo(side, record_id, f"the {label} record exists again; left as it is"))
        elif not values:
            cannot.append(CannotUndo(side, record_id, "its values were not kept; create it again by hand"))
        else:
            steps.append(UndoStep(side, record_id, "recreate", values, twin=how.get("twin")))
    return UndoPlan(run_id, run.entity, tuple(steps), tuple(cannot))


def apply_undo(store: Store, profile: ProfileConfig, connectors: Mapping[Side, Connector], plan: UndoPlan, *,
               now: datetime, trigger: str = "undo") -> UndoResult:
    """Carry out `plan` as a run of its own (with before-images, so that it can be undone in turn)."""
    assert profile.id is not None
    cfg = profile.entity(plan.entity)
    mapping = EntityMapping.from_config(cfg)
    state = SyncState(store, profile.id, plan.entity)
    run_id = state.start_run("both", trigger, "undo")
    commit = BatchCommit()
    failed: list[CannotUndo] = []
    touched_links: list[int] = []
    done = 0
    base = {"run_id": run_id, "profile_id": profile.id, "entity": plan.entity, "created_at": now}
    for step in plan.steps:
        link = state.links_by_ids(step.side, [step.record_id]).get(step.record_id)
        if step.action == "recreate":
            link = _twin_link(state, step)
        try:
            record_id, image = _carry_out(connectors[step.side], cfg.name_on(step.side), step, link, mapping)
        except ERPSyncError as exc:
            failed.append(CannotUndo(step.side, step.record_id, f"{step.action} failed: {exc}"))
            continue
        done += 1
        commit.before_images.append({**base, "side": step.side.value, "record_id": record_id, **image})
        if link is not None:
            if step.action in ("delete", "archive"):
                _retire(link, step.side, now)
            commit.links.append(link)
            if link.id is not None:
                touched_links.append(link.id)
        commit.outcomes.append({
            **base, "crm_id": record_id if step.side is Side.CRM else (link.crm_id if link else None),
            "erp_id": record_id if step.side is Side.ERP else (link.erp_id if link else None),
            "action": _OUTCOME_ACTIONS[step.action], "target_side": step.side.value,
            "error_kind": None, "signature": None, "payload_excerpt": None, "resolution": None,
            "message": f"undo of run {plan.run_id}: " + (f"restored {', '.join(step.fields)}"
                                                           if step.action == "restore" else f"{step.action}d"),
        })
    state.commit(commit)
    undo_store.forget_bases(store, touched_links)
    status = "success" if not failed else ("partial" if done else "failed")
    message = f"undo of run {plan.run_id}: {done} done" + (f", {len(failed)} failed" if failed else "")
    state.finish_run(run_id, status, {"processed": len(plan.steps), "updated": done, "failed": len(failed)},
                     message, count_in_stats=False)
    return UndoResult(plan, run_id, done, tuple(failed), status)


def _carry_out(connector: Connector, name: str, step: UndoStep, link: Link | None,
               mapping: EntityMapping) -> tuple[str, dict[str, Any]]:
    """Make one step's write; the id of the record written and its before-image (so that it can be undone)."""
    if step.action == "restore":
        written = connector.update(name, step.record_id, dict(step.fields))
        if link is not None:
            _set_side(link, step.side, written, mapping)
        return step.record_id, {"action": "update", "before": dict(step.current),
                                "after": _jsonable({n: written.data.get(n) for n in step.fields})}
    if step.action == "recreate":
        # marked as ours, from its twin: the next sync finds the pair, and a lost reply is found again
        origin = Origin(CHANNEL, step.twin) if step.twin is not None else None
        written = connector.create(name, dict(step.fields), origin=origin)
        if link is not None:
            _relink(link, step.side, written, mapping)
        return written.id, {"action": "create", "before": None,
                            "after": _jsonable({n: written.data.get(n) for n in step.fields})}
    if step.action == "delete":
        connector.delete(name, step.record_id)
    else:
        connector.archive(name, step.record_id)
    twin = link.id_on(step.side.other) if link is not None else None
    return step.record_id, {"action": REMOVED, "before": dict(step.current),
                            "after": {"how": step.action, "twin": twin}}


def _twin_link(state: SyncState, step: UndoStep) -> Link | None:
    """The retired link of a deleted record, found by its twin (the one id it kept)."""
    if step.twin is None:
        return None
    link = state.links_by_ids(step.side.other, [step.twin]).get(step.twin)
    return link if link is not None and link.id_on(step.side) is None else None


def _relink(link: Link, side: Side, record: Record, mapping: EntityMapping) -> None:
    """The record is back under a new id: the pair is whole again, as the last sync left it."""
    if side is Side.CRM:
        link.crm_id = record.id
    else:
        link.erp_id = record.id
    _set_side(link, side, record, mapping)
    link.state, link.deleted_side, link.deleted_at = "synced", None, None


def _set_side(link, side: Side, record: Record, mapping: EntityMapping) -> None:
    checksum = mapping.checksum(side, record.data)
    if side is Side.CRM:
        link.crm_checksum, link.crm_version, link.crm_updated_at = checksum, record.version, record.updated_at
    else:
        link.erp_checksum, link.erp_version, link.erp_updated_at = checksum, record.version, record.updated_at


def _retire(link, side: Side, now: datetime) -> None:
    """The run's create is undone: the link is retired, so the next sync does not create the record again."""
    if side is Side.CRM:
        link.crm_id, link.crm_checksum = None, None
    else:
        link.erp_id, link.erp_checksum = None, None
    link.state, link.deleted_side, link.deleted_at = "deleted", side.value, now
    link.pending_side, link.create_unknown, link.last_error = None, False, None
