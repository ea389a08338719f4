"""The state store's batch rows handed to SQLite's driver as plain tuples: one `executemany` of SQL text per table
and batch (through SQLAlchemy's connection, so its events, logging and error translation still apply), instead of
a statement built and its parameters processed row by row.

A batch's values are converted a column at a time (see `columns`): each value becomes what the bind processor
SQLAlchemy itself gives its column on this dialect makes of it (dates in the dialect's text form, booleans as
integers), so a row reads back exactly as if SQLAlchemy had written it; JSON of plain values is written by orjson
(other text, the same values when read). On another database `direct` is False and the caller takes SQLAlchemy's
own statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect

from erpsync_gui.store.columns import ColumnConvert, column_converter


def direct(conn: Connection) -> bool:
    """Whether rows go to the driver as SQL text and tuples: SQLite with its `?` parameters. Elsewhere the caller
    uses SQLAlchemy's statements."""
    return conn.dialect.name == "sqlite" and conn.dialect.paramstyle == "qmark"


class TableRows:
    """One table's INSERT of fixed columns as SQL text, and each column's conversion for the driver."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table = table
        self.names = tuple(names)
        # the state store's names are plain words: SQLite takes them unquoted
        self.insert_sql = (f"INSERT INTO {table.name} ({', '.join(self.names)}) "
                           f"VALUES ({', '.join('?' * len(self.names))})")
        self._values = itemgetter(*self.names) if len(self.names) > 1 else lambda row: (row[self.names[0]],)
        self._converters: tuple[Dialect, tuple[tuple[int, ColumnConvert], ...]] | None = None

    def _converting(self, dialect: Dialect) -> tuple[tuple[int, ColumnConvert], ...]:
        """(position, conversion of its column) of each column that has SQLAlchemy's bind processor."""
        if self._converters is None or self._converters[0] is not dialect:
            out = []
            for at, name in enumerate(self.names):
                kind = self.table.c[name].type
                processor = kind._cached_bind_processor(dialect)
                if processor is not None:
                    out.append((at, column_converter(kind, processor)))
            self._converters = (dialect, tuple(out))
        return self._converters[1]

    def converted(self, dialect: Dialect, columns: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """A batch's columns (`names` order, each with a value per row) as the driver takes their values."""
        out = list(columns)
        for at, convert in self._converting(dialect):
            out[at] = convert(out[at])
        return out

    def columns(self, dialect: Dialect, columns: Sequence[Sequence[Any]]) -> list[tuple]:
        """The driver's rows of a batch given as its columns."""
        return list(zip(*self.converted(dialect, columns), strict=True))

    def tuples(self, dialect: Dialect, rows: Iterable[Sequence[Any]]) -> list[tuple]:
        """Rows given as values in `names` order, as the driver's tuples."""
        columns = list(zip(*rows, strict=True))
        return self.columns(dialect, columns) if columns else []

    def tuples_of(self, dialect: Dialect, rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
        """Rows given as column values (each with every column of `names`), as the driver's tuples."""
        return self.tuples(dialect, map(self._values, rows))

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
    if not direct(conn) or set(map(len, rows)) != {len(names)} or not all(
            c.name in given or c.default is None for c in table.columns):
        conn.execute(table.insert(), list(rows))
        return
    table_rows(table, names).insert(conn, rows)
