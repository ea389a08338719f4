"""Tryton's JSON-RPC values both ways: datetime, date, time, timedelta, Decimal and bytes travel as
objects tagged with `__class__` (trytond/protocols/jsonrpc.py: `{"__class__": "Decimal", "decimal": "1.50"}`,
`{"__class__": "bytes", "base64": ...}`, dates and times by their parts).

Tryton keeps datetimes as naive UTC. Decoded, they become aware UTC datetimes; an aware datetime is sent
converted to UTC, a naive one is taken as UTC already.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from erpsync_gui.errors import MappingError

UTC = dt.UTC


def _datetime(value: dt.datetime) -> dict[str, Any]:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
            "hour": value.hour, "minute": value.minute, "second": value.second, "microsecond": value.microsecond}


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, dt.time):
        return {"__class__": "time", "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}
    if isinstance(value, dt.timedelta):
        return {"__class__": "timedelta", "seconds": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"__class__": "bytes", "base64": base64.encodebytes(bytes(value)).decode("ascii")}
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent to Tryton")


def encode(value: Any) -> bytes:
    """The request body for `value` in Tryton's JSON; a value without a Tryton form is a MappingError."""
    try:
        return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise MappingError(f"the record cannot be sent to Tryton: {exc}") from exc


def _hook(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind is None:
        return obj
    try:
        if kind == "datetime":
            return dt.datetime(obj["year"], obj["month"], obj["day"], obj["hour"], obj["minute"], obj["second"],
                               obj.get("microsecond", 0), tzinfo=UTC)
        if kind == "date":
            return dt.date(obj["year"], obj["month"], obj["day"])
        if kind == "time":
            return dt.time(obj["hour"], obj["minute"], obj["second"], obj.get("microsecond", 0))
        if kind == "timedelta":
            return dt.timedelta(seconds=obj["seconds"])
        if kind == "Decimal":
            return Decimal(obj["decimal"])
        if kind == "bytes":
            return base64.decodebytes(obj["base64"].encode("ascii"))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"unreadable {kind} value {obj!r}") from exc
    return obj


def decode(text: str | bytes) -> Any:
    """A reply body as Python values; ValueError when it is not JSON, is nested too deep to be read, or a
    tagged value is unreadable."""
    try:
        return json.loads(text, object_hook=_hook)
    except RecursionError:
        raise ValueError("the reply is nested too deep to be read") from None
