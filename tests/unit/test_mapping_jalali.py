"""Jalali dates both ways, at the edges of months and years, through the transforms and a mapping row."""

from __future__ import annotations

from datetime import date

import pytest

from erpsync_gui.errors import MappingError
from erpsync_gui.mapping import EntityMapping, parse_fields
from erpsync_gui.mapping.jalali import from_jalali, to_jalali
from erpsync_gui.mapping.transforms import apply, parse_transform, toward_crm
from erpsync_gui.mapping.types import ConversionError
from erpsync_gui.records import Side

EDGES = [
    (date(2025, 11, 25), "1404/09/04"),  # Siagh's own example: SystemDate of a login reply
    (date(2025, 3, 20), "1403/12/30"),  # last day of a leap year (Esfand has 30 days in 1403)
    (date(2025, 3, 21), "1404/01/01"),  # Nowruz: the first day of the next year
    (date(2024, 3, 19), "1402/12/29"),  # last day of a common year
    (date(2025, 9, 22), "1404/06/31"),  # the first six months have 31 days
    (date(2025, 9, 23), "1404/07/01"),
    (date(2026, 3, 20), "1404/12/29"),  # 1404 is common: Esfand ends on the 29th
    (date(2025, 12, 31), "1404/10/10"),  # the Gregorian year turns in Dey
    (date(2026, 1, 1), "1404/10/11"),
]


@pytest.mark.parametrize(("gregorian", "jalali"), EDGES)
def test_dates_convert_both_ways_at_month_and_year_edges(gregorian, jalali):
    assert to_jalali(gregorian) == jalali
    assert from_jalali(jalali) == gregorian


def test_a_day_that_does_not_exist_is_refused_not_rolled_over():
    with pytest.raises(ConversionError):
        from_jalali("1404/12/30")  # 1404 is not a leap year
    with pytest.raises(ConversionError):
        from_jalali("1404/07/31")  # the second half of the year has 30-day months
    with pytest.raises(ConversionError):
        from_jalali("2025/03/21")  # a Gregorian date written with slashes is not taken as Jalali


def test_persian_digits_and_one_digit_parts_are_read():
    assert from_jalali("۱۴۰۴/۰۹/۰۴") == date(2025, 11, 25)
    assert from_jalali("1404/9/4") == date(2025, 11, 25)


def test_the_transform_pair_are_each_others_way_back():
    to_erp = parse_transform("jalali_date")
    assert apply(to_erp, "2025-03-20") == "1403/12/30"
    assert apply(to_erp, "2025-03-21T00:00:00") == "1404/01/01"  # a datetime's own date, no zone shift
    assert apply(to_erp, None) is None
    (back,) = toward_crm((to_erp,))
    assert back.name == "gregorian_date"
    assert apply(back, "1404/01/01") == "2025-03-21"


def test_a_mapping_row_converts_both_ways_and_names_the_field_on_bad_input():
    mapping = EntityMapping("clients", parse_fields([
        {"crm": "birthDate", "erp": "BirthDate", "type": "text", "transform": ["jalali_date"]}]))
    assert mapping.map_record({"birthDate": "2026-03-20"}, to=Side.ERP) == {"BirthDate": "1404/12/29"}
    assert mapping.map_record({"BirthDate": "1404/12/29"}, to=Side.CRM) == {"birthDate": "2026-03-20"}
    with pytest.raises(MappingError) as caught:
        mapping.map_record({"BirthDate": "1404/12/30"}, to=Side.CRM)
    assert caught.value.field == "BirthDate"


def test_the_jalali_transforms_only_apply_to_text_rows():
    with pytest.raises(Exception, match="works on text"):
        parse_fields([{"crm": "d", "erp": "D", "type": "number", "transform": ["jalali_date"]}])
