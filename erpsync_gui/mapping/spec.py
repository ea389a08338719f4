"""Mapping rows (JSON) parsed and checked into frozen FieldMap values; every problem is reported at once."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping.transforms import (
    Transform,
    parse_transform,
    toward_crm,
)
from erpsync_gui.mapping.types import key, natural_scalar
from erpsync_gui.records import Direction, Side


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
    #: under the merge policy: who wins when both sides changed this field (None: the entity's fallback)
    merge: str | None = None

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
        if self.merge is not None:
            row["merge"] = self.merge
        return row


def parse_fields(rows: Sequence[Mapping[str, Any]] | str) -> tuple[FieldMap, ...]:
    """Check mapping rows (or their JSON text) with the typed row model and return FieldMaps.
    Raises MappingConfigError listing every problem at once ("row 2 (email): ...")."""
    if isinstance(rows, str | bytes):
        try:
            rows = json.loads(rows)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"mapping is not valid JSON: line {exc.lineno} col {exc.colno}",
                              hint=exc.msg) from None
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        raise ConfigError(f"mapping must be a list of rows, not {type(rows).__name__}")
    from erpsync_gui.config.fields import FieldRowModel  # the model imports the mapping's own parts

    problems: list[str] = []
    models: list[FieldRowModel | None] = []
    for number, row in enumerate(rows, start=1):
        models.append(_checked(FieldRowModel, row, str(number), problems))
    fields = tuple(_field_map(m) for m in models if m is not None)
    _check_targets(list(fields), "", problems)
    for number, model in enumerate(models, start=1):
        if model is not None and model.fields:
            _check_targets([_field_map(sub) for sub in model.fields], f"{number}.", problems)
    if problems:
        raise MappingConfigError(problems)
    return fields


def _checked(model: Any, row: Any, number: str, problems: list[str]) -> Any:
    """The row validated, or None with its problems added as "row N (name): message"."""
    from pydantic import ValidationError

    from erpsync_gui.config.problems import describe, merged_errors

    if not isinstance(row, Mapping):
        problems.append(f"row {number}: must be an object, not {type(row).__name__}")
        return None
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        for error in merged_errors(model, exc.errors(include_url=False)):
            problems.append(f"{_row_label(row, number, error['loc'])}: {describe(model, error)}")
        return None


def _row_label(row: Mapping[str, Any], number: str, loc: Sequence[Any]) -> str:
    """"row 3 (email)" or, for a line's sub-row, "row 3.2 (qty)"; the offending key follows when there is one."""
    parts = list(loc)
    label, current = number, row
    while len(parts) >= 2 and parts[0] == "fields" and isinstance(parts[1], int):
        sub = (current.get("fields") or [])
        current = sub[parts[1]] if isinstance(sub, list) and parts[1] < len(sub) and \
            isinstance(sub[parts[1]], Mapping) else {}
        label = f"{label}.{parts[1] + 1}"
        parts = parts[2:]
    name = current.get("crm") or current.get("erp")
    where = f"row {label} ({name})" if isinstance(name, str) and name else f"row {label}"
    key_path = ".".join(str(p) for p in parts if not isinstance(p, int))
    return f"{where}: {key_path}" if key_path else where


def _field_map(model: Any) -> FieldMap:
    """The mapping's value of one checked row (value maps keyed by the text of a value)."""
    empty = model.empty
    rules = ({side: empty for side in Side} if isinstance(empty, str)
             else {Side(side): rule for side, rule in (empty or {}).items()})
    return FieldMap(
        crm=model.crm, erp=model.erp, type=model.type,
        transform=tuple(parse_transform(t) for t in model.transform or ()),
        transform_to_crm=None if model.transform_to_crm is None else tuple(
            parse_transform(t) for t in model.transform_to_crm),
        value_map=MappingProxyType({key(k): v for k, v in (model.value_map or {}).items()}),
        value_map_to_crm=None if model.value_map_to_crm is None else MappingProxyType(
            {key(k): v for k, v in model.value_map_to_crm.items()}),
        default=model.default, required=model.required, direction=Direction(model.direction), lookup=model.lookup,
        currency=None if model.currency is None else str(model.currency),
        fields=tuple(_field_map(sub) for sub in model.fields or ()), empty=MappingProxyType(rules),
        merge=model.merge,
    )


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
