"""The site-specific customer number, "100-" + (Siagh Code + 1000), as a mapping row of safe transforms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erpsync_gui.errors import MappingError
from erpsync_gui.mapping import EntityMapping, MappingConfigError, parse_fields
from erpsync_gui.mapping.transforms import apply, parse_transform, toward_crm
from erpsync_gui.records import Side

ROW = {"crm": "customerNumber", "erp": "Code", "type": "text", "transform": ["remove_prefix:100-", "add:-1000"]}


def _mapping() -> EntityMapping:
    return EntityMapping("clients", parse_fields([ROW]))


def test_the_crm_customer_number_becomes_the_siagh_code_and_back():
    mapping = _mapping()
    assert mapping.map_record({"customerNumber": "100-9407"}, to=Side.ERP) == {"Code": "8407"}
    assert mapping.map_record({"Code": 8407}, to=Side.CRM) == {"customerNumber": "100-9407"}
    assert mapping.map_record({"Code": 0}, to=Side.CRM) == {"customerNumber": "100-1000"}


def test_the_way_back_is_derived_in_reverse_order():
    back = toward_crm(parse_fields([ROW])[0].transform)
    assert [str(t) for t in back] == ["add:1000", "prefix:100-"]


def test_a_customer_number_that_is_not_a_number_fails_for_its_record_only():
    with pytest.raises(MappingError) as caught:
        _mapping().map_record({"customerNumber": "100-ABC"}, to=Side.ERP)
    assert caught.value.field == "customerNumber" and "not a number" in str(caught.value)
    assert _mapping().map_record({"customerNumber": ""}, to=Side.ERP) == {"Code": None}


def test_add_works_on_numbers_and_keeps_decimals_exact():
    assert apply(parse_transform("add:0.1"), Decimal("0.2")) == Decimal("0.3")
    assert apply(parse_transform("add:-5"), 3) == Decimal(-2)
    assert apply(parse_transform("add:5"), None) is None


@pytest.mark.parametrize("spec", ["add", "add:", "add:x", "add:1e5", "remove_prefix:"])
def test_malformed_arguments_are_refused(spec):
    with pytest.raises(ValueError):
        parse_transform(spec)


def test_add_does_not_apply_to_dates():
    with pytest.raises(MappingConfigError, match="add"):
        parse_fields([{"crm": "d", "erp": "D", "type": "date", "transform": ["add:1"]}])
