"""Mapping rows (JSON) parsed and checked into frozen FieldMap values; every problem is reported at once."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping.transforms import (
    ARITHMETIC_TRANSFORMS,
    NUMBER_TRANSFORMS,
    TEXT_TRANSFORMS,
    Transform,
    parse_transform,
    toward_crm,
)
from erpsync_gui.mapping.types import TYPES, key, natural_scalar
from erpsync_gui.records import Direction, Side

ROW_KEYS = frozenset({
    "crm", "erp", "type", "transform", "transform_to_crm", "value_map", "value_map_to_crm",
    "default", "required", "direction", "lookup", "currency", "fields", "empty",
})
#: what a write does with a value that maps to empty, per target side (see EntityMapping): send an explicit
#: empty value, leave the target's value as it is, or write the default (the row's, else the target field's)
EMPTY_RULES = ("null", "omit", "default")
_TEXT_TYPES = ("text", "picklist")
_NUMBER_TYPES = ("number", "integer", "price")


class MappingConfigError(ConfigError):
    """A field mapping with problems; `problems` lists each one ("row 2 (email): ...")."""

    def __init__(self, problems: Sequence[str], *, entity: str | None = None) -> None:
        count = len(problems)
        whose = f"the field mapping of {entity}" if entity else "the field mapping"
        head = f"{whose} has 1 problem" if count == 1 else f"{whose} has {count} problems"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems),
                         hint="fix the rows listed and save the mapping again")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class FieldMap:
    """One checked mapping row. value maps are keyed by the text of a value (see types.key)."""

    crm: str
    erp: str
    type: str = "text"
    transform: tuple[Transform, ...] = ()
    #: None when the row gives none: then `transforms(Side.CRM)` derives them
    transform_to_crm: tuple[Transform, ...] | None = None
    value_map: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: explicit ERP -> CRM map; None means the inverse of value_map
    value_map_to_crm: Mapping[str, Any] | None = None
    #: written in CRM terms (see the package docstring)
    default: Any = None
    required: bool = False
    direction: Direction = Direction.BOTH
    lookup: str | None = None
    currency: str | None = None
    fields: tuple[FieldMap, ...] = ()
    #: the empty-value rule per target side the row sets ("null" | "omit" | "default"); a side it leaves
    #: out is decided from the target field's description (EntityMapping.bind_targets)
    empty: Mapping[Side, str] = field(default_factory=lambda: MappingProxyType({}))

    def name_on(self, side: Side) -> str:
        return self.crm if side is Side.CRM else self.erp

    def flows_to(self, side: Side) -> bool:
        """May this row write to `side`? export = toward the ERP only, import = toward the CRM only."""
        if self.direction is Direction.BOTH:
            return True
        return (self.direction is Direction.EXPORT) == (side is Side.ERP)

    def transforms(self, to: Side) -> tuple[Transform, ...]:
        if to is Side.ERP:
            return self.transform
        return self.transform_to_crm if self.transform_to_crm is not None else toward_crm(self.transform)

    def values(self, to: Side) -> Mapping[str, Any]:
        """The value map used on the way to `to`, keyed by the source value's text."""
        if to is Side.ERP:
            return self.value_map
        if self.value_map_to_crm is not None:
            return self.value_map_to_crm
        return {key(v): natural_scalar(k) for k, v in self.value_map.items()}

    def to_row(self) -> dict[str, Any]:
        """The JSON row again (for the mapping editor and exported configs)."""
        row: dict[str, Any] = {"crm": self.crm, "erp": self.erp, "type": self.type}
        if self.transform:
            row["transform"] = [str(t) for t in self.transform]
        if self.transform_to_crm is not None:
            row["transform_to_crm"] = [str(t) for t in self.transform_to_crm]
        if self.value_map:
            row["value_map"] = dict(self.value_map)
        if self.value_map_to_crm is not None:
            row["value_map_to_crm"] = dict(self.value_map_to_crm)
        row.update({"default": self.default, "required": self.required, "direction": str(self.direction)})
        if self.lookup:
            row["lookup"] = self.lookup
        if self.currency is not None:
            row["currency"] = natural_scalar(self.currency)
        if self.fields:
            row["fields"] = [f.to_row() for f in self.fields]
        if self.empty:
            rules = set(self.empty.values())
            row["empty"] = (next(iter(rules)) if len(rules) == 1 and len(self.empty) == 2
                            else {side.value: rule for side, rule in self.empty.items()})
        return row


def parse_fields(rows: Sequence[Mapping[str, Any]] | str) -> tuple[FieldMap, ...]:
    """Check mapping rows (or their JSON text) and return FieldMaps.
    Raises ConfigError listing every problem at once."""
    if isinstance(rows, str | bytes):
        try:
            rows = json.loads(rows)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"mapping is not valid JSON: line {exc.lineno} col {exc.colno}",
                              hint=exc.msg) from None
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        raise ConfigError(f"mapping must be a list of rows, not {type(rows).__name__}")
    problems: list[str] = []
    fields = _parse_rows(rows, "", problems)
    if problems:
        raise MappingConfigError(problems)
    return fields


def _parse_rows(rows: Sequence[Any], prefix: str, problems: list[str]) -> tuple[FieldMap, ...]:
    out: list[FieldMap] = []
    for number, row in enumerate(rows, start=1):
        label = f"row {prefix}{number}"
        if not isinstance(row, Mapping):
            problems.append(f"{label}: must be an object, not {type(row).__name__}")
            continue
        parsed = _parse_row(row, f"{prefix}{number}", problems)
        if parsed is not None:
            out.append(parsed)
    _check_targets(out, prefix, problems)
    return tuple(out)


def _check_targets(fields: list[FieldMap], prefix: str, problems: list[str]) -> None:
    """Two rows must not write the same field on the same side."""
    for side in Side:
        seen: dict[str, int] = {}
        for number, f in enumerate(fields, start=1):
            if not f.flows_to(side):
                continue
            name = f.name_on(side)
            if name in seen:
                problems.append(f"rows {prefix}{seen[name]} and {prefix}{number} both write "
                                f"{side.value.upper()} field {name!r}")
            else:
                seen[name] = number


def _parse_row(row: Mapping[str, Any], number: str, problems: list[str]) -> FieldMap | None:
    name = row.get("crm") or row.get("erp")
    label = f"row {number} ({name})" if isinstance(name, str) and name else f"row {number}"
    before = len(problems)

    def bad(what: str) -> None:
        problems.append(f"{label}: {what}")

    unknown = sorted(str(k) for k in row if k not in ROW_KEYS)
    if unknown:
        bad(f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(ROW_KEYS))})")
    for side in ("crm", "erp"):
        if not isinstance(row.get(side), str) or not row[side].strip():
            bad(f"'{side}' must name a field")
    type_ = row.get("type", "text")
    if type_ not in TYPES:
        bad(f"unknown type {type_!r} (known: {', '.join(TYPES)})")
    direction = _direction(row.get("direction", "both"), bad)
    transform = _transforms(row.get("transform"), "transform", type_, bad)
    to_crm = None if row.get("transform_to_crm") is None else _transforms(
        row["transform_to_crm"], "transform_to_crm", type_, bad)
    value_map = _value_map(row.get("value_map"), "value_map", bad)
    value_map_to_crm = None if row.get("value_map_to_crm") is None else _value_map(
        row["value_map_to_crm"], "value_map_to_crm", bad)
    if type_ == "picklist" and not value_map:
        bad("type picklist needs a value_map ({\"<CRM value>\": \"<ERP value>\"})")
    if value_map and value_map_to_crm is None and direction is not Direction.EXPORT:
        _check_invertible(value_map, bad)
    if value_map and type_ in ("lookup", "currency", "price", "lines"):
        bad(f"type {type_} takes no value_map")
    default = row.get("default")
    if isinstance(default, Mapping | list):
        bad("default must be a single value")
    required = row.get("required", False)
    if not isinstance(required, bool):
        bad("required must be true or false")
    lookup = _lookup(row.get("lookup"), type_, bad)
    currency = _currency(row.get("currency"), type_, bad)
    empty = _empty_rules(row.get("empty"), bad)
    sub: tuple[FieldMap, ...] = ()
    if type_ == "lines":
        if not isinstance(row.get("fields"), list) or not row["fields"]:
            bad("type lines needs 'fields': a list of mapping rows for each line")
        else:
            sub = _parse_rows(row["fields"], f"{number}.", problems)
    elif row.get("fields") is not None:
        bad("'fields' only applies to type lines")
    if len(problems) > before:
        return None
    return FieldMap(
        crm=row["crm"].strip(), erp=row["erp"].strip(), type=type_, transform=transform,
        transform_to_crm=to_crm, value_map=MappingProxyType(value_map),
        value_map_to_crm=None if value_map_to_crm is None else MappingProxyType(value_map_to_crm),
        default=default, required=required, direction=direction, lookup=lookup, currency=currency,
        fields=sub, empty=MappingProxyType(empty),
    )


def _empty_rules(value: Any, bad) -> dict[Side, str]:
    """`empty = "omit"` (both sides) or `empty = { crm = "default", erp = "omit" }`."""
    if value is None:
        return {}
    allowed = ", ".join(EMPTY_RULES)
    if isinstance(value, str):
        if value not in EMPTY_RULES:
            bad(f"empty must be one of {allowed}, not {value!r}")
            return {}
        return {side: value for side in Side}
    if not isinstance(value, Mapping):
        bad(f'empty must be one of {allowed}, or a table such as {{ crm = "default", erp = "omit" }}')
        return {}
    rules: dict[Side, str] = {}
    for side_name, rule in value.items():
        if side_name not in ("crm", "erp"):
            bad(f"empty: {side_name!r} is not a side (use crm or erp)")
        elif rule not in EMPTY_RULES:
            bad(f"empty.{side_name} must be one of {allowed}, not {rule!r}")
        else:
            rules[Side(side_name)] = rule
    return rules


def _direction(value: Any, bad) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        bad(f"direction must be both, export or import, not {value!r}")
        return Direction.BOTH


def _transforms(value: Any, what: str, type_: str, bad) -> tuple[Transform, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        bad(f"{what} must be a list of transform names, e.g. [\"strip\", \"upper\"]")
        return ()
    out = []
    for spec in value:
        try:
            t = parse_transform(spec)
        except ValueError as exc:
            bad(f"{what}: {exc}")
            continue
        if t.name in TEXT_TRANSFORMS and type_ not in _TEXT_TYPES:
            bad(f"{what}: {t.name!r} works on text and does not apply to type {type_}")
        elif t.name in NUMBER_TRANSFORMS and type_ not in _NUMBER_TYPES:
            bad(f"{what}: {t.name!r} works on numbers and does not apply to type {type_}")
        elif t.name in ARITHMETIC_TRANSFORMS and type_ not in (*_NUMBER_TYPES, *_TEXT_TYPES):
            bad(f"{what}: {t.name!r} works on numbers and text holding one, not on type {type_}")
        out.append(t)
    return tuple(out)


def _value_map(value: Any, what: str, bad) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        bad(f"{what} must be an object {{\"<from>\": \"<to>\"}}")
        return {}
    out: dict[str, Any] = {}
    for k, v in value.items():
        if isinstance(v, Mapping | list):
            bad(f"{what}: the value for {k!r} must be a single value")
        out[key(k)] = v
    return out


def _check_invertible(value_map: Mapping[str, Any], bad) -> None:
    by_target: dict[str | None, list[str]] = {}
    for crm_value, erp_value in value_map.items():
        by_target.setdefault(key(erp_value), []).append(crm_value)
    for erp_value, crm_values in by_target.items():
        if len(crm_values) > 1:
            bad(f"value_map sends {', '.join(map(repr, crm_values))} all to {erp_value!r}, so the way back "
                "is ambiguous: add value_map_to_crm or make the row direction export")


def _lookup(value: Any, type_: str, bad) -> str | None:
    if type_ != "lookup":
        if value is not None:
            bad("'lookup' only applies to type lookup")
        return None
    if not isinstance(value, str) or not value.strip():
        bad("type lookup needs 'lookup': the entity whose ids the field holds, e.g. \"clients\"")
        return None
    return value.strip()


def _currency(value: Any, type_: str, bad) -> str | None:
    if type_ != "price":
        if value is not None:
            bad("'currency' only applies to type price")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        bad("type price needs 'currency': the CRM currency id the CRM field is in, e.g. 1")
        return None
    return str(value).strip()
