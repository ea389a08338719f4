"""A batch's values converted for SQLite's driver a column at a time: one look at a column's value types decides
how the whole column is converted, and the common columns of the state store go through C (the standard library's
date text, orjson, `map`) instead of a Python call per value and row.

Every fast way gives exactly the text SQLAlchemy's own bind processor (or, for JSON, sql_bulk's orjson processor)
gives each value; a column it is not sure of (a date subclass, a time zone of its own, JSON that is not plain)
takes that processor value by value. A date's fast way is checked against the processor when it is set up, so a
dialect storing dates in another form never takes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from itertools import chain
from operator import attrgetter, itemgetter, methodcaller
from types import NoneType
from typing import Any

import orjson
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeEngine

from erpsync_gui.sql_bulk import json_processor

Convert = Callable[[Any], Any]
#: a column's values (one per row, in row order) to the driver's values
ColumnConvert = Callable[[Sequence[Any]], Sequence[Any]]

#: "YYYY-MM-DD HH:MM:SS.ffffff": SQLite's stored form of a date and time, cut from the ISO text in C
_ISO = methodcaller("isoformat", " ", "microseconds")
_STORED_FORM = itemgetter(slice(0, 26))
_TZINFO = attrgetter("tzinfo")
#: time zones whose offset the ISO text reads without calling Python (the text past the seconds is cut anyway)
_PLAIN_ZONES = frozenset({NoneType, timezone})
_SAMPLE_DATES = (datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC), datetime(5, 1, 2),
                 datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=3, minutes=30))))

#: JSON leaves orjson writes as the standard library does (what sql_bulk.plain_json accepts)
_PLAIN = frozenset({str, int, bool, NoneType})
# the options of sql_bulk.json_processor: for plain values they change nothing, so the text is the same
_DUMPS = partial(orjson.dumps, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                 | orjson.OPT_PASSTHROUGH_SUBCLASS)
_VALUES = methodcaller("values")


def column_converter(kind: TypeEngine[Any], processor: Convert) -> ColumnConvert:
    """How a column of `kind`, whose values SQLAlchemy puts through `processor`, is converted a column at a time."""
    if isinstance(kind, sqltypes.JSON):
        return _json_column(processor)
    if isinstance(kind, sqltypes.DateTime):
        return _date_column(processor)
    if isinstance(kind, sqltypes.Boolean) and processor(True) == 1 and processor(False) == 0 \
            and processor(None) is None:
        return _bool_column(processor)
    return partial(_each, processor)


def _each(processor: Convert, column: Sequence[Any]) -> list[Any]:
    return list(map(processor, column))


def _date_column(processor: Convert) -> ColumnConvert:
    fast = all(processor(value) == _STORED_FORM(_ISO(value)) for value in _SAMPLE_DATES)
    keeps_none = processor(None) is None

    def convert(column: Sequence[Any]) -> Sequence[Any]:
        kinds = set(map(type, column))
        if kinds == {NoneType} and keeps_none:
            return column
        if fast and kinds == {datetime} and set(map(type, map(_TZINFO, column))) <= _PLAIN_ZONES:
            if len(set(map(id, column))) == 1:  # a batch stamps many rows with one time
                return [processor(column[0])] * len(column)
            return list(map(_STORED_FORM, map(_ISO, column)))
        return list(map(_memo(processor), column))

    return convert


def _memo(processor: Convert) -> Convert:
    """The date processor with a memo of the last value; one per column, so that two threads never share it."""
    last: Any = None
    text: Any = None

    def convert(value: Any) -> Any:
        nonlocal last, text
        if value is None:
            return processor(None)
        if value is not last:
            text, last = processor(value), value
        return text

    return convert


def _bool_column(processor: Convert) -> ColumnConvert:
    def convert(column: Sequence[Any]) -> Sequence[Any]:
        # True and False as the integers 1 and 0, exactly what the processor turns them into
        if set(map(type, column)) == {bool}:
            return list(map(int, column))
        return list(map(processor, column))

    return convert


def _json_column(processor: Convert) -> ColumnConvert:
    each = json_processor(processor)
    null = processor(None)

    def convert(column: Sequence[Any]) -> Sequence[Any]:
        kinds = set(map(type, column))
        if kinds == {NoneType}:
            return [null] * len(column)
        if kinds == {dict} and _plain(column):
            try:
                return list(map(bytes.decode, map(_DUMPS, column)))
            except orjson.JSONEncodeError:
                pass  # a key that is not text, a number beyond 64 bits: value by value, as before
        return list(map(each, column))

    return convert


def _plain(dicts: Sequence[dict]) -> bool:
    """Whether every dict holds only plain leaves, or only dicts of plain leaves (a subset of what
    sql_bulk.plain_json accepts; a column of other dicts is written value by value)."""
    values = list(chain.from_iterable(map(_VALUES, dicts)))
    if _all_text(values):
        return True
    kinds = set(map(type, values))
    if kinds <= _PLAIN:
        return True
    if kinds != {dict}:
        return False
    leaves = list(chain.from_iterable(map(_VALUES, values)))
    return _all_text(leaves) or set(map(type, leaves)) <= _PLAIN


def _all_text(values: list[Any]) -> bool:
    """Whether every value is text (digests, names: the usual case), told by one join in C. Text of a subclass
    passes too; orjson refuses to write it, and the column is then written value by value."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True
