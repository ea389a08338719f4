"""Deciding the conflicts the `manual` policy queued: a person picks, per field, the CRM's or the ERP's
value; the merged record is written to both systems and the link is synced again.

Blocking (it talks to both systems): the GUI calls it from a worker thread.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from erpsync_gui.app.service import SyncService
from erpsync_gui.errors import ConfigError, ERPSyncError, MappingError, StaleVersionError
from erpsync_gui.mapping import EntityMapping, FieldMap
from erpsync_gui.mapping.types import parse_scalar, to_decimal
from erpsync_gui.records import Record, Side
from erpsync_gui.store.conflict_queries import (
    LinkSides,
    OpenConflict,
    get_open_conflict,
    open_conflicts,
    settle_conflict,
)
from erpsync_gui.store.sync_state import SyncState

CHOICES = ("crm", "erp")
log = logging.getLogger("erpsync.app")

__all__ = ["CHOICES", "OpenConflict", "ResolvedConflict", "list_conflicts", "merged_values", "resolve"]


@dataclass(frozen=True)
class ResolvedConflict:
    conflict_id: int
    entity: str
    #: both records as the systems hold them after the writes
    crm: Record
    erp: Record


def list_conflicts(service: SyncService, profile_name: str | None = None,
                   entity: str | None = None) -> list[OpenConflict]:
    """The profile's undecided conflicts, oldest first."""
    profile = service.profile(profile_name)
    return open_conflicts(service.store, profile.stored_id, entity)


class _Resolver:
    """Lookup ids through the link store (the mapping's LookupResolver)."""

    def __init__(self, state: SyncState) -> None:
        self.state = state

    def resolve(self, entity: str, from_side: Side, source_id: str) -> str | None:
        return self.state.translate(entity, from_side, str(source_id))


def merged_values(conflict: OpenConflict, choice: Mapping[str, str]) -> dict[str, Any]:
    """The merged record in CRM field names. Every differing field needs a choice; equal fields keep
    their common value."""
    bad = {f: c for f, c in choice.items() if c not in CHOICES}
    if bad:
        raise ConfigError(f"Unknown choice for {', '.join(map(repr, bad))}", hint="pick 'crm' or 'erp' per field")
    missing = [f for f in conflict.differing if f not in choice]
    if missing:
        raise ConfigError(f"No value picked for {', '.join(missing)}", hint="pick the CRM or the ERP value of "
                                                                          "every field that differs")
    names = dict.fromkeys([*conflict.crm_values, *conflict.erp_values])
    return {name: (conflict.erp_values if choice.get(name, "crm") == "erp" else conflict.crm_values).get(name)
            for name in names}


def _crm_value(f: FieldMap, value: Any, from_erp: bool, translate: Callable[[str, str], str | None]) -> Any:
    """A common (canonical, CRM-termed) value typed for the CRM; ERP lookup ids become CRM ids."""
    if value is None:
        return None
    if f.type == "lookup":
        text = str(value)
        if from_erp:
            found = translate(f.lookup or "", text)
            if found is None:
                raise MappingError(f"field {f.crm!r}: the ERP's {f.lookup} {text} is not synced to the CRM",
                                   field=f.crm, hint=f"sync {f.lookup} first, or keep the CRM value")
            text = found
        return _natural(text)
    if f.type in ("picklist", "currency"):
        return _natural(str(value))
    if f.type == "price":
        return to_decimal(value)
    if f.type == "lines":
        rows = {sub.crm: sub for sub in f.fields}
        return [{name: _crm_value(rows[name], v, from_erp, translate) if name in rows else v
                 for name, v in line.items()} for line in value]
    return parse_scalar(f.type, value)


def _natural(text: str) -> Any:
    return int(text) if text.isdigit() and not text.startswith("0") else text


def _common(mapping: EntityMapping, side: Side, record: Record) -> dict[str, Any]:
    return json.loads(json.dumps(mapping.to_common(side, record.data), default=str, ensure_ascii=False))


def resolve(service: SyncService, profile_name: str, conflict_id: int, choice: Mapping[str, str]) -> ResolvedConflict:
    """Write the merged record to both systems, then (one store transaction) sync the link and close the
    conflict. Refuses when either record changed again since the conflict was recorded."""
    profile = service.profile(profile_name)
    conflict = get_open_conflict(service.store, profile.stored_id, conflict_id)
    if conflict.crm_id is None or conflict.erp_id is None:
        raise ConfigError(f"Conflict {conflict_id} lacks the {'CRM' if conflict.crm_id is None else 'ERP'} record",
                          hint="run the sync again; the conflict is recorded anew")
    cfg = profile.entity(conflict.entity)
    mapping = EntityMapping.from_config(cfg)
    merged = merged_values(conflict, choice)
    state = SyncState(service.store, profile.stored_id, conflict.entity)
    resolver = _Resolver(state)

    def translate(lookup: str, erp_id: str) -> str | None:
        return resolver.resolve(lookup, Side.ERP, erp_id)

    crm_payload: dict[str, Any] = {}
    for f in mapping.fields:
        if f.crm in merged and f.flows_to(Side.CRM) and f.crm not in crm_payload:
            crm_payload[f.crm] = _crm_value(f, merged[f.crm], choice.get(f.crm) == "erp", translate)
    # the ERP payload is mapped from all merged values, export-only fields included
    full = dict(crm_payload)
    for f in mapping.fields:
        if f.crm in merged and f.crm not in full:
            full[f.crm] = _crm_value(f, merged[f.crm], choice.get(f.crm) == "erp", translate)
    erp_payload = mapping.map_record(full, to=Side.ERP, resolver=resolver)
    # a row that only ever flows from the ERP (a lookup of the ERP's city name, say) follows the ERP's value as
    # this decision leaves it, not the value it had when the conflict was recorded
    from_erp = mapping.map_record(erp_payload, to=Side.CRM, resolver=resolver)
    for f in mapping.fields:
        if f.flows_to(Side.CRM) and not f.flows_to(Side.ERP) and f.crm in from_erp and f.erp in erp_payload:
            crm_payload[f.crm] = from_erp[f.crm]

    names = {side: cfg.name_on(side) for side in Side}
    ids = {Side.CRM: conflict.crm_id, Side.ERP: conflict.erp_id}
    recorded = {Side.CRM: conflict.crm_values, Side.ERP: conflict.erp_values}
    txn_id = str(uuid.uuid4())
    written: dict[Side, Record] = {}
    with service.connectors(profile) as connectors:
        current: dict[Side, Record] = {}
        for side in Side:
            found = connectors[side].get_many(names[side], [ids[side]]).get(ids[side])
            if found is None:
                raise StaleVersionError(f"The {side.value.upper()} record {ids[side]} no longer exists",
                                        hint="run the sync again; the conflict is recorded anew")
            if _common(mapping, side, found) != recorded[side]:
                raise StaleVersionError(
                    f"The {side.value.upper()} record {ids[side]} changed again since the conflict was recorded",
                    hint="run the sync again to see the newest values, then decide")
            current[side] = found
        payloads = {Side.ERP: erp_payload, Side.CRM: crm_payload}
        for side in (Side.ERP, Side.CRM):
            try:
                written[side] = connectors[side].update(names[side], ids[side], payloads[side],
                                                        version=current[side].version, txn_id=txn_id)
            except ERPSyncError as exc:
                if written:  # the ERP holds the decision, the CRM not: the next sync shows the conflict again
                    log.warning("conflict %s: the ERP was written, the CRM refused: %s", conflict_id,
                                service.redact(str(exc)), extra={"profile_id": profile.id, "entity": cfg.entity})
                raise
    crm, erp = written[Side.CRM], written[Side.ERP]
    settle_conflict(service.store, conflict, LinkSides(
        crm_id=crm.id, erp_id=erp.id,
        crm_checksum=mapping.checksum(Side.CRM, crm.data), erp_checksum=mapping.checksum(Side.ERP, erp.data),
        crm_version=crm.version, erp_version=erp.version,
        crm_updated_at=crm.updated_at, erp_updated_at=erp.updated_at, txn_id=txn_id,
    ))
    return ResolvedConflict(conflict_id, conflict.entity, crm, erp)
