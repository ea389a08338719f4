"""Currency mapping validation, the currency type and ERP price lists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erpsync_gui.errors import ConfigError, CurrencyMappingError, MappingError
from erpsync_gui.mapping import EntityMapping, parse_fields, validate_currency_mapping
from erpsync_gui.records import Side

PRICE_ROW = {"crm": "rate", "erp": "prices", "type": "price", "currency": 1}
CURRENCY_ROW = {"crm": "currency", "erp": "currency_id", "type": "currency"}


def mapping(rows, currency_mapping) -> EntityMapping:
    return EntityMapping("products", parse_fields(rows), currency_mapping)


def test_currency_mapping_from_json_text_or_dict():
    assert validate_currency_mapping('{"1": 1, "2": 3}') == {"1": 1, "2": 3}
    assert validate_currency_mapping({"1": 1, "5": "2"}) == {"1": 1, "5": 2}
    assert validate_currency_mapping({1: 1}) == {"1": 1}
    assert validate_currency_mapping({"EUR": "eur-id"}) == {"EUR": "eur-id"}
    assert validate_currency_mapping("") == {}
    assert validate_currency_mapping(None) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"1": 1, "2": 1}', "ERP currencies 1 and 2 both map to CRM currency 1"),
        ('{"1": true}', "value True is not a CRM currency id"),
        ('{"1": null}', "value None is not a CRM currency id"),
        ('{"1": [1]}', "is not a CRM currency id"),
        ('{"": 1}', "key '' is not a currency id"),
        ("[1, 2]", "must be an object, not list"),
        ('{"1": 1,', "currency mapping is not valid JSON: line 1 col 9"),
    ],
)
def test_bad_currency_mappings_are_explained(value, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")) as info:
        validate_currency_mapping(value)
    assert "e.g." in info.value.hint


def test_currency_type_maps_erp_ids_to_crm_ids_and_back():
    m = mapping([CURRENCY_ROW], {"1": 1, "2": 3})
    assert m.map_record({"currency_id": 2}, to=Side.CRM) == {"currency": 3}
    assert m.map_record({"currency_id": "2"}, to=Side.CRM) == {"currency": 3}
    assert m.map_record({"currency": 3}, to=Side.ERP) == {"currency_id": 2}
    assert m.map_record({"currency": None}, to=Side.ERP) == {"currency_id": None}


def test_unmapped_currency_is_a_currency_mapping_error():
    m = mapping([CURRENCY_ROW], {"1": 1})
    with pytest.raises(CurrencyMappingError, match="ERP currency 9 is not in the currency mapping") as info:
        m.map_record({"currency_id": 9}, to=Side.CRM)
    assert info.value.field == "currency_id"
    assert info.value.hint == "mapped ERP currencies: 1"
    with pytest.raises(CurrencyMappingError, match="CRM currency 4 is not in the currency mapping"):
        m.map_record({"currency": 4}, to=Side.ERP)


def test_price_import_picks_the_entry_in_the_rows_currency():
    m = mapping([PRICE_ROW], {"1": 1, "2": 3})
    erp = {
        "prices": [
            {"currency_id": 2, "price": "9.99", "warehouse_id": 1},
            {"currency_id": 1, "price": "12.50", "warehouse_id": 1},
        ]
    }
    assert m.map_record(erp, to=Side.CRM) == {"rate": Decimal("12.50")}


def test_price_export_writes_one_entry_in_the_mapped_erp_currency():
    m = mapping([{**PRICE_ROW, "currency": 3}], {"1": 1, "2": 3})
    assert m.map_record({"rate": "12.5"}, to=Side.ERP) == {
        "prices": [{"currency_id": 2, "price": Decimal("12.5")}]
    }


def test_price_round_transform_applies():
    m = mapping([{**PRICE_ROW, "transform": ["round:2"]}], {"1": 1})
    assert m.map_record({"rate": "2.345"}, to=Side.ERP) == {
        "prices": [{"currency_id": 1, "price": Decimal("2.35")}]
    }


def test_prices_without_a_currency_mapping_are_refused_with_a_hint():
    m = mapping([PRICE_ROW], {})
    with pytest.raises(CurrencyMappingError) as info:
        m.map_record({"prices": [{"currency_id": 1, "price": "3"}]}, to=Side.CRM)
    assert "Prices not synchronizing: the currency mapping is missing or invalid" in info.value.message
    assert info.value.hint == 'set the currency mapping of entity products, e.g. {"1": 1}'
    with pytest.raises(CurrencyMappingError, match="Prices not synchronizing: the currency mapping is missing"):
        m.map_record({"rate": 3}, to=Side.ERP)


def test_no_price_in_the_rows_currency_names_the_currencies_present():
    m = mapping([PRICE_ROW], {"1": 1, "2": 3})
    with pytest.raises(
        MappingError, match="no price in CRM currency 1; the ERP has prices in currencies 2, 7"
    ):
        m.map_record(
            {"prices": [{"currency_id": 2, "price": 1}, {"currency_id": 7, "price": 2}]}, to=Side.CRM
        )


def test_empty_price_lists_are_empty_values():
    m = mapping([PRICE_ROW], {})
    assert m.map_record({"prices": []}, to=Side.CRM) == {"rate": None}
    required = mapping([{**PRICE_ROW, "required": True}], {"1": 1})
    with pytest.raises(MappingError, match="required"):
        required.map_record({"prices": []}, to=Side.CRM)


def test_price_list_given_as_json_text_is_read():
    m = mapping([PRICE_ROW], {"1": 1})
    assert m.map_record({"prices": '[{"currency_id": 1, "price": 4.5}]'}, to=Side.CRM) == {
        "rate": Decimal("4.5")
    }


def test_erp_price_canonical_looks_only_at_the_mapped_currency():
    m = mapping([PRICE_ROW], {"1": 1, "2": 3})
    a = {"prices": [{"currency_id": 1, "price": "12.50"}, {"currency_id": 2, "price": "3"}]}
    b = {"prices": [{"currency_id": 2, "price": "4"}, {"currency_id": 1, "price": 12.5, "extra": "x"}]}
    assert m.canonical(Side.ERP, a) == m.canonical(Side.ERP, b) == {"prices": "12.5"}
    assert m.canonical(Side.CRM, {"rate": Decimal("12.50")}) == {"rate": "12.5"}


def test_erp_price_canonical_without_a_usable_mapping_keeps_a_sorted_list():
    m = mapping([PRICE_ROW], {})
    a = {"prices": [{"currency_id": 2, "price": "3.0"}, {"currency_id": 1, "price": "12.50"}]}
    assert m.canonical(Side.ERP, a) == {
        "prices": [{"currency_id": "1", "price": "12.5"}, {"currency_id": "2", "price": "3"}]
    }
