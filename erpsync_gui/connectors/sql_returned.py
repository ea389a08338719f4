"""Which columns a multi-row INSERT into SQLite must return for each new row to be known whole, and the rows
made whole again from the values given and those returned.

SQLite stores a text value in a column of TEXT affinity as it is, and a whole number in a column of INTEGER
affinity as it is (a column's affinity follows from its declared type: "INT" in it makes INTEGER, else "CHAR",
"CLOB" or "TEXT" makes TEXT); SQLAlchemy converts neither value on the way in or out for a plain text or integer
column. For such a column the INSERT would return exactly the value given, so only the key, the origin marker
(which maps each new key to its row), the columns left out (their defaults) and the columns given anything else
come back: fewer values for the database to return and for Python to read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import sqltypes

from erpsync_gui.sql_bulk import picker

_TEXT_OR_NULL = frozenset({str, type(None)})
_WHOLE_OR_NULL = frozenset({int, type(None)})  # not bool: SQLite stores True as 1, read back as 1
#: table -> (the table, the columns that store a text value as given, those that store a whole number as given)
_KEPT: dict[int, tuple[Table, frozenset[str], frozenset[str]]] = {}
_KEPT_MAX = 256


def affinity(declared: str) -> str:
    """SQLite's affinity of a column declared with the type `declared`: the first rule that matches wins."""
    name = declared.upper()
    if "INT" in name:
        return "INTEGER"
    if "CHAR" in name or "CLOB" in name or "TEXT" in name:
        return "TEXT"
    if "BLOB" in name or not name.strip():
        return "BLOB"
    if "REAL" in name or "FLOA" in name or "DOUB" in name:
        return "REAL"
    return "NUMERIC"


def _plain(column: Column, dialect: Dialect, kind: type, wanted: str) -> bool:
    """Whether `column` is of the SQLAlchemy type `kind`, declared with the affinity `wanted`, and its values
    pass SQLAlchemy unconverted both ways."""
    column_type = column.type
    if not isinstance(column_type, kind) or isinstance(column_type, (sqltypes.Enum, sqltypes.JSON)):
        return False
    if column.computed is not None:
        return False
    if (column_type._cached_bind_processor(dialect) is not None
            or column_type._cached_result_processor(dialect, None) is not None):
        return False
    return affinity(str(column_type.compile(dialect=dialect))) == wanted


def _kept(table: Table, dialect: Dialect) -> tuple[frozenset[str], frozenset[str]]:
    hit = _KEPT.get(id(table))
    if hit is None or hit[0] is not table:
        text = frozenset(c.name for c in table.columns if _plain(c, dialect, sqltypes.String, "TEXT"))
        whole = frozenset(c.name for c in table.columns if _plain(c, dialect, sqltypes.Integer, "INTEGER"))
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        hit = _KEPT[id(table)] = (table, text, whole)
    return hit[1], hit[2]


def to_return(conn: Connection, table: Table, needed: Sequence[str],
              rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The columns of `table`, in its order, whose stored values of `rows` (each with the same names) are not
    known from the values given; `needed` come back in any case. Every column where the database is not SQLite."""
    columns = [c.name for c in table.columns]
    if conn.dialect.name != "sqlite" or not rows:
        return tuple(columns)
    text, whole = _kept(table, conn.dialect)
    known = set()
    for name in rows[0]:
        if name in needed:
            continue
        allowed = _TEXT_OR_NULL if name in text else _WHOLE_OR_NULL if name in whole else None
        if allowed is not None and set(map(type, map(itemgetter(name), rows))) <= allowed:
            known.add(name)
    return tuple(n for n in columns if n not in known)


class WholeRows:
    """Rebuilds new rows whole, every column in the table's order, from what the INSERT returned (`returning`) and,
    for the columns it did not return, the values given."""

    def __init__(self, table: Table, returning: Sequence[str]) -> None:
        columns = [c.name for c in table.columns]
        given = [n for n in columns if n not in returning]
        at = {n: i for i, n in enumerate(returning)} | {n: len(returning) + i for i, n in enumerate(given)}
        self._given = picker(given)
        self._order = picker([at[n] for n in columns])

    def row(self, returned: tuple, given: Mapping[str, Any]) -> tuple:
        return self._order(returned + self._given(given))
