"""Per-type reading of field values: a typed value for payloads and a canonical JSON-safe form for checksums.

Each `to_*` reader accepts the loose shapes systems hand us (strings from SQL, numbers from JSON,
localized dates) and returns one Python type, or None for an empty value. Readers raise
ConversionError; the mapper turns that into a MappingError naming the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, overload

TYPES = (
    "text", "number", "integer", "date", "datetime", "boolean",
    "lookup", "picklist", "currency", "price", "lines",
)
#: types whose value is one scalar read by `parse_scalar`
SCALAR_TYPES = ("text", "number", "integer", "date", "datetime", "boolean", "lookup", "picklist", "currency")

_TRUE = frozenset({"true", "1", "yes", "da", "on"})
_FALSE = frozenset({"false", "0", "no", "nu", "off"})
_INT_TEXT = re.compile(r"-?(0|[1-9]\d*)")
_LOCAL_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
#: ids above this are kept as text: JavaScript-based APIs (Zoho) cannot hold them as numbers
_MAX_INT_ID = 2**53
_MAX_EXPONENT = 1000


class ConversionError(ValueError):
    """A value that cannot be read as the field's type."""


def is_empty(value: Any) -> bool:
    """None, "" and empty containers are empty; whitespace and 0 are values."""
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def to_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return number_str(to_decimal(value))
    if isinstance(value, datetime):
        return datetime_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        raise ConversionError("is a list or object, not text")
    return str(value)


def _unlocalize(text: str) -> str:
    """'1.234,56' / '1,234.56' / '12,5' -> plain decimal text: the last separator is the decimal one,
    unless a separator repeats (then it groups thousands)."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        return text.replace(group_sep, "").replace(decimal_sep, ".")
    if commas:
        return text.replace(",", "") if commas > 1 else text.replace(",", ".")
    if dots > 1:
        return text.replace(".", "")
    return text


@overload
def to_decimal(value: float | Decimal) -> Decimal: ...
@overload
def to_decimal(value: Any) -> Decimal | None: ...
def to_decimal(value: Any) -> Decimal | None:
    number = _read_decimal(value)
    # wide enough for any float; the bound keeps a stray "1e999999999" from becoming a huge text
    if number and not -_MAX_EXPONENT <= number.adjusted() <= _MAX_EXPONENT:
        raise ConversionError("is out of range for a number")
    return number


def _read_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConversionError("is a yes/no value, not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConversionError("is not a finite number")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ConversionError("is not a finite number")
        return value
    if isinstance(value, str):
        text = re.sub(r"[\s\u00a0']", "", value)
        if not text:
            return None
        try:
            number = Decimal(_unlocalize(text))
        except InvalidOperation:
            raise ConversionError("is not a number") from None
        if not number.is_finite():
            raise ConversionError("is not a finite number")
        return number
    raise ConversionError("is not a number")


def number_str(number: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 12.50 -> '12.5', 1E+2 -> '100'."""
    if number == 0:
        return "0"
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        raise ConversionError("is a yes/no value, not a whole number")
    if isinstance(value, int):
        return value
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ConversionError("is not a whole number")
    return int(number)


def to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if not word:
            return None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ConversionError("is not a yes/no value")


def _local_datetime(text: str) -> datetime | None:
    match = _LOCAL_DATE.fullmatch(text)
    if not match:
        return None
    day, month, year, hour, minute, second = match.groups()
    return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))


def _zero_date(text: str) -> bool:
    # MySQL's "no date"
    return text.startswith("0000-00-00")


def to_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, str):
        raise ConversionError("is not a date")
    text = value.strip()
    if not text or _zero_date(text):
        return None
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        if len(text) > 10 and text[4] == "-" and text[10] in "T ":
            return datetime.fromisoformat(text).date()
        local = _local_datetime(text)
    except ValueError:
        raise ConversionError("is not a valid date") from None
    if local is None:
        raise ConversionError("is not a date (expected YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY)")
    return local.date()


def to_datetime(value: Any) -> datetime | None:
    """Aware UTC; naive values are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if not text or _zero_date(text):
            return None
        try:
            local = _local_datetime(text)
            moment = local if local is not None else datetime.fromisoformat(text)
        except ValueError:
            raise ConversionError("is not a date and time (expected ISO 8601)") from None
    else:
        raise ConversionError("is not a date and time")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ConversionError("is outside the years 1-9999 in UTC") from None


def datetime_str(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def to_id(value: Any) -> str | None:
    """A record id as text; 0 and "0" are empty (Perfex stores 0 for "no related record")."""
    if value is None:
        return None
    kind = type(value)  # the usual ids first, without the slower checks against abstract types
    if kind is int:
        return str(value) if value else None
    if kind is str:
        text = value.strip()
        return None if text in ("", "0") else text
    if isinstance(value, bool | Mapping | list | tuple):
        raise ConversionError("is not a record id")
    if isinstance(value, int | float | Decimal):
        number = to_int(value)
        return None if not number else str(number)
    text = str(value).strip()
    return None if text in ("", "0") else text


@overload
def key(value: str | float | Decimal) -> str: ...
@overload
def key(value: Any) -> str | None: ...
def key(value: Any) -> str | None:
    """The text a value is looked up by in a value map (JSON object keys are always text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        try:
            return number_str(to_decimal(value))
        except ConversionError:
            return str(value)
    return to_text(value)


def natural_scalar(text: str) -> int | str:
    """Integer-looking text ('12', not '012') becomes an int, the way both demo systems store ids/codes."""
    if _INT_TEXT.fullmatch(text) and abs(int(text)) < _MAX_INT_ID:
        return int(text)
    return text


def parse_scalar(type_: str, value: Any) -> Any:
    """Read `value` as `type_`; None when empty. Picklist values are returned as they are."""
    if type_ == "text":
        return to_text(value)
    if type_ == "number":
        return to_decimal(value)
    if type_ == "integer":
        return to_int(value)
    if type_ == "boolean":
        return to_bool(value)
    if type_ == "date":
        return to_date(value)
    if type_ == "datetime":
        return to_datetime(value)
    if type_ in ("lookup", "currency"):
        return to_id(value)
    if type_ == "picklist":
        if isinstance(value, Mapping | list | tuple):
            raise ConversionError("is a list or object, not a choice")
        return None if is_empty(value) else value
    raise ConversionError(f"type {type_} is not a scalar type")


def canonical_scalar(type_: str, value: Any) -> Any:
    """The JSON-safe canonical form of a scalar; raises ConversionError."""
    if type_ == "number":
        number = to_decimal(value)
        return None if number is None else number_str(number)
    if type_ == "date":
        day = to_date(value)
        return None if day is None else day.isoformat()
    if type_ == "datetime":
        moment = to_datetime(value)
        return None if moment is None else datetime_str(moment)
    if type_ in ("text", "picklist"):
        text = key(value) if type_ == "picklist" else to_text(value)
        return text or None
    return parse_scalar(type_, value)


def json_safe(value: Any) -> Any:
    """A payload made encodable by `json.dumps`: Decimal -> int/float (str if a float would round it),
    date/datetime -> ISO text. For connectors that speak JSON."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else number_str(value)
    if isinstance(value, datetime):
        return datetime_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
