"""Per-type readers and canonical forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from erpsync_gui.mapping.types import (
    ConversionError,
    canonical_scalar,
    json_safe,
    natural_scalar,
    to_bool,
    to_date,
    to_datetime,
    to_decimal,
    to_id,
    to_int,
    to_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.50", "12.5"),
        (12.5, "12.5"),
        (Decimal("12.500"), "12.5"),
        ("12,5", "12.5"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,5", "1234.5"),
        ("1.234.567", "1234567"),
        (Decimal("1E+2"), "100"),
        ("-0.0", "0"),
        (0, "0"),
        (" 7 ", "7"),
        (0.1, "0.1"),
        ("1e-7", "0.0000001"),
    ],
)
def test_number_canonical_is_plain_normalized_text(raw, expected):
    assert canonical_scalar("number", raw) == expected


@pytest.mark.parametrize(
    "raw", ["abc", "NaN", "Infinity", float("inf"), float("nan"), True, [1], "1.2.3,4,5"]
)
def test_number_rejects_non_numbers(raw):
    with pytest.raises(ConversionError):
        to_decimal(raw)


def test_number_empty_values_are_none():
    assert to_decimal("") is None
    assert to_decimal("   ") is None
    assert to_decimal(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", 12), (12.0, 12), ("12.0", 12), (Decimal("-3"), -3), (7, 7)]
)
def test_integer_reads_whole_numbers(raw, expected):
    assert to_int(raw) == expected


@pytest.mark.parametrize("raw", ["12.5", 0.5, True, "x"])
def test_integer_rejects_fractions_and_words(raw):
    with pytest.raises(ConversionError):
        to_int(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Yes", True),
        ("no", False),
        ("DA", True),
        ("nu", False),
        ("on", True),
        ("Off", False),
        ("", None),
        (None, None),
    ],
)
def test_boolean_words(raw, expected):
    assert to_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", 2, "y"])
def test_boolean_rejects_other_values(raw):
    with pytest.raises(ConversionError):
        to_bool(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-02-01",
        "01.02.2024",
        "1.2.2024",
        "01/02/2024",
        date(2024, 2, 1),
        datetime(2024, 2, 1, 23, 59),
        "2024-02-01T10:00:00+02:00",
        "2024-02-01 10:00:00",
    ],
)
def test_date_accepts_iso_local_and_objects(raw):
    assert to_date(raw) == date(2024, 2, 1)
    assert canonical_scalar("date", raw) == "2024-02-01"


@pytest.mark.parametrize("raw", ["31.02.2024", "2024-13-01", "yesterday", 20240201, "02-01-2024"])
def test_date_rejects_invalid(raw):
    with pytest.raises(ConversionError):
        to_date(raw)


def test_date_zero_and_empty_are_none():
    assert to_date("0000-00-00") is None
    assert to_date("") is None
    assert to_datetime("0000-00-00 00:00:00") is None


def test_datetime_naive_is_utc_and_aware_is_converted():
    assert to_datetime("2024-02-01 10:00:00") == datetime(2024, 2, 1, 10, tzinfo=UTC)
    plus_two = timezone(timedelta(hours=2))
    converted = to_datetime(datetime(2024, 2, 1, 12, tzinfo=plus_two))
    assert converted == datetime(2024, 2, 1, 10, tzinfo=UTC)
    assert converted.utcoffset() == timedelta(0)
    assert to_datetime("2024-02-01T10:00:00Z") == datetime(2024, 2, 1, 10, tzinfo=UTC)
    assert to_datetime("01.02.2024 10:30") == datetime(2024, 2, 1, 10, 30, tzinfo=UTC)
    assert to_datetime(date(2024, 2, 1)) == datetime(2024, 2, 1, tzinfo=UTC)


def test_datetime_canonical_has_seconds_in_utc():
    assert canonical_scalar("datetime", "2024-02-01T12:00:00.123456+02:00") == "2024-02-01T10:00:00+00:00"
    assert canonical_scalar("datetime", datetime(2024, 2, 1, 10)) == "2024-02-01T10:00:00+00:00"


def test_datetime_rejects_garbage():
    with pytest.raises(ConversionError):
        to_datetime("soon")


def test_text_empty_and_none_are_the_same_canonically():
    assert canonical_scalar("text", "") is None
    assert canonical_scalar("text", None) is None
    assert canonical_scalar("text", "  ") == "  "  # text is stripped of nothing unless a transform says
    assert canonical_scalar("text", 12) == "12"


def test_text_rejects_containers():
    with pytest.raises(ConversionError):
        to_text({"a": 1})


def test_ids_are_text_and_zero_is_none():
    assert to_id(12) == "12"
    assert to_id(12.0) == "12"
    assert to_id(" 12 ") == "12"
    assert to_id("A-7") == "A-7"
    assert to_id(0) is None
    assert to_id("0") is None
    assert canonical_scalar("lookup", 5) == "5"


def test_picklist_canonical_is_the_values_text():
    assert canonical_scalar("picklist", 1) == "1"
    assert canonical_scalar("picklist", "1") == "1"
    assert canonical_scalar("picklist", "") is None


def test_natural_scalar_turns_plain_integers_into_ints():
    assert natural_scalar("12") == 12
    assert natural_scalar("-3") == -3
    assert natural_scalar("012") == "012"
    assert natural_scalar("A1") == "A1"
    assert natural_scalar("4150868000000224005") == "4150868000000224005"  # beyond 2**53: stays text


def test_json_safe_encodes_decimals_and_dates():
    payload = {
        "a": Decimal("12.50"),
        "b": Decimal("3"),
        "c": date(2024, 1, 2),
        "d": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "e": [Decimal("0.1")],
        "f": Decimal("0.12345678901234567890123"),
    }
    assert json_safe(payload) == {
        "a": 12.5,
        "b": 3,
        "c": "2024-01-02",
        "d": "2024-01-02T03:04:05+00:00",
        "e": [0.1],
        "f": "0.12345678901234567890123",
    }


def test_out_of_range_values_are_conversion_errors():
    with pytest.raises(ConversionError, match="out of range"):
        to_decimal("1e999999999")
    with pytest.raises(ConversionError, match="out of range"):
        to_decimal("1e-5000")
    with pytest.raises(ConversionError, match="outside the years"):
        to_datetime(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=2))))
    assert canonical_scalar("number", Decimal("0E-1000")) == "0"
