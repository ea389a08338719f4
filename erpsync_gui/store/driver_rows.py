"""The state store's batch rows handed to SQLite's driver as plain tuples: one `executemany` of SQL text per table
and batch (through SQLAlchemy's connection, so its events, logging and error translation still apply), instead of
a statement built and its parameters processed row by row.

Each value goes through the bind processor SQLAlchemy itself gives its column on this dialect (dates in the
dialect's text form, booleans as integers), so a row reads back exactly as if SQLAlchemy had written it; JSON of
plain values is written by orjson (other text, the same values when read). On another database `direct` is
False and the caller takes SQLAlchemy's own statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import sqltypes

from erpsync_gui.sql_bulk import converted, json_processor

Convert = Callable[[Any], Any]


def direct(conn: Connection) -> bool:
    """Whether rows go to the driver as SQL text and tuples: SQLite with its `?` parameters. Elsewhere the caller
    uses SQLAlchemy's statements."""
    return conn.dialect.name == "sqlite" and conn.dialect.paramstyle == "qmark"


def _stamp(processor: Convert) -> Convert:
    """The date processor with a memo of the last value (a batch stamps many rows with one time); one per batch,
    so that two threads never share it."""
    last: Any = None
    text: Any = None

    def convert(value: Any) -> Any:
        nonlocal last, text
        if value is None:
            return None
        if value is not last:
            text, last = processor(value), value
        return text

    return convert


class TableRows:
    """One table's INSERT of fixed columns as SQL text, and each column's conversion for the driver."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table = table
        self.names = tuple(names)
        # the state store's names are plain words: SQLite takes them unquoted
        self.insert_sql = (f"INSERT INTO {table.name} ({', '.join(self.names)}) "
                           f"VALUES ({', '.join('?' * len(self.names))})")
        self._processors: tuple[Dialect, tuple[tuple[int, Convert, bool], ...]] | None = None

    def _processing(self, dialect: Dialect) -> tuple[tuple[int, Convert, bool], ...]:
        """(position, SQLAlchemy's processor, whether it is a date's) of each column that has a processor."""
        if self._processors is None or self._processors[0] is not dialect:
            out = []
            for at, name in enumerate(self.names):
                kind = self.table.c[name].type
                processor: Convert | None = kind._cached_bind_processor(dialect)
                if processor is not None:
                    if isinstance(kind, sqltypes.JSON):
                        processor = json_processor(processor)
                    out.append((at, processor, isinstance(kind, sqltypes.DateTime)))
            self._processors = (dialect, tuple(out))
        return self._processors[1]

    def converters(self, dialect: Dialect) -> list[tuple[int, Convert]]:
        """(position, conversion) of each column whose values the driver is not given as they are; fresh for
        each batch."""
        return [(at, _stamp(p) if is_date else p) for at, p, is_date in self._processing(dialect)]

    def tuples(self, dialect: Dialect, rows: Iterable[Sequence[Any]]) -> list[tuple]:
        """Rows given as values in `names` order, as the driver's tuples."""
        return converted(rows, self.converters(dialect))

    def tuples_of(self, dialect: Dialect, rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
        """Rows given as column values (each with every column of `names`), as the driver's tuples."""
        names = self.names
        return self.tuples(dialect, ([row[n] for n in names] for row in rows))

    def insert(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """INSERT rows given as column values, in one executemany."""
        if rows:
            conn.exec_driver_sql(self.insert_sql, self.tuples_of(conn.dialect, rows))


_TABLES: dict[tuple[int, tuple[str, ...]], TableRows] = {}
_TABLES_MAX = 64


def table_rows(table: Table, names: Sequence[str]) -> TableRows:
    """The (memoized) TableRows of a table and its columns."""
    key = (id(table), tuple(names))
    hit = _TABLES.get(key)
    if hit is None or hit.table is not table:
        if len(_TABLES) >= _TABLES_MAX:
            _TABLES.clear()
        hit = _TABLES[key] = TableRows(table, names)
    return hit


def insert_dicts(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows given as column values (each with the keys of the first) within the caller's transaction: one
    executemany on SQLite; SQLAlchemy's statement elsewhere, or where a left-out column has a default of its own."""
    if not rows:
        return
    names = tuple(rows[0])
    given = set(names)
    if not direct(conn) or any(len(row) != len(names) for row in rows) or not all(
            c.name in given or c.default is None for c in table.columns):
        conn.execute(table.insert(), list(rows))
        return
    table_rows(table, names).insert(conn, rows)
