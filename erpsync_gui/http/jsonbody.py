"""Request bodies as JSON: compact UTF-8 with the values mapped records carry (Decimal, dates, UUIDs, sets)."""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

from erpsync_gui.errors import MappingError


def _json_default(value: Any) -> Any:
    """JSON for the values mapped records carry besides the basic types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent as JSON")


def encode_json(value: Any) -> bytes:
    """The request body for `value`, compact UTF-8 JSON; Decimal, dates and UUIDs included.
    A value that has no JSON form raises MappingError: the record, not the connection, is at fault."""
    try:
        return json.dumps(
            value, default=_json_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise MappingError(f"the record cannot be sent: {exc}") from exc
