"""Column values to and from the database: the product's field types, time zones, exact decimals.

A reflected column decides how a payload value is stored (`to_db`) and how a stored value is read
(`from_db`); every failure is a per-record PermanentError that names the column, never the value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Column
from sqlalchemy.sql import sqltypes

from erpsync_gui.errors import PermanentError


def _is_type(column: Column, kind: type | tuple[type, ...]) -> bool:
    return isinstance(column.type, kind)


#: field types by column identity: asked for every value written, worked out once per column
_FIELD_TYPES: dict[int, tuple[Column, str]] = {}


def field_type(column: Column) -> str:
    """The product's field type (text/number/date/datetime/boolean) of a reflected column."""
    hit = _FIELD_TYPES.get(id(column))
    if hit is None or hit[0] is not column:
        hit = _FIELD_TYPES[id(column)] = (column, _field_type(column))
    return hit[1]


def _field_type(column: Column) -> str:
    if _is_type(column, sqltypes.Boolean):
        return "boolean"
    if _is_type(column, sqltypes.DateTime):
        return "datetime"
    if _is_type(column, sqltypes.Date):
        return "date"
    if _is_type(column, (sqltypes.Integer, sqltypes.Numeric)):
        return "number"
    return "text"


def from_db(value: Any, tz: tzinfo = UTC) -> Any:
    """A value as read, with datetimes made timezone-aware UTC (naive ones are in the database's time zone
    `tz`: UTC unless the application keeps another)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz).astimezone(UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def to_db(column: Column, value: Any, tz: tzinfo = UTC) -> Any:
    """`value` converted to what `column` stores; PermanentError when it cannot be (per-record, no value
    in the message so errors group by column). Datetimes go into a naive column in the time zone `tz`
    (a naive value given is UTC), dates from a datetime are the date there."""
    if value is None:
        return None
    try:
        return _convert(column, value, tz)
    except (TypeError, ValueError, KeyError, ArithmeticError):
        raise PermanentError(
            f"Column {column.table.name}.{column.name} cannot store a {type(value).__name__} value "
            f"as {field_type(column)}"
        ) from None


def fraction_digits(column: Column) -> int:
    """Digits of a second a datetime column keeps: MySQL's DATETIME(fsp) (0 when not given), PostgreSQL's
    TIMESTAMP(p) (6 when not given); 6 where the type does not say (SQLite keeps what it is given)."""
    kind = column.type
    if hasattr(kind, "fsp"):
        return int(kind.fsp or 0)
    precision = getattr(kind, "precision", None)
    return int(precision) if isinstance(precision, int) else 6


def _truncated(column: Column, value: datetime) -> datetime:
    """`value` cut to what the column keeps, as MariaDB does: MySQL and PostgreSQL would round, and a
    stamp rounded up lands in the future (a cursor or a comparison would see a time that never was)."""
    digits = fraction_digits(column)
    if digits >= 6 or not value.microsecond:
        return value
    step = 10 ** (6 - digits)
    return value.replace(microsecond=value.microsecond - value.microsecond % step)


#: integer columns by column identity (a whole number given for one is stored as it is)
_INTEGER: dict[int, tuple[Column, bool]] = {}


def _is_integer(column: Column) -> bool:
    hit = _INTEGER.get(id(column))
    if hit is None or hit[0] is not column:
        hit = _INTEGER[id(column)] = (column, _is_type(column, sqltypes.Integer))
    return hit[1]


def _convert(column: Column, value: Any, tz: tzinfo = UTC) -> Any:
    kind = field_type(column)
    if kind == "text" and type(value) is str:
        return value  # most values: nothing to convert
    if kind == "number" and type(value) is int and _is_integer(column):
        return value  # a whole number into an integer column: what the Decimal round below gives back
    if kind == "datetime":
        if isinstance(value, str):
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if not isinstance(value, datetime):
            raise TypeError
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if getattr(column.type, "timezone", False):
            value = value.astimezone(UTC)
        else:
            value = value.astimezone(tz).replace(tzinfo=None)
        return _truncated(column, value)
    if kind == "date":
        if isinstance(value, datetime):
            return value.astimezone(tz).date() if value.tzinfo else value.date()
        if isinstance(value, str):
            text = value.strip()
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
        if not isinstance(value, date):
            raise TypeError
        return value
    if kind == "boolean":
        if isinstance(value, str):
            return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}[
                value.strip().lower()]
        return bool(value)
    if _is_type(column, sqltypes.Integer):
        if isinstance(value, bool):
            return int(value)
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        if number != number.to_integral_value():
            raise ValueError
        return int(number)
    if kind == "number":
        if isinstance(value, bool):
            raise TypeError
        return Decimal(value.strip()) if isinstance(value, str) else value
    if isinstance(value, (dict, list, tuple, set)):
        raise TypeError
    if isinstance(value, (int, float, Decimal)) and _is_type(column, sqltypes.String):
        return str(value)
    return value
