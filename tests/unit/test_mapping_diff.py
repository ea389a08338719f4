"""EntityMapping.diff: which fields a payload would change, compared canonically."""

from __future__ import annotations

from decimal import Decimal

from erpsync_gui.mapping import EntityMapping, FieldDiff, parse_fields
from erpsync_gui.records import Side

ROWS = [
    {"crm": "company", "erp": "name"},
    {"crm": "total", "erp": "amount", "type": "number"},
    {"crm": "due", "erp": "due_date", "type": "date"},
    {"crm": "rate", "erp": "prices", "type": "price", "currency": 1},
]


def mapping() -> EntityMapping:
    return EntityMapping("products", parse_fields(ROWS), {"1": 1, "2": 3})


def test_new_record_shows_every_payload_field_as_new():
    payload = {"name": "Acme", "amount": Decimal("12.50")}
    assert mapping().diff(Side.ERP, payload, None) == [
        FieldDiff("name", None, "Acme"),
        FieldDiff("amount", None, "12.5"),
    ]


def test_only_fields_that_change_are_listed():
    payload = {"name": "Acme SRL", "amount": Decimal("12.50"), "due_date": "2024-02-01"}
    current = {"name": "Acme", "amount": "12.5", "due_date": "01.02.2024", "other": "kept"}
    assert mapping().diff(Side.ERP, payload, current) == [FieldDiff("name", "Acme", "Acme SRL")]


def test_no_change_means_an_empty_diff():
    payload = {"name": "", "amount": 12}
    assert mapping().diff(Side.ERP, payload, {"name": None, "amount": "12.00"}) == []


def test_a_field_missing_from_the_current_record_is_a_change():
    assert mapping().diff(Side.CRM, {"company": "Acme"}, {}) == [FieldDiff("company", None, "Acme")]


def test_prices_compare_only_the_mapped_currency():
    payload = {"prices": [{"currency_id": 1, "price": Decimal("9.5")}]}
    same = {"prices": [{"currency_id": 2, "price": "100"}, {"currency_id": 1, "price": "9.50"}]}
    other = {"prices": [{"currency_id": 1, "price": "9.00"}]}
    m = mapping()
    assert m.diff(Side.ERP, payload, same) == []
    assert m.diff(Side.ERP, payload, other) == [FieldDiff("prices", "9", "9.5")]


def test_unmapped_payload_fields_are_compared_as_they_are():
    m = mapping()
    assert m.diff(Side.ERP, {"external_id": "7"}, {"external_id": "7"}) == []
    assert m.diff(Side.ERP, {"external_id": "8"}, {"external_id": "7"}) == [
        FieldDiff("external_id", "7", "8")
    ]
