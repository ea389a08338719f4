"""Canonical forms of whole records, planned once per entity and side: the per-record loop calls nothing for a
value that is already canonical (text, a whole number, yes/no of its field's type) and one function otherwise.

A plan is a tuple of (output name, field name, canonical type, form): `values_of` gives a record's canonical
values by it. `canonical` and `to_common` of `EntityMapping` differ only in their plans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from erpsync_gui.mapping.compiled import NoCanonicalType, canonical_form, canonical_type
from erpsync_gui.mapping.types import SCALAR_TYPES
from erpsync_gui.records import Side

if TYPE_CHECKING:
    from erpsync_gui.mapping.mapper import EntityMapping

#: (output name, field name, canonical type, form of any other value; it may raise: then the value's str())
Step = tuple[str, str, type, Callable[[Any], Any]]
Plan = tuple[Step, ...]


def values_of(plan: Plan, data: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical values of `data` by `plan`; never raises."""
    get = data.get
    out: dict[str, Any] = {}
    for out_name, name, kind, form in plan:
        value = get(name)
        # a value already of the canonical type is its own canonical form, except "" (that is None)
        if type(value) is kind and value != "":
            out[out_name] = value
            continue
        # broad on purpose: a value we cannot read still has to give a stable checksum
        try:
            out[out_name] = form(value)
        except Exception:
            out[out_name] = str(value)
    return out


def value_of(form: tuple[type, Callable[[Any], Any]] | None, value: Any) -> Any:
    """One value's canonical form by its field's (canonical type, form), as `values_of` takes it; without a field,
    a plain value is kept as it is ("" is None) and any other becomes its str()."""
    if form is not None:
        kind, read = form
        if type(value) is kind and value != "":
            return value
        try:
            return read(value)
        except Exception:
            return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return None if value == "" else value
    return str(value)


def canonical_plan(mapping: EntityMapping, side: Side) -> Plan:
    """Every row's field of `side` under its own name; a name two rows share keeps its first place and the
    last row's form (as a dict built row by row)."""
    return tuple((name, name, canonical_type(f), canonical_form(mapping, f, side))
                 for name, f in mapping._named[side])


def common_plan(mapping: EntityMapping, side: Side) -> Plan:
    """The first row of each CRM name, under that name: its canonical form, or where the row translates the
    value into CRM terms without the link store (lines, currencies, value maps toward the CRM) on the ERP side,
    `_common_field` (which never raises)."""
    plan: dict[str, Step] = {}
    for f in mapping.fields:
        if f.crm in plan:
            continue
        name = f.name_on(side)
        translated = f.type in ("lines", "currency") or (
            f.type in SCALAR_TYPES and bool(mapping._value_maps[(id(f), Side.CRM)]))
        if side is Side.CRM or not translated:
            plan[f.crm] = (f.crm, name, canonical_type(f), canonical_form(mapping, f, side))
        else:
            plan[f.crm] = (f.crm, name, NoCanonicalType, partial(mapping._common_field, f, side))
    return tuple(plan.values())


def forms_by_name(mapping: EntityMapping, side: Side) -> dict[str, tuple[type, Callable[[Any], Any]]]:
    """The first row of each field name of `side`, as (canonical type, form), for `value_of`."""
    forms: dict[str, tuple[type, Callable[[Any], Any]]] = {}
    for f in mapping.fields:
        forms.setdefault(f.name_on(side), (canonical_type(f), canonical_form(mapping, f, side)))
    return forms
