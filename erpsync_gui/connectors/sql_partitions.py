"""The SQL connector's partitioned reads: integer primary-key ranges, each read by keyset on the key."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.sql import sqltypes

from erpsync_gui.connectors.partitions import IdRange, PartitionPlan, split_ids
from erpsync_gui.connectors.sql_engine import translate_errors
from erpsync_gui.connectors.sql_reading import cursor_text, read_records
from erpsync_gui.connectors.sql_schema import EntityTable
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Page, Record

#: turns a page of rows into records (the connector's own reader: reference codes, its preset's fields)
Reader = Callable[[Connection, EntityTable, Sequence[Row]], list[Record]]


def plan(engine: Engine, et: EntityTable, count: int) -> PartitionPlan:
    """Ranges of the table's integer key, and the newest updated stamp now (the cursor once all are read)."""
    if not isinstance(et.pk.type, sqltypes.Integer):
        raise ConfigError(f"{et.entity} cannot be read in parts: its key {et.pk.name!r} is not an integer")
    columns = [func.min(et.pk), func.max(et.pk)]
    if et.updated is not None:
        columns.append(func.max(et.updated))
    with translate_errors(f"planning the parts of {et.entity}"), engine.connect() as conn:
        row = conn.execute(select(*columns).select_from(et.table)).one()
    cursor = cursor_text(row[2], et.tz) if et.updated is not None else None
    return PartitionPlan(split_ids(row[0], row[1], count), cursor)


def read(engine: Engine, et: EntityTable, part: IdRange, page_size: int,
         reader: Reader = read_records) -> Iterator[Page]:
    """The range's rows by key, a page (and a connection) at a time, read as `reader` reads them."""
    last = part.lo - 1
    size = max(1, page_size)
    while True:
        query = (select(et.table).where(et.pk > last, et.pk < part.hi).order_by(et.pk).limit(size))
        with translate_errors(f"reading {et.entity}"), engine.connect() as conn:
            rows = conn.execute(query).all()
            records = reader(conn, et, rows)
        if rows:
            last = rows[-1]._mapping[et.pk]
            yield Page(tuple(records))
        if len(rows) < size:
            return
