"""A batch's columns converted for SQLite's driver give, value for value, exactly what SQLAlchemy's own bind
processor gives (and for JSON exactly what sql_bulk's orjson processor writes): whatever mix of values a column
holds, and with a date format the fast way does not know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, create_engine
from sqlalchemy.dialects.sqlite import DATETIME

from erpsync_gui.sql_bulk import json_processor
from erpsync_gui.store.columns import column_converter

DIALECT = create_engine("sqlite://").dialect
WHEN = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


class Moment(datetime):
    """A datetime subclass (pendulum's and arrow's are such)."""


class Odd(tzinfo):
    """A time zone of its own, in Python."""

    def utcoffset(self, dt):
        return timedelta(hours=5, minutes=45)

    def dst(self, dt):
        return timedelta(0)


class Broken(tzinfo):
    """A time zone whose offset cannot be told (SQLAlchemy never asks for it)."""

    def utcoffset(self, dt):
        raise RuntimeError("no offset")


@dataclass
class Point:
    x: int


DATE_COLUMNS = {
    "aware and different": [WHEN + timedelta(seconds=i, microseconds=i) for i in range(5)],
    "one time for all": [WHEN] * 4,
    "whole seconds": [WHEN.replace(microsecond=0), datetime(2026, 1, 2)],
    "other zones": [datetime(2026, 3, 1, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
                    datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("Europe/Bucharest")),
                    datetime(2026, 7, 1, 12, tzinfo=Odd()), datetime(2026, 7, 1, 12, 1, tzinfo=Broken())],
    "early years": [datetime(5, 1, 2, 3, 4, 5, 6), datetime(999, 12, 31)],
    "nothing": [None, None],
    "some missing": [None, WHEN, None, WHEN.replace(microsecond=0)],
    "dates and subclasses": [date(2026, 3, 1), Moment(2026, 3, 1, 1, 2, 3, 4, tzinfo=UTC), WHEN],
}


def _stored(kind, values):
    processor = kind._cached_bind_processor(DIALECT)
    return processor, list(column_converter(kind, processor)(tuple(values)))


@pytest.mark.parametrize("name", DATE_COLUMNS)
@pytest.mark.parametrize("kind", [DateTime(timezone=True), DateTime(), DATETIME(truncate_microseconds=True),
                                  DATETIME(storage_format="%(day)02d.%(month)02d.%(year)04d %(hour)02d:%(minute)02d")])
def test_a_date_column_is_stored_as_sqlalchemy_stores_each_date(kind, name):
    processor, converted = _stored(kind, DATE_COLUMNS[name])
    assert converted == [processor(v) for v in DATE_COLUMNS[name]]
    assert [type(v) for v in converted] == [type(processor(v)) for v in DATE_COLUMNS[name]]


def test_a_date_that_is_no_date_is_refused_as_sqlalchemy_refuses_it():
    with pytest.raises(TypeError):
        _stored(DateTime(timezone=True), [WHEN, "2026-03-01"])


@pytest.mark.parametrize("values", [[True, False, True], [None, True, False], [1, 0], [False] * 3])
def test_a_boolean_column_is_stored_as_sqlalchemy_stores_it(values):
    processor, converted = _stored(Boolean(), values)
    expected = [processor(v) for v in values]
    assert converted == expected and [type(v) for v in converted] == [type(v) for v in expected]


def test_a_boolean_column_refuses_what_sqlalchemy_refuses():
    with pytest.raises(ValueError):
        _stored(Boolean(), [True, 2])


JSON_COLUMNS = {
    "flat": [{"city": "Köln", "n": 3, "ok": True, "none": None}, {}, {"😀": "a\x00b\"\\"}],
    "nested digests": [{"crm": {"name": "ab" * 8, "vat": "0" * 16}, "erp": {}}, {"crm": {}, "erp": {"x": "y"}}],
    "nothing": [None, None, None],
    "some missing": [None, {"a": 1}, None],
    "floats and lists": [{"price": 1.5}, {"tags": ["a", "b"]}, {"a": 1}],
    "deeper": [{"a": {"b": {"c": 1}}}, {"a": 1}],
    "mixed nesting": [{"a": 1, "b": {"c": 2}}, {"d": {"e": None}}],
    "keys that are no text": [{1: "a"}, {"b": 2}],
    "numbers beyond 64 bits": [{"big": 2**70}, {"small": 1}],
    "values of their own": [{"when": WHEN}, {"amount": Decimal("1.50")}, {"point": "p"}],
    "text of a subclass": [{"s": type("Text", (str,), {})("x")}],
    "nested text of a subclass": [{"crm": {"a": "b"}}, {"crm": {"s": type("Text", (str,), {})("x")}}],
    "nested numbers": [{"crm": {"a": 1, "b": True}, "erp": {"c": None}}],
}


@pytest.mark.parametrize("name", JSON_COLUMNS)
def test_a_json_column_is_written_as_the_orjson_processor_writes_each_value(name):
    kind = JSON()
    processor = kind._cached_bind_processor(DIALECT)
    one_by_one = json_processor(processor)
    values = JSON_COLUMNS[name]
    try:
        expected = [one_by_one(v) for v in values]
    except Exception as exc:  # what SQLAlchemy cannot write, the column refuses the same way
        with pytest.raises(type(exc)):
            _stored(kind, values)
        return
    assert _stored(kind, values)[1] == expected


def test_a_json_column_of_dataclasses_is_refused_as_before():
    processor = JSON()._cached_bind_processor(DIALECT)
    with pytest.raises(TypeError):
        json_processor(processor)({"p": Point(1)})
    with pytest.raises(TypeError):
        _stored(JSON(), [{"a": 1}, {"p": Point(1)}])


def test_any_other_column_with_a_processor_takes_it_value_by_value():
    values = [date(2026, 3, 1), None, date(5, 1, 2)]
    processor, converted = _stored(Date(), values)
    assert converted == [processor(v) for v in values] == ["2026-03-01", None, "0005-01-02"]
