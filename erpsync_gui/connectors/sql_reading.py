"""Rows of the CRM database turned into Records (with their child lines); cursor values to and from text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Connection, select

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.sql_schema import ChildTable, EntityTable, field_type, from_db, to_db
from erpsync_gui.errors import ConfigError, PermanentError
from erpsync_gui.records import Record

IN_CHUNK = 500
#: MySQL's "zero" date (allowed unless sql_mode has NO_ZERO_DATE, common in Perfex databases); the driver
#: hands it over as text. It means "no date".
ZERO_DATE = "0000-00-00"
_UNSET = object()


def read_records(conn: Connection, et: EntityTable, rows: Sequence[Sequence[Any]]) -> list[Record]:
    """Records for `rows` of `et.table`, their child lines fetched in one query per child table."""
    if not rows:
        return []
    names = [c.name for c in et.table.columns]  # rows come from select(table): columns in this order
    key_at = names.index(et.pk.name)
    updated_at = names.index(et.updated.name) if et.updated is not None else None
    keys = [row[key_at] for row in rows]
    tz = et.tz
    children = {child.name: _children(conn, child, keys, tz) for child in et.children}
    # a datetime comes only from a date or time column: the other columns' values are taken as they are
    dated_names = _dated(et.table.columns)
    dated = [n for n in names if n in dated_names]
    # a value that is the very object the row before had in that column (the stamp of a batch just written) reads
    # as that row's value did
    given: dict[str, Any] = dict.fromkeys(dated, _UNSET)
    made: dict[str, Any] = {}
    last_updated: Any = _UNSET
    updated_value: datetime | None = None
    records = []
    for row, key in zip(rows, keys, strict=True):
        data: dict[str, Any] = dict(zip(names, row, strict=True))
        for n in dated:
            value = data[n]
            if value is not given[n]:
                given[n], made[n] = value, _read_value(value, True, tz)
            data[n] = made[n]
        for name, grouped in children.items():
            data[name] = grouped.get(str(key), [])
        if updated_at is not None and row[updated_at] is not last_updated:
            last_updated = row[updated_at]
            updated_value = _as_datetime(last_updated, tz)
        records.append(Record(id=str(key), data=data, updated_at=updated_value))
    return records


def _children(conn: Connection, child: ChildTable, keys: Sequence[Any],
              tz: tzinfo) -> dict[str, list[dict[str, Any]]]:
    order = [child.fk, *(c for c in (child.order_by, child.pk) if c is not None)]
    names = [c.name for c in child.table.columns]
    fk_at = names.index(child.fk.name)
    dated = _dated(child.table.columns)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for chunk in chunked(keys, IN_CHUNK):
        for row in conn.execute(select(child.table).where(child.of_parents(chunk)).order_by(*order)):
            line = {n: _read_value(v, n in dated, tz) for n, v in zip(names, row, strict=True)}
            grouped.setdefault(str(row[fk_at]), []).append(line)
    return grouped


def _dated(columns: Any) -> frozenset[str]:
    return frozenset(c.name for c in columns if field_type(c) in ("date", "datetime"))


def _read_value(value: Any, dated: bool, tz: tzinfo = UTC) -> Any:
    if isinstance(value, datetime):
        return from_db(value, tz)
    if dated and isinstance(value, str) and value.startswith(ZERO_DATE):
        return None
    return value


def _as_datetime(value: Any, tz: tzinfo = UTC) -> datetime | None:
    if isinstance(value, datetime):
        return from_db(value, tz)
    if isinstance(value, date):
        return from_db(datetime(value.year, value.month, value.day), tz)
    return None


def cursor_text(value: Any, tz: tzinfo = UTC) -> str | None:
    """The stored form of a cursor: ISO text of the last row's updated value (UTC for datetimes; a naive
    one is in the database's time zone `tz`)."""
    if value is None or (isinstance(value, str) and value.startswith(ZERO_DATE)):
        return None
    if isinstance(value, datetime):
        return from_db(value, tz).isoformat()
    if isinstance(value, date):
        return from_db(value).isoformat()
    return str(value)


def cursor_value(column: Column, text: str, tz: tzinfo = UTC) -> Any:
    """A stored cursor as a value comparable with `column` (in the database's time zone `tz`)."""
    try:
        return to_db(column, text, tz)
    except PermanentError:
        raise ConfigError(f"The stored cursor {text!r} is not a value of {column.table.name}.{column.name}",
                          hint="reset the entity's cursor to read everything once") from None


def key_norm(value: Any) -> str:
    """A comparison form of a key value: numbers by value, text without case (as most collations do)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, (datetime, date)):
        return from_db(value).isoformat()
    return str(value).strip().casefold()
