"""A varied set of mappings and records, and everything the mapping layer makes of them, as text.

`outputs()` maps records both ways and takes their canonical forms, checksums, common forms, field digests,
key forms and diffs; every result (or the error a bad value gives: its class, message, field and hint) is
written as its repr, so a changed type, digit or word shows. `pinned()` keeps each record's checksum as it is
and each other text as a short hash of it: tests/unit/mapping_golden.json holds that as the mapping layer gave
it before its fast paths (`python -m tests.unit.mapping_golden_kit` writes it again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from erpsync_gui.errors import ERPSyncError
from erpsync_gui.mapping import EntityMapping, parse_fields
from erpsync_gui.mapping.checksum import checksum_of, field_digest
from erpsync_gui.mapping.defaults import default_fields
from erpsync_gui.records import EntityInfo, FieldInfo, Side

GOLDEN = Path(__file__).with_name("mapping_golden.json")

#: values of every shape systems hand over: text in many forms, numbers, yes/no, dates, containers, junk
SCALARS: tuple[Any, ...] = (
    None, "", " ", "  Acme   SRL  ", "Acme", "ăîșț Straße Ørsted", "12,50", "1.234,56", "1,234.56", "42", "-7",
    "007", "0", "1e999999", "nan", "da", "off", "YES", "true", "2024-02-01", "01.02.2024", "1/2/2024 10:30",
    "2024-02-01T12:00:00+02:00", "2024-02-01 10:00:00", "0000-00-00 00:00:00", "1404/09/04", "not a date",
    "INV-2026-00200", "C00042", "100-1042", "\u2028\x00\x7f", "RO", "1", "2", "9", "Active", "x" * 60,
    0, 1, 2, 42, -3, 1000, 2**60, 2**70, True, False, 12.5, 0.1, 1e16, -0.0, float("nan"), float("inf"),
    Decimal("12.50"), Decimal("1E+2"), Decimal("-0.000"), Decimal("NaN"), Decimal("1E+5000"),
    date(2024, 2, 1), datetime(2024, 2, 1, 10, 0), datetime(2024, 2, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))),
    datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    [], [1, 2], {}, {"a": 1}, ("t",), b"bytes",
)
PRICES: tuple[Any, ...] = (
    None, [], "", "junk", 12.5, "7,5", [{"currency_id": 1, "price": "12.50"}],
    [{"currency_id": 9, "price": "3"}, {"currency_id": 2, "price": 7}], '[{"currency_id": 2, "price": 7}]',
    {"currency_id": 1, "price": "x"}, [{"currency_id": "1", "price": None, "warehouse_id": 3}], [1],
)
LINES: tuple[Any, ...] = (
    None, [], "", " ", "junk", [1], [{"qty": "2", "item": " A "}], '[{"qty": 1, "item": "B"}]',
    [{"qty": "x", "item": "C"}, {"qty": 3}], ({"qty": 2.5, "item": None},), [{"item": [1]}],
)

ROWS: list[dict[str, Any]] = [
    {"crm": "company", "erp": "name", "type": "text", "transform": ["strip", "collapse_spaces"], "required": True},
    {"crm": "plain", "erp": "plain_e", "type": "text"},
    {"crm": "vat", "erp": "vat_e", "type": "text", "transform": ["strip", "upper", "remove_prefix:RO"]},
    {"crm": "code", "erp": "code_e", "type": "text", "transform": ["digits_only", "truncate:6", "prefix:C-"]},
    {"crm": "town", "erp": "town_e", "type": "text", "transform": ["remove_diacritics", "title", "suffix:/RO"],
     "transform_to_crm": ["remove_suffix:/RO", "lower"]},
    {"crm": "note", "erp": "note_e", "type": "text", "transform": ["replace:-:/", "default_if_empty:n/a"]},
    {"crm": "day_j", "erp": "day_j_e", "type": "text", "transform": ["jalali_date"]},
    {"crm": "with_default", "erp": "with_default_e", "type": "text", "default": "none given"},
    {"crm": "kind", "erp": "kind_e", "type": "text", "value_map": {"1": "one", "2": "two", "true": "yes"}},
    {"crm": "omitted", "erp": "omitted_e", "type": "text", "empty": "omit"},
    {"crm": "by_default", "erp": "by_default_e", "type": "text", "empty": "default"},
    {"crm": "amount", "erp": "amount_e", "type": "number", "transform": ["round:2"]},
    {"crm": "plain_number", "erp": "plain_number_e", "type": "number"},
    {"crm": "count", "erp": "count_e", "type": "integer"},
    {"crm": "number_code", "erp": "number_code_e", "type": "integer", "transform": ["add:1000"]},
    {"crm": "customer_number", "erp": "customer_number_e", "type": "text",
     "transform": ["remove_prefix:100-", "add:-1000"]},
    {"crm": "active", "erp": "active_e", "type": "boolean"},
    {"crm": "since", "erp": "since_e", "type": "date"},
    {"crm": "changed", "erp": "changed_e", "type": "datetime"},
    {"crm": "status", "erp": "status_e", "type": "picklist", "value_map": {"1": "Active", "2": "Inactive"}},
    {"crm": "status_d", "erp": "status_d_e", "type": "picklist", "value_map": {"1": "Active", "2": "Inactive"},
     "default": "Active"},
    {"crm": "level", "erp": "level_e", "type": "integer", "value_map": {"1": 10, "2": 20},
     "value_map_to_crm": {"10": "1", "30": "3"}},
    {"crm": "currency", "erp": "currency_e", "type": "currency"},
    {"crm": "price", "erp": "price_e", "type": "price", "currency": 1, "transform": ["round:1"]},
    {"crm": "owner", "erp": "owner_e", "type": "lookup", "lookup": "contacts"},
    {"crm": "exported", "erp": "exported_e", "type": "text", "direction": "export", "transform": ["strip"]},
    {"crm": "imported", "erp": "imported_e", "type": "number", "direction": "import"},
    {"crm": "items", "erp": "items_e", "type": "lines", "fields": [
        {"crm": "qty", "erp": "qty", "type": "number", "required": True},
        {"crm": "item", "erp": "item", "type": "text", "transform": ["strip"]},
    ]},
]
CURRENCIES = {"1": 1, "2": 3, "4": "EUR"}
#: what the two systems say of some target fields (defaults, no empty values)
DESCRIBED = {
    Side.CRM: EntityInfo("things", (FieldInfo("plain", nullable=False), FieldInfo("by_default", default="crm-d"),
                                    FieldInfo("vat", default="RO0"), FieldInfo("amount", nullable=True))),
    Side.ERP: EntityInfo("things", (FieldInfo("plain_e", default="erp-d"), FieldInfo("code_e", nullable=False))),
}
STAFF = {("contacts", Side.ERP, "5"): "50", ("contacts", Side.CRM, "50"): "5", ("contacts", Side.ERP, "42"): "0042",
         ("contacts", Side.CRM, "1"): "x1"}


class Resolver:
    def resolve(self, entity: str, from_side: Side, source_id: str) -> str | None:
        return STAFF.get((entity, from_side, source_id))


def _value(pool: tuple[Any, ...], n: int) -> Any:
    return pool[n % len(pool)]


def records(rows: list[dict[str, Any]], side: Side, count: int) -> list[dict[str, Any]]:
    """`count` records of `side`: field j of record i takes a value of its pool by a stride, so that each field
    meets every value and the fields of one record differ."""
    out = []
    for i in range(count):
        data: dict[str, Any] = {}
        for j, row in enumerate(rows):
            pool = PRICES if row["type"] == "price" else LINES if row["type"] == "lines" else SCALARS
            if (i + j) % 11 == 10:
                continue  # now and then the field is absent
            data[row[side.value]] = _value(pool, i * 7 + j * 13 + (side is Side.ERP))
        out.append(data)
    return out


def _shown(call: Callable[[], Any]) -> str:
    try:
        return repr(call())
    except ERPSyncError as exc:
        return f"{type(exc).__name__}: {exc.message} | field={getattr(exc, 'field', None)!r} | hint={exc.hint!r}"
    except Exception as exc:  # what escapes is pinned too
        return f"{type(exc).__name__}: {exc}"


def _record_outputs(mapping: EntityMapping, side: Side, data: Mapping[str, Any]) -> list[str]:
    canon = mapping.canonical(side, data)
    other = side.other
    mapped: list[str] = []
    try:
        payload = mapping.map_record(data, to=other, resolver=Resolver())
    except Exception:  # no payload to compare
        payload = None
    out = [
        repr(canon), checksum_of(canon), mapping.checksum(side, data), " ".join(map(field_digest, canon.values())),
        _shown(lambda: mapping.to_common(side, data)),
        _shown(lambda: mapping.map_record(data, to=other, resolver=Resolver())),
        _shown(lambda: mapping.map_record(data, to=other)),
        _shown(lambda: mapping.diff(side, data, None)),
        _shown(lambda: mapping.diff(other, payload, data) if payload is not None else None),
    ]
    for crm_name in ("company", "customer_number", "amount", "status"):
        if any(f.crm == crm_name for f in mapping.fields):
            mapped.append(_shown(lambda n=crm_name: mapping.key_form(n, other, data, side, Resolver())))
            mapped.append(_shown(lambda n=crm_name: mapping.key_form(n, side, data, side)))
    return out + mapped


def _mappings() -> dict[str, EntityMapping]:
    unbound = EntityMapping("things", parse_fields(ROWS), CURRENCIES)
    bound = EntityMapping("things", parse_fields(ROWS), CURRENCIES)
    bound.bind_targets(DESCRIBED)
    no_currencies = EntityMapping("things", parse_fields(ROWS), None)
    clients = EntityMapping("clients", parse_fields([
        {"crm": "customer_number", "erp": "customer_number", "type": "text"}, *default_fields("clients")]),
        {"1": 1, "2": 2, "3": 3, "4": 4})
    clients.bind_targets({Side.CRM: EntityInfo("clients", (FieldInfo("company", nullable=False),))})
    return {"unbound": unbound, "bound": bound, "no_currencies": no_currencies, "clients": clients}


def client_records() -> list[dict[str, Any]]:
    """ERP clients as the generic REST system gives them (text, whole numbers, null) with loose values mixed in."""
    out = []
    for i in range(60):
        out.append({
            "id": i, "customer_number": f"C{i:05d}" if i % 9 else i, "company": f"  Firma {i}  SRL " if i % 5 else "",
            "vat": f"RO{1000 + i}" if i % 4 else None, "phone": f"+40 7{i:02d}", "address": f"Str. {i}",
            "city": ("Cluj", "Iași", " Brașov ", None, 7)[i % 5], "county": "CJ" if i % 2 else "",
            "country": ("RO", "DE", "IR", "", 1.5)[i % 5], "zip": str(400000 + i) if i % 3 else 400000 + i,
            "currency_id": (1, 2, 3, 4, "1", None, 9, "x")[i % 8],
        })
    return out


def outputs() -> dict[str, list[str]]:
    """Everything the mapping layer makes of the records, keyed by mapping, side and record number."""
    result: dict[str, list[str]] = {}
    for name, mapping in _mappings().items():
        for side in Side:
            if name == "clients":
                sample = client_records() if side is Side.ERP else [
                    {("state" if k == "county" else "phonenumber" if k == "phone" else k): v
                     for k, v in r.items()} for r in client_records()]
                sample = [{("default_currency" if k == "currency_id" else k): v for k, v in r.items()}
                          if side is Side.CRM else r for r in sample]
            else:
                sample = records(ROWS, side, 100)
            for number, data in enumerate(sample):
                result[f"{name}/{side.value}/{number}"] = _record_outputs(mapping, side, data)
    for number, row in enumerate(ROWS):
        alone = EntityMapping("things", parse_fields([row]), CURRENCIES)
        bound = EntityMapping("things", parse_fields([row]), CURRENCIES)
        bound.bind_targets(DESCRIBED)
        for side in Side:
            pool = PRICES if row["type"] == "price" else LINES if row["type"] == "lines" else SCALARS
            for which, mapping in (("alone", alone), ("bound", bound)):
                result[f"field {number} {which} {row['crm']} {side.value}"] = [
                    "\n".join(_record_outputs(mapping, side, {row[side.value]: value})) for value in pool]
    result["digests"] = [field_digest(v) for v in SCALARS]
    result["checksums"] = [checksum_of({"v": v, "w": [v]}) for v in SCALARS]
    return result


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def pinned(texts: dict[str, list[str]]) -> dict[str, str]:
    """Per record: its checksum, then a short hash of each other text (in order), space-separated; per field
    alone: a short hash of all texts of each value."""
    return {name: " ".join([items[1], *map(short_hash, items[:1] + items[2:])]) if "/" in name
            else " ".join(map(short_hash, items)) if name.startswith("field ")
            else " ".join(items) for name, items in texts.items()}


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(pinned(outputs()), indent=0) + "\n")
    print(f"wrote {GOLDEN}")

