"""The columns a multi-row SQLite INSERT leaves out of its RETURNING are those whose stored value is the value
given, of the same type, as SQLite itself returns it; every other column comes back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, create_engine, text

from erpsync_gui.connectors.sql_returned import affinity, to_return
from erpsync_gui.sql_bulk import insert_many

#: declared types whose affinity a reader easily gets wrong: the first matching rule wins
AFFINITIES = {"INTEGER": "INTEGER", "BIGINT UNSIGNED": "INTEGER", "FLOATING POINT": "INTEGER",
              "CHARINT": "INTEGER", "VARCHAR(20)": "TEXT", "NATIVE CHARACTER(70)": "TEXT", "CLOB": "TEXT",
              "STRING": "NUMERIC", "DATETIME": "NUMERIC", "BOOLEAN": "NUMERIC", "DECIMAL(10,5)": "NUMERIC",
              "DOUBLE PRECISION": "REAL", "FLOAT": "REAL", "BLOB": "BLOB", "": "BLOB"}

DDL = ("CREATE TABLE awkward (id INTEGER PRIMARY KEY, name VARCHAR(20), code STRING, n INTEGER, big BIGINT, "
       "flag BOOLEAN, f FLOAT, at DATETIME, note TEXT, untyped, c CHAR(4), num NUMERIC, "
       "pointy FLOATING POINT, nv NVARCHAR(9), "
       "ext VARCHAR(64), chan VARCHAR(20), filled VARCHAR(10) DEFAULT 'new')")
VALUES: list[Any] = ["text", "  padded  ", "", "123", "1e3", "0012", 7, -3, 2**62, True, False, 1.5, 2.0,
                     Decimal("1.25"), None, "ünï 😀", datetime(2026, 1, 2, 3, 4, 5)]


@pytest.mark.parametrize("declared", sorted(AFFINITIES))
def test_affinity_follows_sqlites_rules_in_their_order(declared: str) -> None:
    assert affinity(declared) == AFFINITIES[declared]


def _table() -> tuple[Any, Table]:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text(DDL))
    table = Table("awkward", MetaData(), autoload_with=engine)
    return engine, table


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_column_left_out_returns_exactly_the_value_given(value: Any) -> None:
    engine, table = _table()
    names = [c.name for c in table.columns]
    left_out = 0
    for name in names:
        if name in ("id", "ext", "chan"):
            continue
        rows = [{name: value, "ext": f"e{k}", "chan": "erp"} for k in range(3)]
        with engine.connect() as conn:
            returning = to_return(conn, table, ("id", "ext", "chan"), rows)
            assert {"id", "ext", "chan"} <= set(returning)
            if name in returning:
                continue
            left_out += 1
            back = insert_many(conn, table, rows, tuple(names))
            conn.rollback()
        assert len(back) == 3
        for stored in back:
            got = dict(zip(names, stored, strict=True))[name]
            assert got == value and type(got) is type(value), (name, value, got)
    # the text columns (name, note, c, nv, filled), the integer ones (n, big, pointy), both for NULL
    assert left_out == {str: 5, int: 3, type(None): 8}.get(type(value), 0)
    engine.dispose()


def test_text_stays_out_only_of_text_columns_and_whole_numbers_only_of_integer_ones() -> None:
    engine, table = _table()
    rows = [{"name": "a", "nv": "b", "c": "c", "note": "d", "code": "e", "untyped": "f", "num": 1, "n": 2,
             "big": 3, "pointy": 4, "flag": 1, "f": 5, "at": None, "ext": f"e{k}", "chan": "erp"} for k in range(2)]
    with engine.begin() as conn:
        returning = set(to_return(conn, table, ("id", "ext", "chan"), rows))
        mixed = set(to_return(conn, table, ("id", "ext", "chan"), [rows[0], {**rows[1], "name": 5, "n": True}]))
    left_out = {c.name for c in table.columns} - returning
    # STRING is NUMERIC (and untyped is BLOB): text there may turn into a number; BOOLEAN and DATETIME columns
    # have SQLAlchemy conversions; FLOAT stores 5 as 5.0; a NULL given to a DATETIME column still comes back
    assert left_out == {"name", "nv", "c", "note", "n", "big", "pointy"}
    assert {"name", "n"} <= mixed  # one row with another kind of value: the column comes back for all
    engine.dispose()


def test_other_databases_return_every_column() -> None:
    engine, table = _table()
    with engine.connect() as conn:
        conn.dialect.name = "postgresql"  # as a server database's dialect names itself
        try:
            assert to_return(conn, table, ("id",), [{"name": "a"}]) == tuple(c.name for c in table.columns)
        finally:
            conn.dialect.name = "sqlite"
    engine.dispose()
