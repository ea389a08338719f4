"""OData pieces of the Service Layer: literals, filters, entity paths, the change cursor and the server's
local time.

The change cursor is a keyset position (UpdateDate, UpdateTime, key) taken from the last record read,
never from a clock of ours. UpdateDate ("YYYY-MM-DD") and UpdateTime ("HH:MM:SS") are separate fields
in the server's local time; a time filter literal may be compared to the minute only, so the filter
asks for everything from the cursor's second on (a superset) and `after_cursor` keeps what is not
older than it. The boundary second is inclusive: a record changed twice within it is read again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from erpsync_gui.errors import ConfigError

_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


def literal(value: Any, numeric: bool = False) -> str:
    """`value` as an OData literal: a number bare, anything else single-quoted with quotes doubled."""
    if numeric:
        number = int(value) if str(value).lstrip("-").isdigit() else None
        if number is None:
            raise ValueError(f"{value!r} is not a whole number")
        return str(number)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def key_path(entity_set: str, key: Any, numeric: bool) -> str:
    """The path of one entity: `BusinessPartners('C''1')` or `Orders(22)`."""
    return f"{entity_set}({literal(key, numeric)})"


def any_of(field: str, values: Iterable[Any], numeric: bool = False) -> str:
    """`field eq a or field eq b ...`, for a lookup by several values."""
    return " or ".join(f"{field} eq {literal(v, numeric)}" for v in values)


def both(*filters: str | None) -> str | None:
    """The filters joined by `and`, each in parentheses; None when there is none."""
    present = [f for f in filters if f]
    if not present:
        return None
    return present[0] if len(present) == 1 else " and ".join(f"({f})" for f in present)


@dataclass(frozen=True, order=True)
class Stamp:
    """A record's place in the change order: its UpdateDate and UpdateTime (normalized) and its key."""

    day: str
    clock: str
    key: str = ""

    @property
    def moment(self) -> tuple[str, str]:
        return (self.day, self.clock)


def normal_date(value: Any) -> str | None:
    """"YYYY-MM-DD" from the Service Layer's date forms ("2024-04-01", "20240401", "2024-04-01T00:00:00Z")."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    return f"{match[1]}-{match[2]}-{match[3]}" if match else None


def normal_time(value: Any) -> str | None:
    """"HH:MM:SS" from "13:15:34", "13:15", or a whole number 131534 / 1315 (HHMMSS or HHMM)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        digits = f"{value:06d}" if value > 9999 else f"{value:04d}00"
        value = f"{digits[:2]}:{digits[2:4]}:{digits[4:6]}"
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "T" in text:
        text = text.split("T", 1)[1]
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def stamp_of(raw: Mapping[str, Any], key: str) -> Stamp | None:
    """The record's change stamp, or None when it has no UpdateDate."""
    day = normal_date(raw.get("UpdateDate"))
    if day is None:
        return None
    return Stamp(day, normal_time(raw.get("UpdateTime")) or "00:00:00", key)


def local_moment(stamp: Stamp | None, zone: ZoneInfo) -> datetime | None:
    """The stamp as an aware UTC datetime, reading it in the server's time zone."""
    if stamp is None:
        return None
    day = date.fromisoformat(stamp.day)
    clock = time.fromisoformat(stamp.clock)
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def encode_cursor(stamp: Stamp) -> str:
    return json.dumps({"d": stamp.day, "t": stamp.clock, "k": stamp.key}, separators=(",", ":"))


def decode_cursor(cursor: str) -> Stamp:
    """The stamp a cursor holds; a ConfigError when it is not one of ours."""
    try:
        data = json.loads(cursor)
        day, clock = normal_date(data["d"]), normal_time(data["t"])
        if day is None or clock is None:
            raise ValueError(cursor)
        return Stamp(day, clock, str(data.get("k", "")))
    except (ValueError, TypeError, KeyError):
        raise ConfigError(f"the stored SAP Business One cursor {cursor!r} cannot be read",
                          hint="run a full sync of this entity to start a new cursor") from None


def since_filter(stamp: Stamp) -> str:
    """Records changed at or after the stamp's second."""
    day, clock = literal(stamp.day), literal(stamp.clock)
    return f"UpdateDate gt {day} or (UpdateDate eq {day} and UpdateTime ge {clock})"


def after_cursor(stamp: Stamp | None, cursor: Stamp | None) -> bool:
    """Whether a record with `stamp` belongs to a read from `cursor` (inclusive of the cursor's second)."""
    if cursor is None:
        return True
    return stamp is not None and stamp.moment >= cursor.moment


def order_by(key: str, cursor: bool) -> str:
    return f"UpdateDate asc,UpdateTime asc,{key} asc" if cursor else f"{key} asc"


def query(select: Sequence[str], filter_: str | None, orderby: str | None) -> dict[str, str]:
    params: dict[str, str] = {"$select": ",".join(select)}
    if filter_:
        params["$filter"] = filter_
    if orderby:
        params["$orderby"] = orderby
    return params


def next_link(body: Mapping[str, Any]) -> str | None:
    """The server's link to the next page: `odata.nextLink` (v1) or `@odata.nextLink` (v2)."""
    link = body.get("@odata.nextLink") or body.get("odata.nextLink")
    return link if isinstance(link, str) and link.strip() else None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise ConfigError(f"unknown time zone {name!r}", hint="use an IANA name such as Europe/Berlin") from None
