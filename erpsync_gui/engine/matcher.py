"""Finding the twin of an unlinked record: our origin marker (on either record) first, then natural keys.

Runs once per batch with one query per key, not one per record. A candidate already linked to another
record, or two candidates for one key, is an error for a person, never a guess. The two sides' keys are
compared in one form: where the mapping toward the source loses information (digits_only turns
"INV-2026-00200" into "202600200"), the target's records are read once per run and indexed by their key in
the source's form, since a lookup by the mapped value would never find them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from erpsync_gui import CHANNEL
from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import PermanentError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import Record, Side
from erpsync_gui.store.link import Link
from erpsync_gui.store.sync_state import SyncState


@dataclass(frozen=True)
class Match:
    record: Record | None = None
    how: str = ""
    error: Exception | None = None
    #: the twin's own link (a half-link that failed or waits, or one retired when its partner was deleted):
    #: adopted, never duplicated
    link: Link | None = None
    #: the id of the twin our origin marker names, when that record no longer exists
    deleted: str | None = None


@dataclass
class Targets:
    """One side of a run as the matcher sees it: the connector and names, and the key index built once."""

    connector: Connector
    entity: str
    side: Side
    #: per CRM key field: the side's records by the key in the other side's canonical form
    index: dict[str, dict[object, list[Record]]] = field(default_factory=dict)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_twins(
    *,
    state: SyncState,
    source: Connector,
    source_entity: str,
    target: Targets,
    sources: Sequence[Record],
    payloads: Mapping[str, dict],
    key_fields: Sequence[tuple[str, str]],
    mapping: EntityMapping,
) -> dict[str, Match]:
    """Twins on the target side of unlinked source records, keyed by source id. Absent: no twin, create."""
    result: dict[str, Match] = {}
    if sources:
        result.update(_named_by_own_marker(source, source_entity, target, sources, key_fields, mapping))
        rest = [r for r in sources if r.id not in result]
        if rest and target.connector.capabilities(target.entity).origin_marker:
            for source_id, record in target.connector.find_by_origin(target.entity, CHANNEL,
                                                                     [r.id for r in rest]).items():
                result[source_id] = Match(record, "our origin marker")
    for crm_field, erp_field in key_fields:
        pending = [r for r in sources if r.id not in result and r.id in payloads]
        if pending:
            _by_key(target, pending, payloads, crm_field, erp_field, mapping, result)
    _reject_taken(state, target.side, result)
    return result


def _named_by_own_marker(source: Connector, source_entity: str, target: Targets, sources: Sequence[Record],
                         key_fields: Sequence[tuple[str, str]], mapping: EntityMapping) -> dict[str, Match]:
    """A record we created carries the id of the twin it came from: that twin, when it exists and its keys
    agree; when it is gone, the record is not exported as new (its twin was deleted)."""
    named: dict[str, str] = {}
    for record in sources:
        origin = source.origin_of(source_entity, record)
        if origin is not None and origin.channel == CHANNEL:
            named[record.id] = origin.source_id
    if not named:
        return {}
    found = target.connector.get_many(target.entity, sorted(set(named.values())))
    by_id = {r.id: r for r in sources}
    out: dict[str, Match] = {}
    for source_id, twin_id in named.items():
        twin = found.get(twin_id)
        if twin is None:
            out[source_id] = Match(deleted=twin_id)
        elif _keys_agree(mapping, key_fields, by_id[source_id], twin, target.side):
            out[source_id] = Match(twin, "its origin marker")
    return out


def _keys_agree(mapping: EntityMapping, key_fields: Sequence[tuple[str, str]], record: Record, twin: Record,
                target_side: Side) -> bool:
    """The first natural key both records have agrees (in the source's form); with none, the marker rules."""
    source_side = target_side.other
    for crm_field, _erp in key_fields:
        mine = mapping.key_form(crm_field, source_side, record.data, of=source_side)
        theirs = mapping.key_form(crm_field, source_side, twin.data, of=target_side)
        if not _empty(mine) and not _empty(theirs):
            return mine == theirs
    return True


def _by_key(target: Targets, pending: Sequence[Record], payloads: Mapping[str, dict], crm_field: str,
            erp_field: str, mapping: EntityMapping, result: dict[str, Match]) -> None:
    field_name = crm_field if target.side is Side.CRM else erp_field
    label = target.side.value.upper()
    source_side = target.side.other
    if mapping.lossy_toward(crm_field, source_side):
        index = _index(target, crm_field, mapping)
        found = {}
        keyed = {}
        for record in pending:
            value = mapping.key_form(crm_field, source_side, record.data, of=source_side)
            if not _empty(value):
                keyed[record.id] = value
                found[value] = index.get(value, [])
        shown = {rid: str(v) for rid, v in keyed.items()}
    else:
        keyed = {r.id: str(payloads[r.id][field_name]).strip() for r in pending
                 if not _empty(payloads[r.id].get(field_name))}
        if not keyed:
            return
        found = target.connector.find_by_keys(target.entity, field_name, sorted(set(keyed.values())))
        shown = keyed
    for record in pending:
        if record.id not in keyed:
            continue
        value = keyed[record.id]
        candidates = found.get(value, [])
        if len(candidates) > 1:
            ids = ", ".join(c.id for c in candidates[:5])
            result[record.id] = Match(error=PermanentError(
                f"{len(candidates)} {label} records have {field_name} = '{shown[record.id]}' (ids {ids}); "
                "cannot tell which is the twin",
                hint=f"make {field_name} unique in the {label}, or choose another match key"))
        elif candidates:
            result[record.id] = Match(candidates[0], f"{field_name} = '{shown[record.id]}'")


def _index(target: Targets, crm_field: str, mapping: EntityMapping) -> dict[object, list[Record]]:
    """The target's records by their key in the source's form, read once per run."""
    index = target.index.get(crm_field)
    if index is None:
        index = {}
        source_side = target.side.other
        for page in target.connector.changes(target.entity, None, 500):
            for record in page.records:
                value = mapping.key_form(crm_field, source_side, record.data, of=target.side)
                if not _empty(value):
                    index.setdefault(value, []).append(record)
        target.index[crm_field] = index
    return index


def _reject_taken(state: SyncState, target_side: Side, result: dict[str, Match]) -> None:
    """A twin may belong to one record only: already linked elsewhere, or claimed twice in this batch."""
    label = target_side.value.upper()
    matched = {sid: m for sid, m in result.items() if m.record is not None}
    if not matched:
        return
    links = state.links_by_ids(target_side, [m.record.id for m in matched.values() if m.record is not None])
    claimed: dict[str, str] = {}
    for source_id, match in matched.items():
        assert match.record is not None
        twin_id = match.record.id
        link = links.get(twin_id)
        other = None if link is None else (link.erp_id if target_side is Side.CRM else link.crm_id)
        if link is not None and (other is None or link.state == "deleted"):
            # the twin's own half-link, or the link it kept when its partner was deleted: this pair takes it
            result[source_id] = Match(match.record, match.how, link=link)
            other = None
        if other is not None and other != source_id:
            result[source_id] = Match(error=PermanentError(
                f"the {label} record {twin_id} found by {match.how} is already linked to "
                f"record {other}", hint="two source records share a natural key; make it unique"))
        elif twin_id in claimed:
            result[source_id] = Match(error=PermanentError(
                f"the {label} record {twin_id} found by {match.how} is also the twin of record "
                f"{claimed[twin_id]} in this batch", hint="two source records share a natural key"))
        else:
            claimed[twin_id] = source_id
