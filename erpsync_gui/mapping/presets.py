"""Default mappings declared per connector kind and composed per pair.

A kind does not know the system on the other side. It declares, per entity it offers, which of its own fields
hold the product's common fields (the common names are the product's ERP dialect: `name`, `customer_number`,
`vat`, `email`, `phone`, `address`, `number`, `date`, `total`, `lines` with `description`, `qty`,
`unit_price` ...; COMMON_FIELDS lists them) and by which common fields it can find a record again. The pair's
mapping joins the two declarations on the common names: a common field both kinds hold becomes one mapping
row, an entity only one kind offers is not offered. Value maps go through the common words too (a kind maps
its own statuses to the common ones), so two kinds that never heard of each other still agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from erpsync_gui.entities import ENTITIES
from erpsync_gui.mapping.types import key, natural_scalar
from erpsync_gui.records import Direction, Side

_NO_MAP: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Held:
    """One of a kind's fields holding a common field."""

    #: the kind's own field name (a record data key)
    field: str
    type: str = "text"
    #: its value is read and sent to the other side
    source: bool = True
    #: it may be written (False for what the system computes or numbers itself)
    target: bool = True
    required: bool = False
    transform: tuple[str, ...] = ()
    #: this side's value (as text) -> the common value
    to_common: Mapping[str, Any] = dataclasses.field(default_factory=lambda: _NO_MAP)
    #: the common value (as text) -> this side's value; None: the inverse of to_common
    from_common: Mapping[str, Any] | None = None
    #: for a CRM kind: the value a record gets when the ERP sends none (a mapping row's default)
    default: Any = None
    #: the entity whose linked id the field holds
    lookup: str | None = None
    #: for a price field: the CRM currency it is kept in
    currency: int | str | None = None
    #: for a `lines` field: what each line holds, (common name, held) in this kind's order
    lines: tuple[tuple[str, Held], ...] = ()


@dataclass(frozen=True)
class EntityFields:
    """What a kind holds of one entity."""

    #: (common name, held) in the order the kind's mapping rows are shown
    fields: tuple[tuple[str, Held], ...]
    #: common names the kind can find a record by, most specific first
    keys: tuple[str, ...] = ()
    #: the kind's own name of the entity (a module, a table) when it is not the product's
    name: str | None = None
    #: how a site lifts what the kind requires of each line, for the wizard's reason ("" when it cannot)
    hint: str = ""


@dataclass(frozen=True)
class KindPresets:
    """A kind's declaration for every entity it offers, under the product's entity names."""

    entities: Mapping[str, EntityFields]


@dataclass(frozen=True)
class PairMapping:
    """The composed default of one entity for one CRM kind and one ERP kind."""

    entity: str
    #: mapping rows (see erpsync_gui.mapping for the format)
    fields: tuple[dict[str, Any], ...]
    #: CRM field names tried in order as natural keys
    match_keys: tuple[str, ...]
    crm_name: str | None = None
    erp_name: str | None = None
    #: the only way records can flow, when one side needs a field the other does not hold (None: either way)
    direction: Direction | None = None
    #: why, in words for the wizard ("" when records can flow both ways)
    reason: str = ""


def held(name: str, type_: str = "text", **extra: Any) -> Held:
    """A field holding a common field: `held("Phone1")`, `held("DocTotal", "number", target=False)`."""
    return Held(name, type_, **extra)


def text(name: str, **extra: Any) -> Held:
    """A text field read with surrounding spaces stripped (unless `transform` says otherwise)."""
    extra.setdefault("transform", ("strip",))
    return Held(name, "text", **extra)


def entity(fields: Mapping[str, Held], keys: Sequence[str] = (), name: str | None = None, hint: str = ""
           ) -> EntityFields:
    """EntityFields from a {common name: held} mapping, in its order."""
    return EntityFields(tuple(fields.items()), tuple(keys), name, hint)


def compose(crm: KindPresets, erp: KindPresets) -> dict[str, PairMapping]:
    """The pair's default mappings, per entity both kinds offer, in the product's entity order."""
    out: dict[str, PairMapping] = {}
    for name in ENTITIES:
        c, e = crm.entities.get(name), erp.entities.get(name)
        if c is None or e is None:
            continue
        rows = compose_rows(c.fields, e.fields)
        if not rows:
            continue
        erp_needs, crm_needs = unfed(e.fields, c.fields), unfed(c.fields, e.fields)
        if erp_needs and crm_needs:
            continue  # neither side can write the other's records
        direction, reason = None, ""
        words = name.replace("_", " ").rstrip("s")
        if erp_needs:
            direction = Direction.IMPORT
            reason = (f"ERP → CRM only: the ERP needs {' and '.join(erp_needs)} on every {words} line, which the "
                      f"CRM's {words} lines do not hold{'; ' + e.hint if e.hint else ''}")
        elif crm_needs:
            direction = Direction.EXPORT
            reason = (f"CRM → ERP only: the CRM needs {' and '.join(crm_needs)} on every {words} line, which the "
                      f"ERP's {words} lines do not hold{'; ' + c.hint if c.hint else ''}")
        out[name] = PairMapping(name, tuple(rows), _match_keys(c, e, rows), c.name, e.name, direction, reason)
    return out


def unfed(target: Sequence[tuple[str, Held]], source: Sequence[tuple[str, Held]], within: str = "") -> list[str]:
    """The required fields of `target`'s document lines (as `lines.<field>`) that no line field of `source`
    gives a value: every document written to that side would be refused (an SAP line without its ItemCode).
    A record's own required fields are left to the record: a value may be missing on some records only."""
    given = dict(source)
    missing: list[str] = []
    for common, h in target:
        s = given.get(common)
        if within and h.required and h.target and (s is None or not s.source):
            missing.append(h.field)
        elif h.type == "lines" and s is not None and s.source:
            missing += unfed(h.lines, s.lines, f"{within}{h.field}.")
    return missing


def compose_rows(crm: Sequence[tuple[str, Held]], erp: Sequence[tuple[str, Held]]) -> list[dict[str, Any]]:
    """One row per common field both sides hold; a field of either side is written by one row at most."""
    theirs = dict(erp)
    rows: list[dict[str, Any]] = []
    written: dict[Side, set[str]] = {Side.CRM: set(), Side.ERP: set()}
    for common, c in crm:
        e = theirs.get(common)
        if e is None:
            continue
        row = _row(c, e)
        if row is None:
            continue
        to_erp, to_crm = row.get("direction") != "import", row.get("direction") != "export"
        if (to_crm and c.field in written[Side.CRM]) or (to_erp and e.field in written[Side.ERP]):
            continue  # two common names held by one field (a price as `prices` and `unit_price`): the first wins
        if to_crm:
            written[Side.CRM].add(c.field)
        if to_erp:
            written[Side.ERP].add(e.field)
        rows.append(row)
    return rows


def _row(c: Held, e: Held) -> dict[str, Any] | None:
    to_erp, to_crm = c.source and e.target, e.source and c.target
    if not (to_erp or to_crm):
        return None
    row: dict[str, Any] = {"crm": c.field, "erp": e.field, "type": _type(c.type, e.type)}
    if c.transform or e.transform:
        row["transform"] = list(c.transform or e.transform)
    if not (to_erp and to_crm):
        row["direction"] = "export" if to_erp else "import"
    value_map, back = _value_maps(c, e)
    if value_map:
        row["value_map"] = value_map
    if back is not None:
        row["value_map_to_crm"] = back
    if c.default is not None:
        row["default"] = c.default
    if c.required or e.required:
        row["required"] = True
    lookup = c.lookup or e.lookup
    if lookup:
        row["lookup"] = lookup
    currency = c.currency if c.currency is not None else e.currency
    if currency is not None:
        row["currency"] = currency
    if row["type"] == "lines":
        lines = compose_rows(c.lines, e.lines)
        if not lines:
            return None
        row["fields"] = lines
    return row


def _type(crm: str, erp: str) -> str:
    """The row's type: the sides' own when they agree, else the more specific one (text is the least)."""
    if crm == erp or erp == "text":
        return crm
    return erp if crm == "text" else crm


def _inverse(values: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key(v)): natural_scalar(k) for k, v in values.items()}


def _value_maps(c: Held, e: Held) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(CRM -> ERP map, ERP -> CRM map or None for the inverse), each going through the common words."""
    erp_own = bool(e.to_common or e.from_common)
    crm_from = c.from_common if c.from_common is not None else (_inverse(c.to_common) if c.to_common else None)
    if not erp_own:
        return dict(c.to_common), None if c.from_common is None else dict(c.from_common)
    erp_from = e.from_common if e.from_common is not None else _inverse(e.to_common)
    erp_to = dict(e.to_common) if e.to_common else _inverse(erp_from)
    if c.to_common:
        forward = {k: erp_from[str(key(v))] for k, v in c.to_common.items() if str(key(v)) in erp_from}
    else:
        forward = dict(erp_from)
    if crm_from is not None:
        back = {k: crm_from[str(key(v))] for k, v in erp_to.items() if str(key(v)) in crm_from}
    else:
        back = erp_to
    return forward, back


def _match_keys(c: EntityFields, e: EntityFields, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The CRM fields of the common keys both kinds can find records by: the CRM's order, else the ERP's."""
    crm_fields = dict(c.fields)
    mapped = {r["crm"] for r in rows}
    for first, second in ((c.keys, e.keys), (e.keys, c.keys)):
        found = tuple(crm_fields[k].field for k in first if k in second and k in crm_fields
                      and crm_fields[k].field in mapped)
        if found:
            return found
    return ()


def common_names(presets: KindPresets) -> dict[str, set[str]]:
    """Every common name a declaration uses, per entity (lines as `lines.<name>`): for checking spellings."""
    out: dict[str, set[str]] = {}
    for name, fields in presets.entities.items():
        names = out.setdefault(name, set())
        for common, h in fields.fields:
            names.add(common)
            names.update(f"lines.{sub}" for sub, _ in h.lines)
        names.update(fields.keys)
    return out

