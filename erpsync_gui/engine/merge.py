"""The `merge` policy: a three-way merge, field by field, of a pair both sides changed.

The base is the pair as the last sync left it, kept per field as a short digest of each side's canonical
value (a snapshot taken whenever a pair is synced). A field only one side changed since is taken from that
side, so edits to different fields on both sides all survive; a field both sides changed (or any differing
field of a pair with no base yet, such as a first link) falls back to its row's `merge` rule, else the
entity's `merge_fallback`: crm_wins, erp_wins, newest_wins (the newer record, as the policy module decides
it) or ask (the pair waits for a person, nothing of it is written).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from erpsync_gui.engine import policy as policies
from erpsync_gui.engine.types import Action, FieldChange, PlanItem
from erpsync_gui.errors import MappingError
from erpsync_gui.mapping import EntityMapping, LookupResolver
from erpsync_gui.mapping.checksum import field_digest, text_digest
from erpsync_gui.mapping.spec import FieldMap
from erpsync_gui.records import Direction, Record, Side
from erpsync_gui.store.link import Link
from erpsync_gui.store.snapshots import Snapshot, stamp

#: actions after which the pair is in step: its snapshot is taken again
SYNCED = frozenset({Action.CREATE, Action.UPDATE, Action.UPDATE_SOURCE, Action.LINK, Action.REBASELINE})


#: the snapshot's keys of the two sides, as plain text (read once, not per record)
_CRM_KEY, _ERP_KEY = Side.CRM.value, Side.ERP.value


def snapshot_of(mapping: EntityMapping, crm: Record, erp: Record, link: Link,
                canonical: Callable[[Side, Record], Mapping[str, Any]] | None = None) -> Snapshot:
    """The pair's base as of now (the link's last sync time must already be set). `canonical` gives a record's
    canonical form (a batch's memo), by default the mapping's."""
    canon = canonical or (lambda side, record: mapping.canonical(side, record.data))
    return Snapshot(stamp(link.last_synced_at), {
        _CRM_KEY: _digests(canon(Side.CRM, crm), {}), _ERP_KEY: _digests(canon(Side.ERP, erp), {})})


_NULL_DIGEST = field_digest(None)


def _digests(canonical: Mapping[str, Any], texts: dict[Any, str]) -> dict[str, str]:
    """Each field's digest; a text value's from `texts` when it came before (a pair's two sides mostly hold the
    same texts, and towns, countries and codes repeat across a batch): one digest per distinct text."""
    known = texts.get
    try:
        # `texts` holds only text keys and None: any other value misses it (1 == True == 1.0, but none is a key)
        return {name: known(value) or _new_digest(value, texts) for name, value in canonical.items()}
    except TypeError:  # a value that cannot be a key (a list, a dict): each digest on its own
        return {name: field_digest(value) for name, value in canonical.items()}


def _new_digest(value: Any, texts: dict[Any, str]) -> str:
    if type(value) is str:
        # the batch's own memo stands for the shared one: a text new to the batch is mostly new to the run (a
        # name, a number), and a town met in another batch costs one digest per batch
        digest = texts[value] = text_digest(value)
        return digest
    return field_digest(value)


def snapshots_of(mapping: EntityMapping, items: Sequence[PlanItem],
                 canonical: Callable[[Side, Record], Mapping[str, Any]] | None = None) -> list[tuple[Link, Snapshot]]:
    """Snapshots of the pairs a batch left in step, each with its link (whose id may come at commit)."""
    canon = canonical or (lambda side, record: mapping.canonical(side, record.data))
    texts: dict[Any, str] = {None: _NULL_DIGEST}
    # a batch's links mostly share one sync time: its text form is made once
    last_synced, synced_at = None, ""
    crm_side, erp_side = Side.CRM, Side.ERP
    out = []
    for item in items:
        link = item.link
        target = item.target
        if link is None or target is None or link.state != "synced" or item.action not in SYNCED:
            continue
        crm, erp = (item.source, target) if item.source_side is crm_side else (target, item.source)
        if crm.data and erp.data:
            if link.last_synced_at is not last_synced or not synced_at:
                last_synced, synced_at = link.last_synced_at, stamp(link.last_synced_at)
            out.append((link, Snapshot(synced_at, {_CRM_KEY: _digests(canon(crm_side, crm), texts),
                                                   _ERP_KEY: _digests(canon(erp_side, erp), texts)})))
    return out


@dataclass(frozen=True)
class FieldDecision:
    """Who gives a field its value: the CRM, the ERP, or a person (None); `why` says on what ground."""

    row: FieldMap
    winner: Side | None
    why: str


@dataclass
class MergeOutcome:
    decisions: list[FieldDecision] = field(default_factory=list)

    def fields_from(self, side: Side | None) -> list[FieldMap]:
        return [d.row for d in self.decisions if d.winner is side]


def base_of(link: Link | None, snapshots: Mapping[int, Snapshot]) -> Snapshot | None:
    """The snapshot of the link's last sync; None when there is none or it is from another sync."""
    if link is None or link.id is None:
        return None
    snap = snapshots.get(link.id)
    if snap is None or snap.synced_at != stamp(link.last_synced_at):
        return None
    return snap


def decide_fields(mapping: EntityMapping, crm: Record, erp: Record, base: Snapshot | None, fallback: str,
                  to_erp: Mapping[str, Any], to_crm: Mapping[str, Any],
                  offsets: Mapping[Side, timedelta]) -> MergeOutcome:
    """A decision for every field whose values differ between the two records."""
    outcome = MergeOutcome()
    canon = {Side.CRM: mapping.canonical(Side.CRM, crm.data), Side.ERP: mapping.canonical(Side.ERP, erp.data)}
    for row in mapping.fields:
        if not _differs(mapping, row, crm, erp, to_erp, to_crm):
            continue
        changed = {side: base is None or base.digest(side, row.name_on(side)) != field_digest(canon[side].get(
            row.name_on(side))) for side in Side}
        if changed[Side.CRM] != changed[Side.ERP]:
            winner = Side.CRM if changed[Side.CRM] else Side.ERP
            outcome.decisions.append(FieldDecision(row, winner, f"only the {winner.value.upper()} changed it"))
            continue
        rule = row.merge or fallback
        ground = "no synced state to compare with" if base is None else "both sides changed it"
        outcome.decisions.append(_by_rule(row, rule, ground, crm, erp, offsets))
    return outcome


def _differs(mapping: EntityMapping, row: FieldMap, crm: Record, erp: Record, to_erp: Mapping[str, Any],
             to_crm: Mapping[str, Any]) -> bool:
    for side, payload, current in ((Side.ERP, to_erp, erp), (Side.CRM, to_crm, crm)):
        name = row.name_on(side)
        if row.flows_to(side) and name in payload:
            return bool(mapping.diff(side, {name: payload[name]}, current.data))
    return False


def _by_rule(row: FieldMap, rule: str, ground: str, crm: Record, erp: Record,
             offsets: Mapping[Side, timedelta]) -> FieldDecision:
    if rule == "crm_wins":
        return FieldDecision(row, Side.CRM, f"{ground}; the CRM wins it (crm_wins)")
    if rule == "erp_wins":
        return FieldDecision(row, Side.ERP, f"{ground}; the ERP wins it (erp_wins)")
    if rule == "newest_wins":
        winner, why = policies.decide("newest_wins", Side.CRM, crm, erp, offsets)
        return FieldDecision(row, winner, f"{ground}; {why.removeprefix('both sides changed; ')}")
    return FieldDecision(row, None, f"{ground}; waiting for a decision (ask)")


def plan_merge(*, mapping: EntityMapping, direction: Direction, side: Side, record: Record, twin: Record,
               payload: dict, base: Snapshot | None, fallback: str, resolver: LookupResolver | None,
               offsets: Mapping[Side, timedelta], prefix: str = "") -> PlanItem:
    """The plan for a pair both sides changed, under the merge policy. `payload` is `record` mapped to the
    twin's side."""
    target = side.other
    try:
        back = mapping.map_record(twin.data, to=side, resolver=resolver)
    except MappingError as exc:
        return PlanItem(Action.FAILED, side, record, "the twin cannot be mapped back for a merge", target=twin,
                        error=exc)
    crm, erp = (record, twin) if side is Side.CRM else (twin, record)
    to_erp, to_crm = (payload, back) if side is Side.CRM else (back, payload)
    outcome = decide_fields(mapping, crm, erp, base, fallback, to_erp, to_crm, offsets)
    lead = f"{prefix}; " if prefix else ""
    asked = outcome.fields_from(None)
    if asked:
        names = ", ".join(row.crm for row in asked)
        changes = [FieldChange(row.name_on(target), twin.data.get(row.name_on(target)),
                               payload.get(row.name_on(target))) for row in asked]
        return PlanItem(Action.CONFLICT, side, record,
                        f"{lead}both sides changed {names}; waiting for a decision (merge)", target=twin,
                        changes=changes)
    # a value goes to the side that lost the field, where the row and the run's direction allow it
    write = {t: {row.name_on(t): p[row.name_on(t)] for row in outcome.fields_from(t.other)
                 if row.flows_to(t) and row.name_on(t) in p}
             for t, p in ((Side.ERP, to_erp), (Side.CRM, to_crm)) if direction.writes_to(t)}
    reason = lead + _summary(outcome)
    forward, backward = write.get(target) or {}, write.get(side) or {}
    changes = [FieldChange(f.field, f.before, f.after) for s, p, cur in
               ((target, forward, twin), (side, backward, record)) for f in mapping.diff(s, p, cur.data)]
    if forward and backward:
        return PlanItem(Action.UPDATE, side, record, reason, target=twin, write_side=target, payload=forward,
                        changes=changes, back_payload=backward)
    if forward:
        return PlanItem(Action.UPDATE, side, record, reason, target=twin, write_side=target, payload=forward,
                        changes=changes)
    if backward:
        return PlanItem(Action.UPDATE_SOURCE, side, record, reason, target=twin, write_side=side, payload=backward,
                        changes=changes)
    return PlanItem(Action.REBASELINE, side, record, reason or "both sides hold the same values", target=twin)


def _summary(outcome: MergeOutcome) -> str:
    """"merged: phonenumber from the CRM (only the CRM changed it); city from the ERP (...)"."""
    parts = [f"{d.row.crm} from the {d.winner.value.upper()} ({d.why})" for d in outcome.decisions if d.winner]
    return "merged: " + "; ".join(parts) if parts else "merged: nothing to write"
