"""EntityMapping.map_record both ways, defaults, lookups, lines, canonical forms and key pairs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from erpsync_gui.errors import ConfigError, MappingError
from erpsync_gui.mapping import EntityMapping, LookupResolver, MappingConfigError, parse_fields
from erpsync_gui.profile import EntityConfig
from erpsync_gui.records import Side


class FakeResolver:
    """Link store stand-in: {(entity, from_side, source id): twin id}; remembers what was asked."""

    def __init__(self, links: dict[tuple[str, Side, str], str]) -> None:
        self.links = links
        self.asked: list[tuple[str, Side, str]] = []

    def resolve(self, entity: str, from_side: Side, source_id: str) -> str | None:
        self.asked.append((entity, from_side, source_id))
        return self.links.get((entity, from_side, source_id))


def one(row: dict, currency_mapping=None) -> EntityMapping:
    return EntityMapping("clients", parse_fields([{"crm": "c", "erp": "e", **row}]), currency_mapping)


@pytest.mark.parametrize(
    ("type_", "crm_value", "erp_value"),
    [
        ("text", "Acme", "Acme"),
        ("number", "12,50", Decimal("12.50")),
        ("integer", "42", 42),
        ("boolean", "da", True),
        ("date", "01.02.2024", date(2024, 2, 1)),
        ("datetime", "2024-02-01 10:00:00", datetime(2024, 2, 1, 10, tzinfo=UTC)),
    ],
)
def test_every_scalar_type_toward_the_erp(type_, crm_value, erp_value):
    assert one({"type": type_}).map_record({"c": crm_value}, to=Side.ERP) == {"e": erp_value}


@pytest.mark.parametrize(
    ("type_", "erp_value", "crm_value"),
    [
        ("text", 12, "12"),
        ("number", 12.5, Decimal("12.5")),
        ("integer", 7.0, 7),
        ("boolean", "off", False),
        ("date", "2024-02-01T23:00:00Z", date(2024, 2, 1)),
        ("datetime", "2024-02-01T12:00:00+02:00", datetime(2024, 2, 1, 10, tzinfo=UTC)),
    ],
)
def test_every_scalar_type_toward_the_crm(type_, erp_value, crm_value):
    assert one({"type": type_}).map_record({"e": erp_value}, to=Side.CRM) == {"c": crm_value}


def test_bad_value_error_names_the_field_and_a_shortened_value():
    m = one({"type": "number"})
    with pytest.raises(MappingError) as info:
        m.map_record({"c": "not a number " + "x" * 200}, to=Side.ERP)
    message = str(info.value)
    assert "field 'c' (-> 'e')" in message
    assert "'not a number xxx" in message
    assert "…" in message and len(message) < 120
    assert info.value.field == "c"


def test_transforms_apply_in_their_direction():
    m = one({"transform": ["strip", "upper", "prefix:C-"]})
    assert m.map_record({"c": " ab "}, to=Side.ERP) == {"e": "C-AB"}
    assert m.map_record({"e": "C-xy "}, to=Side.CRM) == {"c": "XY"}
    explicit = one({"transform": ["upper"], "transform_to_crm": ["lower"]})
    assert explicit.map_record({"e": "AB"}, to=Side.CRM) == {"c": "ab"}


def test_value_map_applies_on_export_and_is_inverted_on_import():
    m = one({"type": "picklist", "value_map": {"1": "open", "2": "closed"}})
    assert m.map_record({"c": 1}, to=Side.ERP) == {"e": "open"}
    assert m.map_record({"c": "2"}, to=Side.ERP) == {"e": "closed"}
    assert m.map_record({"e": "closed"}, to=Side.CRM) == {"c": 2}  # integer codes come back as ints


def test_picklist_keys_that_are_not_integers_stay_text():
    m = one({"type": "picklist", "value_map": {"A": "alpha", "007": "bond"}})
    assert m.map_record({"e": "alpha"}, to=Side.CRM) == {"c": "A"}
    assert m.map_record({"e": "bond"}, to=Side.CRM) == {"c": "007"}


def test_explicit_way_back_wins_over_the_inverse():
    m = one({"type": "picklist", "value_map": {"1": "open", "2": "open"}, "value_map_to_crm": {"open": 2}})
    assert m.map_record({"e": "open"}, to=Side.CRM) == {"c": 2}


def test_unmapped_picklist_value_is_an_error_unless_a_default_is_given():
    m = one({"type": "picklist", "value_map": {"1": "open"}})
    with pytest.raises(MappingError, match="value 9 is not in the value map") as info:
        m.map_record({"c": 9}, to=Side.ERP)
    assert info.value.hint == "known values: '1'"
    with pytest.raises(MappingError, match="value 'weird' is not in the value map"):
        m.map_record({"e": "weird"}, to=Side.CRM)
    with_default = one({"type": "picklist", "value_map": {"1": "open", "2": "closed"}, "default": 1})
    assert with_default.map_record({"c": 9}, to=Side.ERP) == {"e": "open"}
    assert with_default.map_record({"e": "weird"}, to=Side.CRM) == {"c": 1}


def test_value_map_on_text_passes_unmapped_values_through():
    m = one({"value_map": {"RO": "Romania"}})
    assert m.map_record({"c": "RO"}, to=Side.ERP) == {"e": "Romania"}
    assert m.map_record({"c": "HU"}, to=Side.ERP) == {"e": "HU"}
    assert m.map_record({"e": "Romania"}, to=Side.CRM) == {"c": "RO"}


def test_default_fills_empty_values_in_crm_terms():
    m = one({"type": "picklist", "value_map": {"1": "open", "2": "closed"}, "default": 2})
    assert m.map_record({"c": None}, to=Side.ERP) == {"e": "closed"}
    assert m.map_record({"e": ""}, to=Side.CRM) == {"c": 2}
    assert m.map_record({}, to=Side.ERP) == {"e": "closed"}
    number = one({"type": "number", "default": "0"})
    assert number.map_record({"e": None}, to=Side.CRM) == {"c": Decimal("0")}


def test_required_empty_result_is_an_error_naming_the_field():
    m = one({"required": True})
    for data, side in (
        ({"c": ""}, Side.ERP),
        ({"c": None}, Side.ERP),
        ({}, Side.ERP),
        ({"e": None}, Side.CRM),
    ):
        with pytest.raises(MappingError, match="required") as info:
            m.map_record(data, to=side)
        assert info.value.field == ("c" if side is Side.ERP else "e")
    emptied = one({"required": True, "transform": ["digits_only"]})
    with pytest.raises(MappingError, match="required"):
        emptied.map_record({"c": "n/a"}, to=Side.ERP)


def test_default_if_empty_transform_fills_an_emptied_value():
    m = one({"transform": ["digits_only", "default_if_empty:0"]})
    assert m.map_record({"c": "n/a"}, to=Side.ERP) == {"e": "0"}
    assert m.map_record({"c": None}, to=Side.ERP) == {"e": "0"}


def test_an_absent_field_is_an_empty_one_and_the_empty_value_rule_decides():
    m = EntityMapping("clients", parse_fields([{"crm": "a", "erp": "x"}, {"crm": "b", "erp": "y"}]), None)
    # the same record with the field left out, or given as null: a system that omits nulls means the same
    assert m.map_record({"a": "1"}, to=Side.ERP) == {"x": "1", "y": None}
    assert m.map_record({"a": "1", "b": None}, to=Side.ERP) == {"x": "1", "y": None}
    assert m.map_record({"a": "1", "b": ""}, to=Side.ERP) == {"x": "1", "y": ""}
    kept = EntityMapping("clients", parse_fields([{"crm": "a", "erp": "x"},
                                                  {"crm": "b", "erp": "y", "empty": "omit"}]), None)
    assert kept.map_record({"a": "1"}, to=Side.ERP) == {"x": "1"}
    assert kept.map_record({"a": "1", "b": None}, to=Side.ERP) == {"x": "1"}


def test_direction_limits_which_way_a_field_goes():
    m = EntityMapping(
        "clients",
        parse_fields(
            [
                {"crm": "a", "erp": "a", "direction": "export"},
                {"crm": "b", "erp": "b", "direction": "import"},
                {"crm": "c", "erp": "c"},
            ]
        ),
        None,
    )
    assert m.map_record({"a": 1, "b": 2, "c": 3}, to=Side.ERP) == {"a": "1", "c": "3"}
    assert m.map_record({"a": 1, "b": 2, "c": 3}, to=Side.CRM) == {"b": "2", "c": "3"}


def test_lookup_translates_ids_through_the_resolver_both_ways():
    m = one({"type": "lookup", "lookup": "clients"})
    resolver = FakeResolver({("clients", Side.CRM, "5"): "105", ("clients", Side.ERP, "105"): "5"})
    assert isinstance(resolver, LookupResolver)
    assert m.map_record({"c": 5}, to=Side.ERP, resolver=resolver) == {"e": 105}
    assert m.map_record({"e": "105"}, to=Side.CRM, resolver=resolver) == {"c": 5}
    assert resolver.asked == [("clients", Side.CRM, "5"), ("clients", Side.ERP, "105")]


def test_lookup_of_a_record_not_synced_yet_says_what_to_do():
    m = one({"type": "lookup", "lookup": "clients"})
    with pytest.raises(MappingError) as info:
        m.map_record({"c": 123}, to=Side.ERP, resolver=FakeResolver({}))
    assert "client 123 is not synced yet (sync clients first)" in str(info.value)
    assert info.value.field == "c"
    groups = one({"type": "lookup", "lookup": "product_groups"})
    with pytest.raises(MappingError, match="product group 4 is not synced yet"):
        groups.map_record({"e": 4}, to=Side.CRM, resolver=FakeResolver({}))


def test_lookup_without_a_resolver_is_a_clear_error():
    with pytest.raises(MappingError, match="no lookup resolver"):
        one({"type": "lookup", "lookup": "clients"}).map_record({"c": 1}, to=Side.ERP)


def test_lookup_zero_means_no_record_and_is_not_resolved():
    m = one({"type": "lookup", "lookup": "clients", "default": 0})
    resolver = FakeResolver({})
    assert m.map_record({"c": 0}, to=Side.ERP, resolver=resolver) == {"e": None}
    assert m.map_record({"e": None}, to=Side.CRM, resolver=resolver) == {"c": 0}
    assert resolver.asked == []


LINES = {
    "crm": "lines",
    "erp": "items",
    "type": "lines",
    "fields": [
        {"crm": "description", "erp": "text"},
        {"crm": "qty", "erp": "quantity", "type": "number", "required": True},
        {"crm": "itemid", "erp": "product_id", "type": "lookup", "lookup": "products"},
    ],
}


def test_lines_map_each_item_with_the_sub_rows_in_order():
    m = EntityMapping("invoices", parse_fields([LINES]), None)
    resolver = FakeResolver({("products", Side.CRM, "1"): "11", ("products", Side.ERP, "12"): "2"})
    crm = {"lines": [{"description": "A", "qty": "2", "itemid": 1}, {"description": "B", "qty": 1.5}]}
    assert m.map_record(crm, to=Side.ERP, resolver=resolver) == {
        "items": [
            {"text": "A", "quantity": Decimal("2"), "product_id": 11},
            {"text": "B", "quantity": Decimal("1.5"), "product_id": None},
        ]
    }
    erp = {"items": '[{"text": "C", "quantity": 3, "product_id": 12}]'}
    assert m.map_record(erp, to=Side.CRM, resolver=resolver) == {
        "lines": [{"description": "C", "qty": Decimal("3"), "itemid": 2}]
    }
    assert m.map_record({"items": []}, to=Side.CRM) == {"lines": []}


def test_a_bad_line_names_the_line_and_its_field():
    m = EntityMapping("invoices", parse_fields([LINES]), None)
    with pytest.raises(MappingError) as info:
        m.map_record({"lines": [{"qty": 1}, {"description": "x", "qty": None}]}, to=Side.ERP)
    assert "line 2" in info.value.message
    assert info.value.field == "lines[2].qty"
    with pytest.raises(MappingError, match="not a list of lines"):
        m.map_record({"lines": {"qty": 1}}, to=Side.ERP)


def test_canonical_never_raises_and_keeps_unreadable_values_as_text():
    m = EntityMapping(
        "x",
        parse_fields(
            [
                {"crm": "n", "erp": "n", "type": "number"},
                {"crm": "d", "erp": "d", "type": "date"},
                {
                    "crm": "l",
                    "erp": "l",
                    "type": "lines",
                    "fields": [{"crm": "q", "erp": "q", "type": "number"}],
                },
            ]
        ),
        None,
    )
    assert m.canonical(Side.CRM, {"n": "abc", "d": "someday", "l": "[broken"}) == {
        "n": "abc",
        "d": "someday",
        "l": "[broken",
    }
    assert m.canonical(Side.CRM, {"l": [{"q": "1.50"}, {"q": "x"}]}) == {
        "n": None,
        "d": None,
        "l": [{"q": "1.5"}, {"q": "x"}],
    }
    assert m.canonical(Side.CRM, {"l": None}) == m.canonical(Side.CRM, {"l": []})


def test_to_common_puts_both_sides_under_crm_names_in_crm_terms():
    m = EntityMapping(
        "invoices",
        parse_fields(
            [
                {
                    "crm": "status",
                    "erp": "state",
                    "type": "picklist",
                    "value_map": {"1": "open", "2": "paid"},
                },
                {"crm": "currency", "erp": "currency_id", "type": "currency"},
                {"crm": "total", "erp": "amount", "type": "number"},
                {"crm": "clientid", "erp": "client_id", "type": "lookup", "lookup": "clients"},
            ]
        ),
        {"1": 1, "2": 3},
    )
    crm = m.to_common(Side.CRM, {"status": 2, "currency": 3, "total": "10.0", "clientid": 7})
    erp = m.to_common(Side.ERP, {"state": "paid", "currency_id": 2, "amount": 10, "client_id": 70})
    assert crm == {"status": "2", "currency": "3", "total": "10", "clientid": "7"}
    assert erp == {"status": "2", "currency": "3", "total": "10", "clientid": "70"}
    assert m.to_common(Side.ERP, {"state": "unknown", "currency_id": 99}) == {
        "status": "unknown",
        "currency": "99",
        "total": None,
        "clientid": None,
    }


def test_field_names_and_key_pairs():
    m = EntityMapping(
        "clients",
        parse_fields(
            [
                {"crm": "customer_number", "erp": "code"},
                {"crm": "vat", "erp": "tax_id"},
                {"crm": "vat", "erp": "vat_copy", "direction": "export"},
            ]
        ),
        None,
    )
    assert m.field_names(Side.CRM) == ("customer_number", "vat")
    assert m.field_names(Side.ERP) == ("code", "tax_id", "vat_copy")
    assert m.key_pairs(["vat", "customer_number"]) == [("vat", "tax_id"), ("customer_number", "code")]
    with pytest.raises(
        ConfigError, match="match key 'email' of entity clients is not a mapped CRM field"
    ) as info:
        m.key_pairs(["email"])
    assert info.value.hint == "mapped CRM fields: customer_number, vat"


def test_from_config_reads_rows_and_currency_mapping_and_names_the_entity():
    cfg = EntityConfig(
        entity="invoices",
        fields=({"crm": "currency", "erp": "currency_id", "type": "currency"},),
        currency_mapping={"1": 1, "2": 3},
    )
    m = EntityMapping.from_config(cfg)
    assert m.map_record({"currency_id": 2}, to=Side.CRM) == {"currency": 3}
    bad_rows = EntityConfig(entity="leads", fields=({"crm": "a"}, {"crm": "b", "erp": "b", "type": "x"}))
    with pytest.raises(MappingConfigError, match="the field mapping of leads has 2 problems") as info:
        EntityMapping.from_config(bad_rows)
    assert len(info.value.problems) == 2
    bad_currency = EntityConfig(entity="products", currency_mapping={"1": 1, "2": 1})
    with pytest.raises(ConfigError, match="entity products: currency mapping is invalid"):
        EntityMapping.from_config(bad_currency)
