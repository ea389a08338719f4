"""Change detection for Payamgostar identities from their own creatDate/modifyDate values only.

Those times are the server's local time without an offset ("2025-12-21T14:06:17.173"), in the zone the
endpoint names (Asia/Tehran by default). The only verified listing, identity/search, has no dates and no
order, so every identity is read (one get each) and those modified at or after the boundary are handed on.

The boundary lags one read behind: the cursor stored after read j is "M(j-1)|M(j)", the newest
modification seen by the two last reads, and read j+1 hands on what changed at or after M(j-1). An edit
made during read j to a record read before the edit gets a time later than the start of read j, which is
later than M(j-1): read j+1 catches it, even when read j saw later edits of other records. The boundary
is inclusive, and never taken from this machine's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from erpsync_gui.connectors.payamgostar.auth import parse_offset_time

SEPARATOR = "|"


def local_time(value: Any, zone: ZoneInfo | None = None) -> datetime | None:
    """A creatDate/modifyDate value as a naive local datetime (None when empty or unreadable); a value that
    does carry an offset is moved into `zone` first."""
    moment = parse_offset_time(value)
    if moment is None:
        return None
    if moment.tzinfo is not None and zone is not None:
        moment = moment.astimezone(zone)
    return moment.replace(tzinfo=None)


def modified(data: dict[str, Any], zone: ZoneInfo | None = None) -> datetime | None:
    """When the record last changed: modifyDate, else creatDate (both local, naive)."""
    return local_time(data.get("modifyDate"), zone) or local_time(data.get("creatDate"), zone)


def to_utc(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=zone).astimezone(UTC)


def decode(cursor: str | None) -> tuple[datetime | None, datetime | None]:
    """(the boundary to read from, the newest time of the last read); (None, None) for no or a foreign cursor."""
    if not cursor or SEPARATOR not in cursor:
        return None, None
    boundary, _, newest = cursor.partition(SEPARATOR)
    return local_time(boundary), local_time(newest)


def encode(previous_newest: datetime | None, newest: datetime | None) -> str:
    def text(moment: datetime | None) -> str:
        return moment.isoformat(timespec="milliseconds") if moment is not None else ""

    return f"{text(previous_newest)}{SEPARATOR}{text(newest)}"
