"""The mapping's fast paths (text values mapped inline, values already canonical, currency ids, transforms worked
out once, field digests from a prepared hash) give exactly what the general code gives, errors included."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erpsync_gui.errors import CurrencyMappingError, MappingError
from erpsync_gui.mapping import EntityMapping, FieldMap, canonical_plan, compiled, mapper, parse_fields
from erpsync_gui.mapping.checksum import field_digest
from erpsync_gui.mapping.transforms import Transform, apply, parse_transform, remove_diacritics, text_op
from erpsync_gui.mapping.types import ConversionError, to_decimal, to_text
from erpsync_gui.records import Side
from tests.unit.mapping_golden_kit import ROWS, SCALARS

SPECS = ("strip", "lower", "upper", "title", "collapse_spaces", "digits_only", "remove_diacritics", "truncate:3",
         "truncate:0", "prefix:C-", "suffix:/RO", "remove_prefix:RO", "remove_suffix:-x", "replace:-:/",
         "replace:a:", "default_if_empty:n/a", "round:1", "add:-1000", "jalali_date", "gregorian_date")


def reference_apply(t: Transform, value: Any) -> Any:
    """A transform applied as it was written before it was compiled (the text ones, and round/add)."""
    if t.name == "round":
        number = to_decimal(value)
        return None if number is None else number.quantize(Decimal(1).scaleb(-int(t.args[0])),
                                                           rounding=ROUND_HALF_UP)
    if t.name == "add":
        number = to_decimal(value)
        return None if number is None else number + Decimal(t.args[0])
    if t.name == "default_if_empty":
        text = to_text(value)
        return t.args[0] if text is None or text == "" else text
    text = to_text(value)
    if text is None:
        return None
    name, args = t.name, t.args
    simple = {"strip": str.strip, "lower": str.lower, "upper": str.upper, "title": str.title,
              "collapse_spaces": lambda s: re.sub(r"\s+", " ", s), "digits_only": lambda s: re.sub(r"[^0-9]", "", s),
              "remove_diacritics": remove_diacritics}
    if name in simple:
        return simple[name](text)
    if name == "truncate":
        return text[: int(args[0])]
    if name == "prefix":
        return text if text.startswith(args[0]) else args[0] + text
    if name == "suffix":
        return text if text.endswith(args[0]) else text + args[0]
    if name in ("_remove_prefix", "remove_prefix"):
        return text[len(args[0]):] if text.startswith(args[0]) else text
    if name in ("_remove_suffix", "remove_suffix"):
        return text[: -len(args[0])] if text.endswith(args[0]) else text
    if name == "replace":
        return text.replace(args[0], args[1])
    raise ConversionError(f"unknown transform {name!r}")


def outcome(call: Any) -> Any:
    try:
        value = call()
    except Exception as exc:  # the error is part of the outcome
        return ("raises", type(exc).__name__, str(exc))
    return ("gives", type(value).__name__, repr(value))


_TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.sampled_from(
    ["  a  b\t\nc ", "C-12", "x/RO", "RO12", "1-2-3", "ăîșț ß", "", " ", "12,5", "-0", "1e3"])


@settings(max_examples=150, deadline=None)
@given(spec=st.sampled_from([s for s in SPECS if not s.endswith("_date")]), value=_TEXTS)
def test_a_compiled_transform_gives_what_it_gave_before(spec, value):
    t = parse_transform(spec)
    assert outcome(lambda: apply(t, value)) == outcome(lambda: reference_apply(t, value))
    op = text_op(t)
    if op is not None:  # the text-to-text form agrees for text
        assert outcome(lambda: op(value)) == outcome(lambda: reference_apply(t, value))


@pytest.mark.parametrize("spec", [s for s in SPECS if not s.endswith("_date")])
def test_a_compiled_transform_treats_every_kind_of_value_as_before(spec):
    t = parse_transform(spec)
    for value in SCALARS:
        assert outcome(lambda v=value: apply(t, v)) == outcome(lambda v=value: reference_apply(t, v)), value


def test_an_unknown_transform_still_fails_on_text_and_passes_none():
    odd = Transform("shout")
    assert apply(odd, None) is None
    with pytest.raises(ConversionError, match="unknown transform 'shout'"):
        apply(odd, "x")
    with pytest.raises(ConversionError, match="list or object"):
        apply(odd, [1])


def general_mapping(rows: list[dict], currencies: dict) -> EntityMapping:
    """The mapping as the general code alone maps it: every value through its field's step, every canonical form
    by `_canonical_field`."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(mapper, "text_ops", lambda *args: None)
        monkeypatch.setattr(canonical_plan, "canonical_type", lambda f: compiled.NoCanonicalType)
        monkeypatch.setattr(canonical_plan, "canonical_form",
                            lambda mapping, f, side: partial(mapping._canonical_field, f, side))
        monkeypatch.setattr(compiled, "_currency_step", lambda mapping, to, source, target, general: general)
        return EntityMapping("things", parse_fields(rows), currencies)


_VALUES = st.sampled_from(SCALARS) | _TEXTS
_SIMPLE_ROWS = [r for r in ROWS if r["type"] not in ("lines", "price", "lookup")] + [
    {"crm": "company", "erp": "second_name", "type": "integer", "direction": "export"}]  # a CRM name twice
_NAMES = {side: [r[side.value] for r in _SIMPLE_ROWS] for side in Side}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_records_map_as_the_general_code_maps_them(data):
    general = general_mapping(_SIMPLE_ROWS, {"1": 1, "2": 3})
    fast = EntityMapping("things", parse_fields(_SIMPLE_ROWS), {"1": 1, "2": 3})
    side = data.draw(st.sampled_from(list(Side)))
    names = data.draw(st.lists(st.sampled_from(_NAMES[side]), unique=True, max_size=len(_NAMES[side])))
    record = {name: data.draw(_VALUES) for name in names}
    assert outcome(lambda: fast.canonical(side, record)) == outcome(lambda: general.canonical(side, record))
    assert outcome(lambda: fast.to_common(side, record)) == outcome(lambda: general.to_common(side, record))
    current = {name: data.draw(_VALUES) for name in names[::2]}
    assert outcome(lambda: fast.diff(side, record, current)) == outcome(lambda: general.diff(side, record, current))
    assert outcome(lambda: fast.map_record(record, to=side.other)) == \
        outcome(lambda: general.map_record(record, to=side.other))


def one(row: dict) -> EntityMapping:
    return EntityMapping("clients", parse_fields([{"crm": "c", "erp": "e", **row}]), {"1": 1, "2": 3})


def test_a_text_value_that_is_empty_after_its_transforms_meets_the_required_rule():
    mapping = one({"transform": ["strip"], "required": True})
    assert mapping.map_record({"e": " Acme "}, to=Side.CRM) == {"c": "Acme"}
    with pytest.raises(MappingError) as caught:
        mapping.map_record({"e": "   "}, to=Side.CRM)
    assert caught.value.message == "field 'e' (-> 'c') is required but the value is empty ('   ')"
    assert caught.value.field == "e"


def test_a_text_value_that_is_empty_after_its_transforms_meets_the_empty_value_rule():
    assert one({"transform": ["strip"], "empty": "omit"}).map_record({"e": "  "}, to=Side.CRM) == {}
    assert one({"transform": ["strip"]}).map_record({"e": "  "}, to=Side.CRM) == {"c": ""}
    assert one({"transform": ["strip"]}).map_record({"e": 12}, to=Side.CRM) == {"c": "12"}
    with pytest.raises(MappingError, match=r"field 'e' \(-> 'c'\): value \[1\] is a list or object, not text"):
        one({"transform": ["strip"]}).map_record({"e": [1]}, to=Side.CRM)


def test_a_currency_id_is_translated_and_an_unknown_one_named():
    mapping = one({"type": "currency"})
    assert mapping.map_record({"e": 2}, to=Side.CRM) == {"c": 3}
    assert mapping.map_record({"c": "3"}, to=Side.ERP) == {"e": 2}
    assert mapping.map_record({"e": "0"}, to=Side.CRM) == {"c": None}
    with pytest.raises(CurrencyMappingError) as caught:
        mapping.map_record({"e": 9}, to=Side.CRM)
    assert caught.value.message == "field 'e' (-> 'c'): ERP currency 9 is not in the currency mapping"
    assert caught.value.field == "e"
    assert caught.value.hint == "mapped ERP currencies: 1, 2"


def test_values_already_canonical_are_their_own_form_and_empty_text_is_none():
    mapping = EntityMapping("things", parse_fields([
        {"crm": "t", "erp": "t", "type": "text"}, {"crm": "i", "erp": "i", "type": "integer"},
        {"crm": "b", "erp": "b", "type": "boolean"}, {"crm": "k", "erp": "k", "type": "currency"}]), {"1": 1})
    assert mapping.canonical(Side.ERP, {"t": "x", "i": 0, "b": False, "k": 1}) == \
        {"t": "x", "i": 0, "b": False, "k": "1"}
    assert mapping.canonical(Side.ERP, {"t": "", "i": True, "b": 1, "k": " 0 "}) == \
        {"t": None, "i": "True", "b": True, "k": None}


def stdlib_digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@pytest.mark.parametrize("value", [None, True, False, 0, 1, -5, 2**70, "", "x", 1.5, ["a", None], {"b": 1}])
def test_field_digests_of_prepared_and_plain_values_are_blake2b_of_the_json(value):
    assert field_digest(value) == stdlib_digest(value)


def test_a_row_with_a_transform_of_no_known_name_fails_as_a_mapping_error_naming_the_field():
    row = FieldMap(crm="c", erp="e", transform=(Transform("shout"),))
    mapping = EntityMapping("clients", [row])
    with pytest.raises(MappingError) as caught:
        mapping.map_record({"c": "x"}, to=Side.ERP)
    assert caught.value.message == "field 'c' (-> 'e'): value 'x' unknown transform 'shout'"
    assert mapping.map_record({"c": None}, to=Side.ERP) == {"e": None}
