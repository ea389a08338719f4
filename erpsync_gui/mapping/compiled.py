"""Per field and direction, the mapping's steps chosen once: the hot path runs no type dispatch per value.

`map_step` gives a function that maps one field of a record into a payload, `canonical_form` one that gives a
field's canonical form for checksums. Both behave exactly as the general code in `EntityMapping` they stand in
for; fields whose mapping needs more (lookups, currencies, prices, lines, defaults) keep the general code.

On top of the steps, `EntityMapping` takes the commonest case inline, without calling a step: a text field whose
value is text and whose transforms are all text to text (`text_ops`), and a value that is already of its
field's canonical type (`canonical_type`). Every other value goes through the field's step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from erpsync_gui.errors import MappingError
from erpsync_gui.mapping.transforms import TEXT_TO_TEXT, compiled, text_op
from erpsync_gui.mapping.types import (
    ConversionError,
    datetime_str,
    is_empty,
    key,
    natural_scalar,
    number_str,
    parse_scalar,
    to_bool,
    to_date,
    to_datetime,
    to_decimal,
    to_id,
    to_int,
    to_text,
)
from erpsync_gui.records import Side

if TYPE_CHECKING:
    from erpsync_gui.mapping.mapper import EntityMapping
    from erpsync_gui.mapping.spec import FieldMap

#: a payload step: (source data, payload being built, lookup resolver) -> None
MapStep = Callable[[Mapping[str, Any], dict[str, Any], Any], None]


def _picklist(value: Any) -> Any:
    return parse_scalar("picklist", value)


_READERS: dict[str, Callable[[Any], Any]] = {
    "text": to_text, "number": to_decimal, "integer": to_int, "boolean": to_bool, "date": to_date,
    "datetime": to_datetime, "picklist": _picklist,
}


def _canonical_number(value: Any) -> Any:
    number = to_decimal(value)
    return None if number is None else number_str(number)


def _canonical_date(value: Any) -> Any:
    day = to_date(value)
    return None if day is None else day.isoformat()


def _canonical_datetime(value: Any) -> Any:
    moment = to_datetime(value)
    return None if moment is None else datetime_str(moment)


def _canonical_text(value: Any) -> Any:
    return to_text(value) or None


def _canonical_picklist(value: Any) -> Any:
    return key(value) or None


_CANONICAL: dict[str, Callable[[Any], Any]] = {
    "number": _canonical_number, "date": _canonical_date, "datetime": _canonical_datetime,
    "text": _canonical_text, "picklist": _canonical_picklist, "integer": to_int, "boolean": to_bool,
    "lookup": to_id, "currency": to_id,
}


def canonical_form(mapping: EntityMapping, f: FieldMap, side: Side) -> Callable[[Any], Any]:
    """The field's canonical form as a function of its raw value. It may raise: the value's canonical form is
    then its str(), as in `_canonical_field` (the caller writes it)."""
    form = _CANONICAL.get(f.type)
    if form is None:
        return lambda value: mapping._canonical_field(f, side, value)
    return form


def map_step(mapping: EntityMapping, f: FieldMap, to: Side, skip: object) -> MapStep:
    """The step that maps field `f` of a record into the payload for `to` (as `_map_field` does)."""
    source_name, target_name = mapping._names[(id(f), to)]
    read = _READERS.get(f.type)
    if read is None or f.default is not None:
        def general(data: Mapping[str, Any], out: dict[str, Any], resolver: Any) -> None:
            value = mapping._map_field(f, data, to, resolver)
            if value is not skip:
                out[target_name] = value

        if f.type == "currency" and f.default is None:
            return _currency_step(mapping, to, source_name, target_name, general)
        return general
    label = mapping._labels[(id(f), to)]
    transforms = tuple(compiled(t) for t in mapping._transforms[(id(f), to)])
    # without transforms the value read is already of the type; a picklist value stays as the transforms leave it
    reread = read if transforms and f.type != "picklist" else None
    values = mapping._value_maps[(id(f), to)]
    required = f.required
    rule, fallback = mapping.empty_rule(f, to)
    omit = rule == "omit" or (rule == "default" and fallback is None)

    def step(data: Mapping[str, Any], out: dict[str, Any], resolver: Any) -> None:
        raw = data.get(source_name)
        try:
            value = read(raw)
            for transform in transforms:
                value = transform(value)
            if reread is not None:
                value = reread(value)
            if values and value is not None:
                value = mapping._value_map(f, value, to)
        except ConversionError as exc:
            raise MappingError(f"{label}: value {_shorten(raw)} {exc}", field=source_name) from None
        except MappingError as exc:
            if exc.field is not None:
                raise
            raise type(exc)(f"{label}: {exc.message}", field=source_name, hint=exc.hint) from None
        if required and is_empty(value):
            raise MappingError(f"{label} is required but the value is empty ({_shorten(raw)})", field=source_name)
        if value is None or value == "":
            if omit:
                return
            if rule == "default":
                value = fallback
        out[target_name] = value

    return step


def _currency_step(mapping: EntityMapping, to: Side, source_name: str, target_name: str, general: MapStep) -> MapStep:
    """A currency id translated by the currency mapping; an empty or unknown one (and its error) is the general
    code's."""
    currencies = mapping.currencies
    to_crm = to is Side.CRM

    def step(data: Mapping[str, Any], out: dict[str, Any], resolver: Any) -> None:
        try:
            source_id = to_id(data.get(source_name))
            if source_id is not None:
                value = currencies.to_crm(source_id) if to_crm else natural_scalar(currencies.to_erp(source_id))
                if value != "":
                    out[target_name] = value
                    return
        except Exception:  # the general code says what is wrong, in its words
            pass
        general(data, out, resolver)

    return step


def text_ops(mapping: EntityMapping, f: FieldMap, to: Side) -> tuple[Callable[[str], str], ...] | None:
    """The transforms of a text field toward `to` as functions of text, when they say all there is to say of a
    text value that is not empty after them (no default, no value map, no transform that is not text to text);
    else None. Such a value is the payload's value as it is: required and empty-value rules have no say."""
    if f.type != "text" or f.default is not None or mapping._value_maps[(id(f), to)]:
        return None
    transforms = mapping._transforms[(id(f), to)]
    if not all(t.name in TEXT_TO_TEXT for t in transforms):
        return None
    return tuple(op for op in map(text_op, transforms) if op is not None)


class NoCanonicalType:
    """The canonical type of a field whose values all go through its canonical form (an instance never exists)."""


#: field type -> the type a value already in canonical form has (when it is not empty text)
_CANONICAL_TYPES: dict[str, type] = {"text": str, "integer": int, "boolean": bool}


def canonical_type(f: FieldMap) -> type:
    """The type whose values (other than "") are their own canonical form for field `f`."""
    return _CANONICAL_TYPES.get(f.type, NoCanonicalType)


def _shorten(value: Any) -> str:
    from erpsync_gui.mapping.mapper import shorten

    return shorten(value)
