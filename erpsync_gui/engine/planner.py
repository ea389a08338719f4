"""Planning one batch: for each changed source record, create / update / link / skip / conflict.

Reads both systems and the link store; writes nothing. A dry run shows exactly this plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from erpsync_gui import CHANNEL
from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine import policy as policies
from erpsync_gui.engine.fresh import FreshTarget
from erpsync_gui.engine.matcher import Match, Targets, find_twins
from erpsync_gui.engine.merge import base_of, plan_merge
from erpsync_gui.engine.retire import retire
from erpsync_gui.engine.types import Action, FieldChange, PlanItem
from erpsync_gui.errors import MappingError, OutcomeUnknownError
from erpsync_gui.mapping import EntityMapping, LookupResolver
from erpsync_gui.mapping.checksum import checksum_of
from erpsync_gui.records import Direction, Origin, Record, Side
from erpsync_gui.store import snapshots
from erpsync_gui.store.link import Link
from erpsync_gui.store.snapshots import Snapshot
from erpsync_gui.store.sync_state import SyncState
from erpsync_gui.timeutil import aware_utc


class Checksums:
    """Each record's canonical form and checksum computed once per batch (planning, bookkeeping and the merge
    snapshots all need them)."""

    def __init__(self, mapping: EntityMapping) -> None:
        self.mapping = mapping
        # per record and side: [the record, its canonical form, its checksum (None until asked for)]; the record
        # is kept with its values so its id() cannot be reused while the memo lives
        self._memo: dict[tuple[int, Side], list[Any]] = {}

    def canonical(self, side: Side, record: Record) -> dict[str, Any]:
        hit = self._memo.get((id(record), side))
        if hit is None:
            canonical = self.mapping.canonical(side, record.data)
            self._memo[(id(record), side)] = [record, canonical, None]
            return canonical
        return hit[1]

    def of(self, side: Side, record: Record) -> str:
        key = (id(record), side)
        hit = self._memo.get(key)
        if hit is None:
            canonical = self.mapping.canonical(side, record.data)
            checksum = checksum_of(canonical)
            self._memo[key] = [record, canonical, checksum]
            return checksum
        checksum = hit[2]
        if checksum is None:
            checksum = hit[2] = checksum_of(hit[1])
        return checksum


@dataclass
class PlanContext:
    entity: str
    mapping: EntityMapping
    policy: str
    direction: Direction
    key_fields: list[tuple[str, str]]
    connectors: dict[Side, Connector]
    names: dict[Side, str]
    state: SyncState
    resolver: LookupResolver
    now: datetime
    time_gate: timedelta
    checksums: Checksums
    #: field-level changes of creates are shown by a dry run only; a real run skips working them out
    show_creates: bool = False
    #: how far each system's clock is ahead of this PC's (newest_wins corrects modification times by it)
    clock_offsets: Mapping[Side, timedelta] = field(default_factory=dict)
    #: both sides as the matcher sees them (with the key index it builds once per run)
    targets: Mapping[Side, Targets] = field(default_factory=dict)
    #: the mapping changed: linked records are compared again (stored checksums were made under the old one)
    reevaluate: bool = False
    #: set while the target was empty and the entity had no links when this side's read began
    fresh: FreshTarget | None = None
    #: under the merge policy: the rule for a field both sides changed, and the batch's merge bases by link id
    merge_fallback: str = "ask"
    snapshots: Mapping[int, Snapshot] = field(default_factory=dict)


def _sum(link: Link, side: Side) -> str | None:
    return link.crm_checksum if side is Side.CRM else link.erp_checksum


def _twin_id(link: Link | None, side: Side) -> str | None:
    if link is None:
        return None
    return link.crm_id if side is Side.CRM else link.erp_id


def plan_batch(ctx: PlanContext, source_side: Side, records: Sequence[Record]) -> list[PlanItem]:
    target_side = source_side.other
    fresh = ctx.fresh
    asked = [r.id for r in records] if fresh is None else fresh.met_before(records)
    links = ctx.state.links_by_ids(source_side, asked) if asked else {}
    if links:
        # decided from the link alone (unchanged, our own echo, ...): no mapping, no twin fetched - this keeps a
        # re-sync that reads everything again cheap
        early = {r.id: item for r in records if (item := _decided_by_link(ctx, source_side, r, links.get(r.id)))}
        rest = [r for r in records if r.id not in early]
        twin_ids = [i for i in (_twin_id(links.get(r.id), target_side) for r in rest) if i]
    else:  # no record has a link (a first import): nothing is decided by one, no twin is fetched
        early, rest, twin_ids = {}, list(records), []
    twins = ctx.connectors[target_side].get_many(ctx.names[target_side], twin_ids) if twin_ids else {}
    if ctx.policy == "merge":
        link_ids = [i for r in rest if r.id in links if (i := links[r.id].id) is not None]
        ctx.snapshots = snapshots.load(ctx.state.store, link_ids) if link_ids else {}

    payloads: dict[str, dict[str, Any]] = {}
    mapping_errors: dict[str, MappingError] = {}
    map_record, resolver = ctx.mapping.map_record, ctx.resolver
    for record in rest:
        try:
            payloads[record.id] = map_record(record.data, to=target_side, resolver=resolver)
        except MappingError as exc:
            mapping_errors[record.id] = exc

    unlinked = [r for r in rest if _twin_id(links.get(r.id), target_side) is None] if links else rest
    if fresh is not None and unlinked:
        source, source_name = ctx.connectors[source_side], ctx.names[source_side]
        unlinked = [r for r in unlinked if fresh.may_have_twin(r.id, payloads.get(r.id))
                    or _ours(source.origin_of(source_name, r))]
    matches = find_twins(
        state=ctx.state, source=ctx.connectors[source_side], source_entity=ctx.names[source_side],
        target=ctx.targets[target_side], sources=[r for r in unlinked if r.id in payloads],
        payloads=payloads, key_fields=ctx.key_fields, mapping=ctx.mapping,
    ) if unlinked else {}

    items = []
    for record in records:
        link = links.get(record.id) if links else None
        match = matches.get(record.id) if matches else None
        if link is None and match is None and (payload := payloads.get(record.id)) is not None and (
                not mapping_errors or record.id not in mapping_errors):
            # no link, no twin: what _plan_one decides, without going through its other cases
            items.append(_new(ctx, source_side, target_side, record, payload))
            continue
        item = early.get(record.id) or _plan_one(ctx, source_side, record, link, twins, payloads.get(record.id),
                                                 mapping_errors.get(record.id), match)
        item.link = link
        if match is not None and match.link is not None and item.action is not Action.FAILED:
            if link is None:
                item.link = match.link
            else:
                item.absorbed_link = match.link
        items.append(item)
    return items


def _decided_by_link(ctx: PlanContext, side: Side, record: Record, link: Link | None) -> PlanItem | None:
    """The plan for a linked record when its link settles it; None when the record needs a full look."""
    if link is not None and link.state == "deleted":
        gone = (link.deleted_side or side.other.value).upper()
        return PlanItem(Action.SKIP, side, record, f"its twin was deleted in the {gone}; left as it is")
    if link is None or _twin_id(link, side.other) is None:
        return None
    if ctx.reevaluate and link.state == "synced":
        return None  # compared again under the new mapping
    checksum = ctx.checksums.of(side, record)
    waiting_here = link.state in ("pending", "failed") and link.pending_side == side.value
    if link.state != "conflict" and not waiting_here and _sum(link, side) == checksum:
        return PlanItem(Action.SKIP, side, record, "unchanged since the last sync")
    if link.state == "conflict" and _sum(link, side) == checksum and ctx.policy == "manual":
        # under another policy an open conflict is decided by it now (the policy may have changed)
        return PlanItem(Action.SKIP, side, record, "waiting for a decision on an earlier conflict")
    if link.state == "synced" and _own_write(link, side, record):
        return PlanItem(Action.REBASELINE, side, record, "the change is our own write (same transaction id)")
    if (link.state == "synced" and link.last_written_side == side.value and link.last_synced_at
            and ctx.now - aware_utc(link.last_synced_at) < ctx.time_gate):
        return PlanItem(Action.DEFER, side, record,
                        "changed again right after our write; looked at again on the next run")
    return None


def _plan_one(ctx: PlanContext, side: Side, record: Record, link: Link | None, twins: dict[str, Record],
              payload: dict[str, Any] | None, mapping_error: MappingError | None, match: Match | None) -> PlanItem:
    target_side = side.other
    twin_id = _twin_id(link, target_side)
    if mapping_error is not None:
        return PlanItem(Action.FAILED, side, record, "cannot be mapped", error=mapping_error)
    assert payload is not None

    if link is not None and twin_id is not None:
        twin = twins.get(twin_id)
        if twin is None:
            return retire(target_side, twin_id, link, survivor=record)
        stored = _sum(link, target_side)
        current = ctx.checksums.of(target_side, twin)
        ours = link.expected_side == target_side.value and link.expected_checksum == current
        # a pair in conflict stays one: a new change on either side is re-queued, never written over the other;
        # the twin as our unconfirmed update would have left it is no change of a person's
        twin_changed = link.state == "conflict" or (stored is not None and stored != current and not ours)
        if ctx.reevaluate:
            # under a new mapping neither side is known to be right: where they differ the policy decides
            twin_changed = True
        if not twin_changed:
            return _write_target(ctx, side, record, twin, payload, "changed since the last sync")
        if not _changes(ctx, target_side, payload, twin.data):
            return PlanItem(Action.REBASELINE, side, record, "both sides changed to the same values", target=twin)
        return _conflict(ctx, side, record, twin, payload, link=link)

    if match is not None and match.error is not None:
        return PlanItem(Action.FAILED, side, record, "no unique twin", error=match.error)
    if match is not None and match.deleted is not None:
        # our marker says it came from a record that is gone: never exported as new
        return retire(target_side, match.deleted, link, survivor=record)
    if match is None or match.record is None:
        if link is not None and link.create_unknown and not _findable(ctx, target_side, payload):
            # an earlier create may have landed and nothing can find it again: creating now could make two
            return PlanItem(Action.FAILED, side, record, "earlier create unconfirmed", error=OutcomeUnknownError(
                f"an earlier create of this record may have reached the {target_side.value.upper()} (no answer "
                "came back), and it cannot be looked up (no origin marker, no natural key value): not created again",
                hint=f"check the {target_side.value.upper()} for it; delete or keep it, then retry this record"))
        return _new(ctx, side, target_side, record, payload)
    twin = match.record
    if not _changes(ctx, target_side, payload, twin.data):
        return PlanItem(Action.LINK, side, record, f"already there (matched by {match.how})", target=twin)
    # a first link with differing values: no baseline says which side changed, so the policy decides
    return _conflict(ctx, side, record, twin, payload, f"matched by {match.how}; values differ")


def _new(ctx: PlanContext, side: Side, target_side: Side, record: Record, payload: dict[str, Any]) -> PlanItem:
    """A record with no twin, created on the other side (`target_side`). Its empty values follow the mapping's
    empty-value rule, the same for a create as for an update."""
    return PlanItem(Action.CREATE, side, record, "new record", write_side=target_side, payload=payload,
                    changes=_changes(ctx, target_side, payload, None) if ctx.show_creates else [])


def _write_target(ctx: PlanContext, side: Side, record: Record, twin: Record, payload: dict[str, Any],
                  reason: str) -> PlanItem:
    changes = _changes(ctx, side.other, payload, twin.data)
    if not changes:
        return PlanItem(Action.REBASELINE, side, record, "both sides already hold the same values", target=twin)
    return PlanItem(Action.UPDATE, side, record, reason, target=twin, write_side=side.other,
                    payload=payload, changes=changes)


def _conflict(ctx: PlanContext, side: Side, record: Record, twin: Record, payload: dict[str, Any],
              prefix: str = "", link: Link | None = None) -> PlanItem:
    if ctx.policy == "merge":
        return plan_merge(mapping=ctx.mapping, direction=ctx.direction, side=side, record=record, twin=twin,
                          payload=payload, base=base_of(link, ctx.snapshots), fallback=ctx.merge_fallback,
                          resolver=ctx.resolver, offsets=ctx.clock_offsets, prefix=prefix)
    winner, why = policies.decide(ctx.policy, side, record, twin, ctx.clock_offsets)
    reason = f"{prefix}; {why}" if prefix else why
    if winner is None:
        return PlanItem(Action.CONFLICT, side, record, reason, target=twin,
                        changes=_changes(ctx, side.other, payload, twin.data))
    if winner is side:
        item = _write_target(ctx, side, record, twin, payload, reason)
        return item
    if not ctx.direction.writes_to(side):
        return PlanItem(Action.SKIP, side, record,
                        f"{reason}; this run's direction ({ctx.direction.value}) does not write to the "
                        f"{side.value.upper()}, so the {side.value.upper()} change is not synced", target=twin)
    try:
        back = ctx.mapping.map_record(twin.data, to=side, resolver=ctx.resolver)
    except MappingError as exc:
        return PlanItem(Action.FAILED, side, record, "the winning twin cannot be mapped back", target=twin,
                        error=exc)
    changes = _changes(ctx, side, back, record.data)
    if not changes:
        return PlanItem(Action.REBASELINE, side, record, reason, target=twin)
    return PlanItem(Action.UPDATE_SOURCE, side, record, reason, target=twin, write_side=side,
                    payload=back, changes=changes)


def _changes(ctx: PlanContext, side: Side, payload: Mapping[str, Any],
             current: Mapping[str, Any] | None) -> list[FieldChange]:
    return [FieldChange(d.field, d.before, d.after) for d in ctx.mapping.diff(side, payload, current)]



def _ours(origin: Origin | None) -> bool:
    return origin is not None and origin.channel == CHANNEL


def _findable(ctx: PlanContext, target_side: Side, payload: Mapping[str, Any]) -> bool:
    """Could a record we created on `target_side` be found again: by our origin marker, or a natural key value?"""
    if ctx.connectors[target_side].capabilities(ctx.names[target_side]).origin_marker:
        return True
    index = 0 if target_side is Side.CRM else 1
    return any(payload.get(pair[index]) not in (None, "") for pair in ctx.key_fields)


def _own_write(link: Link, side: Side, record: Record) -> bool:
    """The record still is exactly what our last write left: our transaction id, and the version (or time)
    the write returned. The id alone proves nothing - a person's later edit keeps the stamp."""
    if not record.txn_id or record.txn_id != link.last_txn_id or link.last_written_side != side.value:
        return False
    version = link.crm_version if side is Side.CRM else link.erp_version
    if record.version is not None and version is not None:
        return record.version == version
    stamp = link.crm_updated_at if side is Side.CRM else link.erp_updated_at
    return record.updated_at is not None and stamp is not None and record.updated_at == aware_utc(stamp)
