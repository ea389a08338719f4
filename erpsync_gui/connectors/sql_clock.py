"""The CRM database's own clock: what our writes are stamped with, and how far back a cursor re-reads.

A cursor is the newest "updated" value read. If our writes were stamped with this machine's clock, one
that runs ahead of the CRM's would put the cursor past edits people make afterwards, and a stamp with
microseconds would put it past an edit made in the same second with a whole-second stamp (as PHP's
date() writes). So our writes take the database server's time, and each read starts a little before the
stored cursor (the overlap); the engine's checksums skip what did not change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, text
from sqlalchemy.sql import sqltypes

#: seconds re-read before the stored cursor: covers whole-second stamps and small clock differences
DEFAULT_OVERLAP_S = 2.0
_NOW_SQL = {
    "mysql": "SELECT UTC_TIMESTAMP(6)",
    "mariadb": "SELECT UTC_TIMESTAMP(6)",
    "postgresql": "SELECT CURRENT_TIMESTAMP",
}


def server_time(conn: Connection) -> datetime | None:
    """The database server's current time (aware UTC); None where it has no clock of its own (SQLite)."""
    sql = _NOW_SQL.get(conn.dialect.name)
    if sql is None:
        return None
    value = conn.execute(text(sql)).scalar()
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def source_now(conn: Connection, clock_offset_s: float = 0.0) -> datetime:
    """Now on the CRM's clock: the server's, else this machine's moved by the endpoint's clock offset."""
    return server_time(conn) or datetime.now(UTC) + timedelta(seconds=clock_offset_s)


def overlap_start(column: Column, since: Any, overlap: timedelta) -> Any:
    """Where a read from cursor `since` starts: `overlap` earlier for a time column, as it is otherwise."""
    if not overlap or not isinstance(column.type, sqltypes.DateTime | sqltypes.Date):
        return since
    if isinstance(since, datetime):
        return since - overlap
    return since
