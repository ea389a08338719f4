"""Many rows into one table per statement, with the table's own value conversions but without building a
statement and its parameters row by row: a large import writes thousands of rows into the CRM and the state
store, and SQLAlchemy's per-row parameter work cost more than the database's.

On SQLite the SQL text is compiled once per table, set of columns and row count; the values go through the
bind processors SQLAlchemy itself applies (dates as the dialect stores them, JSON text, booleans), so the rows
read back exactly as if SQLAlchemy had written them. The state store may have its JSON of plain values written
by orjson (other text, the same values when read). Other databases, and rows that leave out a column with a
default, take SQLAlchemy's own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import sqltypes

_Processor = Callable[[Any], Any]
_Key = tuple[int, tuple[str, ...], int, tuple[str, ...], bool]
#: (table, columns, rows, returning) -> (the table, SQL text, (position, processor, whether None stays None)
#: of each column that has a bind processor)
_COMPILED: dict[_Key, tuple[Table, str, tuple[tuple[int, _Processor, bool], ...]]] = {}
_COMPILED_MAX = 512
_UNSET = object()


def _compiled(table: Table, dialect: Dialect, names: tuple[str, ...], rows: int, returning: tuple[str, ...],
              fast_json: bool) -> tuple[str, tuple[tuple[int, _Processor, bool], ...]]:
    key = (id(table), names, rows, returning, fast_json)
    hit = _COMPILED.get(key)
    if hit is None or hit[0] is not table:
        processing = []
        for at, name in enumerate(names):
            # SQLAlchemy's own per-dialect memo of the type's bind processor
            processor: _Processor | None = table.c[name].type._cached_bind_processor(dialect)
            if processor is not None and fast_json and isinstance(table.c[name].type, sqltypes.JSON):
                processor = json_processor(processor)
            if processor is not None:
                processing.append((at, processor, processor(None) is None))
        quote = dialect.identifier_preparer.quote
        one = "(" + ", ".join("?" * len(names)) + ")"
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES "
               + ", ".join([one] * rows))
        if returning:
            sql += " RETURNING " + ", ".join(quote(n) for n in returning)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        hit = _COMPILED[key] = (table, sql, tuple(processing))
    return hit[1], hit[2]


_PLAIN = frozenset({str, int, bool, type(None)})
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def plain_json(value: Any) -> bool:
    """A dict of text, whole numbers, booleans and nulls, or a dict of such dicts: what orjson writes as JSON that
    reads back the same as the standard library's (it has no NaN, and leaves non-text keys to the fallback)."""
    if type(value) is not dict:
        return False
    kinds = set(map(type, value.values()))
    if kinds <= _PLAIN:
        return True
    return kinds <= _PLAIN | {dict} and all(
        set(map(type, v.values())) <= _PLAIN for v in value.values() if type(v) is dict)


def json_processor(processor: _Processor) -> _Processor:
    """The JSON column's processor, with orjson for plain values (the same JSON when read back, faster)."""
    null = processor(None)

    def process(value: Any) -> Any:
        if value is None:
            return null
        if plain_json(value):
            try:
                return orjson.dumps(value, option=_OPTIONS).decode()
            except orjson.JSONEncodeError:
                pass  # a key that is not text, a number beyond 64 bits: as SQLAlchemy writes it
        return processor(value)

    return process


def _direct(conn: Connection, table: Table, names: tuple[str, ...]) -> bool:
    """Whether the rows can go straight to the driver: SQLite, and no left-out column with a default of its own
    (SQLAlchemy fills those in), a primary key's included (an integer key without one is SQLite's rowid)."""
    if conn.dialect.name != "sqlite" or conn.dialect.paramstyle != "qmark":
        return False
    key = (id(table), names)
    hit = _DIRECT.get(key)
    if hit is None or hit[0] is not table:
        given = set(names)
        if len(_DIRECT) >= _COMPILED_MAX:
            _DIRECT.clear()
        hit = _DIRECT[key] = (table, all(c.name in given or c.default is None for c in table.columns))
    return hit[1]


#: (table, columns) -> (the table, whether rows of those columns can go straight to the driver)
_DIRECT: dict[tuple[int, tuple[str, ...]], tuple[Table, bool]] = {}


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]],
                returning: tuple[str, ...] = (), *, fast_json: bool = False) -> list[tuple]:
    """INSERT `rows` (each with the same keys as the first) into `table` within the caller's transaction; the
    `returning` columns of each new row come back, in no promised order. `fast_json`: JSON of plain values is
    written by orjson (for the state store's own tables, read only as JSON)."""
    if not rows:
        return []
    names = tuple(rows[0])
    if not _direct(conn, table, names) or set(map(len, rows)) != {len(names)}:
        statement = table.insert()
        if returning:
            return [tuple(r) for r in conn.execute(statement.returning(*(table.c[n] for n in returning)), list(rows))]
        conn.execute(statement, list(rows))
        return []
    dialect = conn.dialect
    per_statement = max(1, min(dialect.insertmanyvalues_max_parameters // len(names),
                               dialect.insertmanyvalues_page_size))
    out: list[tuple] = []
    values_of = picker(names)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        sql, processing = _compiled(table, dialect, names, len(chunk), returning, fast_json)
        result = conn.exec_driver_sql(sql, tuple(_parameters(chunk, values_of, processing)))
        if returning:
            out.extend(map(tuple, result.all()))  # one fetch for the statement's rows
    return _processed(conn, table, returning, out) if returning else out


def picker(keys: Sequence[Any]) -> Callable[[Any], tuple]:
    """A function giving the items of `keys` of its argument as a tuple, in that order (operator.itemgetter,
    which gives a single item bare)."""
    if not keys:
        return lambda source: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda source: (source[key],)
    return itemgetter(*keys)


def _parameters(rows: Sequence[Mapping[str, Any]], values_of: Callable[[Mapping[str, Any]], Sequence[Any]],
                processing: tuple[tuple[int, _Processor, bool], ...]) -> list[Any]:
    """The rows' values one after another, each through its column's bind processor. A value that is the very
    object the row before gave that column (the batch's one time stamp) takes the same processed value."""
    params: list[Any] = []
    if not processing:
        for row in rows:
            params += values_of(row)
        return params
    given: list[Any] = [_UNSET] * len(processing)
    made: list[Any] = [None] * len(processing)
    for row in rows:
        values = list(values_of(row))
        for k, (at, processor, keeps_none) in enumerate(processing):
            value = values[at]
            if value is None and keeps_none:
                continue
            if value is not given[k]:
                given[k], made[k] = value, processor(value)
            values[at] = made[k]
        params += values
    return params


def _processed(conn: Connection, table: Table, names: tuple[str, ...], rows: list[tuple]) -> list[tuple]:
    """Returned rows as SQLAlchemy gives them: through each column type's result processor (where it has one)."""
    processing = [(at, _kept(p) if isinstance(table.c[name].type, _IMMUTABLE) else p) for at, name in enumerate(names)
                  if (p := table.c[name].type._cached_result_processor(conn.dialect, None)) is not None]
    return converted(rows, processing) if processing else rows


#: column types whose read values are immutable (a datetime, a Decimal, a bool): one may stand for several rows
_IMMUTABLE = (sqltypes.DateTime, sqltypes.Date, sqltypes.Time, sqltypes.Numeric, sqltypes.Boolean)


def _kept(processor: _Processor) -> _Processor:
    """`processor` worked out once per distinct text it is given (the stamp every row of a batch shares)."""
    seen: dict[str, Any] = {}

    def process(value: Any) -> Any:
        if type(value) is not str:
            return processor(value)
        hit = seen.get(value, _UNSET)
        if hit is _UNSET:
            hit = seen[value] = processor(value)
        return hit

    return process


def converted(rows: Iterable[Sequence[Any]], conversions: Sequence[tuple[int, Callable[[Any], Any]]]) -> list[tuple]:
    """Rows as tuples, the value at each position of `conversions` put through its conversion."""
    out = []
    for row in rows:
        values = list(row)
        for at, convert in conversions:
            values[at] = convert(values[at])
        out.append(tuple(values))
    return out
