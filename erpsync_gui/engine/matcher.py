"""Finding the twin of an unlinked record: our origin marker first, then natural keys.

Runs once per batch with one query per key, not one per record. A candidate already linked to another
record, or two candidates for one key, is an error for a person, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from erpsync_gui import CHANNEL
from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import Record, Side
from erpsync_gui.store.sync_state import SyncState


@dataclass(frozen=True)
class Match:
    record: Record | None = None
    how: str = ""
    error: Exception | None = None
    #: the twin's own half-link (it failed or waits to sync the other way): adopted, never duplicated
    link: object = None


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_twins(
    *,
    state: SyncState,
    target: Connector,
    target_entity: str,
    target_side: Side,
    sources: Sequence[Record],
    payloads: Mapping[str, dict],
    key_fields: Sequence[tuple[str, str]],
) -> dict[str, Match]:
    """Twins on `target_side` of unlinked source records, keyed by source id. Absent: no twin, create."""
    result: dict[str, Match] = {}
    label = target_side.value.upper()
    if target.capabilities(target_entity).origin_marker and sources:
        by_origin = target.find_by_origin(target_entity, CHANNEL, [r.id for r in sources])
        for source_id, record in by_origin.items():
            result[source_id] = Match(record, "our origin marker")

    for crm_field, erp_field in key_fields:
        field = crm_field if target_side is Side.CRM else erp_field
        pending = [r for r in sources if r.id not in result and r.id in payloads
                   and not _empty(payloads[r.id].get(field))]
        if not pending:
            continue
        values = sorted({str(payloads[r.id][field]).strip() for r in pending})
        found = target.find_by_keys(target_entity, field, values)
        for record in pending:
            value = str(payloads[record.id][field]).strip()
            candidates = found.get(value, [])
            if len(candidates) > 1:
                ids = ", ".join(c.id for c in candidates[:5])
                result[record.id] = Match(error=PermanentError(
                    f"{len(candidates)} {label} records have {field} = '{value}' (ids {ids}); "
                    "cannot tell which is the twin",
                    hint=f"make {field} unique in the {label}, or choose another match key"))
            elif candidates:
                result[record.id] = Match(candidates[0], f"{field} = '{value}'")

    _reject_taken(state, target_side, result)
    return result


def _reject_taken(state: SyncState, target_side: Side, result: dict[str, Match]) -> None:
    """A twin may belong to one record only: already linked elsewhere, or claimed twice in this batch."""
    label = target_side.value.upper()
    matched = {sid: m for sid, m in result.items() if m.record is not None}
    if not matched:
        return
    links = state.links_by_ids(target_side, [m.record.id for m in matched.values()])
    claimed: dict[str, str] = {}
    for source_id, match in matched.items():
        twin_id = match.record.id
        link = links.get(twin_id)
        other = None if link is None else (link.erp_id if target_side is Side.CRM else link.crm_id)
        if link is not None and other is None:
            result[source_id] = Match(match.record, match.how, link=link)
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
