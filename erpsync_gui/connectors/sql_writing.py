"""Payloads checked against the reflected table, and the INSERT/UPDATE statements that write them.

Everything here runs inside a transaction the connector owns; nothing commits. Names a preset's rules
write themselves (fields they present) are kept apart in `PreparedRow.extras`; reference columns take the
id of the code given; text for a utf8mb3 column is checked for 4-byte characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, delete, func, select, update

from erpsync_gui.connectors.sql_charset import narrow_text
from erpsync_gui.connectors.sql_references import ReferenceCache
from erpsync_gui.connectors.sql_returned import WholeRows, to_return
from erpsync_gui.connectors.sql_schema import ChildTable, EntityTable, find_column, to_db
from erpsync_gui.errors import NotFoundError, PermanentError
from erpsync_gui.records import Origin
from erpsync_gui.sql_bulk import insert_many


@dataclass
class PreparedRow:
    """A payload checked against the table: column values and child lines, ready to write, plus the values
    of the fields a preset's rules write themselves (`extras`, and per line `line_extras`)."""

    values: dict[str, Any]
    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    line_extras: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Shaping:
    """How payload values become column values beyond their type: rule-written names, reference codes and
    the 4-byte-character policy."""

    virtual: frozenset[str] = frozenset()
    line_virtual: Mapping[str, frozenset[str]] = field(default_factory=dict)
    references: ReferenceCache | None = None
    replace_4byte: bool = False


PLAIN = Shaping()


def prepare(et: EntityTable, payload: Mapping[str, Any], *, creating: bool, origin: Origin | None = None,
            channel: str = "erpsync", shape: Shaping = PLAIN) -> PreparedRow:
    """Payload -> column values; unknown names are ConfigError, unstorable values PermanentError.
    On create the origin marker is stamped; the time columns are stamped at write time (`stamp`)."""
    row = PreparedRow({})
    values = row.values
    plain = et.plain_text
    for key, value in payload.items():
        name = plain.get(key)
        if name is not None and (type(value) is str or value is None) and key not in shape.virtual:
            values[name] = value  # most values: text (or NULL) into a text column, nothing to look up or convert
            continue
        child = et.child(key)
        if child is not None:
            row.lines[child.name], row.line_extras[child.name] = _prepare_lines(
                et, child, value, shape, shape.line_virtual.get(child.name, frozenset()))
        elif key in shape.virtual:
            row.extras[key] = value
        else:
            column = et.column(key)
            values[column.name] = column_value(et, column, value, shape, et.narrow)
    if creating and origin is not None and et.marker is not None:
        id_col, channel_col = et.marker
        row.values[id_col.name] = to_db(id_col, origin.source_id, et.tz)
        row.values[channel_col.name] = to_db(channel_col, origin.channel or channel, et.tz)
    return row


def column_value(et: EntityTable, column: Column, value: Any, shape: Shaping, narrow: frozenset[str]) -> Any:
    """What `column` stores for a payload value: a reference code as its id, the column type's conversion, the
    4-byte-character check of a narrow text column."""
    ref = et.references.get(column.name) if column.table is et.table else None
    if ref is not None and shape.references is not None:
        value = shape.references.to_id(column.name, ref, value)
    stored = to_db(column, value, et.tz)
    if isinstance(stored, str) and column.name in narrow:
        stored = narrow_text(column.table.name, column.name, stored, replace=shape.replace_4byte)
    return stored


def _prepare_lines(et: EntityTable, child: ChildTable, lines: Any, shape: Shaping,
                   virtual: frozenset[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Child lines -> column values (and the rule-written values of each line); the parent key and fixed
    columns are set on insert."""
    if not isinstance(lines, Sequence) or isinstance(lines, (str, bytes)):
        raise PermanentError(f"{child.name} must be a list of rows")
    skip = {child.fk.name, *child.fixed, *([child.pk.name] if child.pk is not None else [])}
    prepared, extras = [], []
    for position, line in enumerate(lines, start=1):
        if not isinstance(line, Mapping):
            raise PermanentError(f"Each of {child.name} must be a row of named values")
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in line.items():
            if key in virtual:
                extra[key] = value
                continue
            column = find_column(child.table, key)
            if column.name not in skip:
                values[column.name] = column_value(et, column, value, shape, child.narrow)
        if child.order_by is not None and child.order_by.name not in values:
            values[child.order_by.name] = position
        prepared.append(values)
        extras.append(extra)
    return prepared, extras


def stamp(et: EntityTable, row: PreparedRow, now: datetime, *, creating: bool) -> None:
    """Fill the updated column (and on create the created column) with `now` unless the payload set them.
    `now` is the source system's own clock: a cursor read from these stamps never passes an edit that a
    person makes after our write, whatever this machine's clock says."""
    for column in [et.updated, et.created] if creating else [et.updated]:
        if column is not None and column.name not in row.values:
            row.values[column.name] = to_db(column, now, et.tz)


def insert_rows(conn: Connection, et: EntityTable, rows: Sequence[PreparedRow], now: datetime, *,
                whole: bool = False) -> tuple[list[Any], list[tuple] | None]:
    """Insert rows and their lines; returns their new keys, in order, and with `whole` each new row as the
    database stored it (every column of the table, in the table's order) from the INSERT's RETURNING and, for
    the columns SQLite stores exactly as given (`sql_returned`), the values given: None where the database
    returns no rows from an INSERT."""
    # one `now` for the batch: its stored form is worked out once, not once per row
    stamps = {c.name: to_db(c, now, et.tz) for c in (et.created, et.updated) if c is not None}
    for row in rows:
        for name, value in stamps.items():
            if name not in row.values:
                row.values[name] = value
    keys, stored = _insert_rows(conn, et, rows, whole and conn.dialect.insert_returning)
    for child in et.children:
        parents = [(k, r.lines[child.name]) for k, r in zip(keys, rows, strict=True) if child.name in r.lines]
        insert_lines(conn, child, parents)
    return keys, stored


def _insert_rows(conn: Connection, et: EntityTable, rows: Sequence[PreparedRow],
                 whole: bool) -> tuple[list[Any], list[tuple] | None]:
    """One executemany with RETURNING per set of given columns where the dialect can (SQLite,
    PostgreSQL, MariaDB 10.5+); else one INSERT per row with the key from lastrowid (MySQL): a multi-row
    INSERT there reports only its first id, and ids need not be consecutive (innodb_autoinc_lock_mode=2).
    `whole`: every column comes back (the dialect returns rows from an INSERT)."""
    keys: list[Any] = [None] * len(rows)
    stored: list[tuple] = [()] * len(rows)
    groups: dict[tuple[str, ...], list[int]] = {}
    ordered: dict[tuple[str, ...], tuple[str, ...]] = {}  # names as given -> sorted: rows of a batch share them
    for i, row in enumerate(rows):
        given = tuple(row.values)
        names = ordered.get(given)
        if names is None:
            names = ordered[given] = tuple(sorted(given))
        groups.setdefault(names, []).append(i)
    many = conn.dialect.insert_executemany_returning_sort_by_parameter_order
    unordered = conn.dialect.insert_executemany_returning
    columns = list(et.table.columns) if whole else [et.pk]
    pk_at = columns.index(et.pk)
    for names, indexes in groups.items():
        values = [rows[i].values for i in indexes]
        position = _by_marker(et, names, values, indexes) if unordered and len(indexes) > 1 else None
        if position is not None and et.marker is not None:
            # one multi-row statement: the origin marker (unique per source record) maps each new key back
            # to its row, so no per-row ordering is needed (which SQLite would pay for with one INSERT per row)
            id_name, channel_name = et.marker[0].name, et.marker[1].name
            needed = (et.pk.name, id_name, channel_name)
            returning = to_return(conn, et.table, needed, values) if whole else needed
            key_at, id_at, channel_at = (returning.index(n) for n in needed)
            returned = insert_many(conn, et.table, values, returning)
            rebuilt = WholeRows(et.table, returning) if whole and len(returning) < len(et.table.columns) else None
            for new in returned:
                i = position[(new[id_at], new[channel_at])]
                keys[i] = new[key_at]
                stored[i] = rebuilt.row(new, rows[i].values) if rebuilt is not None else new
        elif many and names and len(indexes) > 1:
            statement = et.table.insert().returning(*columns, sort_by_parameter_order=True)
            result = conn.execute(statement, [rows[i].values for i in indexes])
            for i, new in zip(indexes, result.all(), strict=True):
                keys[i], stored[i] = new[pk_at], tuple(new)
        elif whole:
            for i in indexes:
                new = conn.execute(et.table.insert().values(rows[i].values).returning(*columns)).one()
                keys[i], stored[i] = new[pk_at], tuple(new)
        else:
            for i in indexes:
                inserted = conn.execute(et.table.insert().values(rows[i].values)).inserted_primary_key
                assert inserted is not None, "an INSERT without RETURNING still reports its primary key"
                keys[i] = inserted[0]
    return keys, stored if whole else None


def _by_marker(et: EntityTable, names: tuple[str, ...], values: Sequence[dict[str, Any]],
               indexes: Sequence[int]) -> dict[tuple[Any, Any], int] | None:
    """Each row's index by its origin marker when every row of the group carries a distinct one, else None."""
    if et.marker is None or not all(c.name in names for c in et.marker):
        return None
    ids, channels = (list(map(itemgetter(c.name), values)) for c in et.marker)
    position = dict(zip(zip(ids, channels, strict=True), indexes, strict=True))
    return position if len(position) == len(values) and None not in ids and None not in channels else None


def insert_lines(conn: Connection, child: ChildTable, parents: Sequence[tuple[Any, list[dict]]]) -> None:
    params = [{**line, child.fk.name: key, **child.fixed} for key, lines in parents for line in lines]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for line in params:
        groups.setdefault(tuple(sorted(line)), []).append(line)
    for group in groups.values():
        conn.execute(child.table.insert(), group)


def update_values(conn: Connection, et: EntityTable, key: Any, row: PreparedRow,
                  missing: NotFoundError, now: datetime) -> None:
    """UPDATE the given columns and replace the child lines given; `missing` when no row has `key`."""
    stamp(et, row, now, creating=False)
    if row.values.get(et.pk.name, key) != key:
        raise PermanentError(f"The id column {et.pk.name} of {et.entity} cannot be changed")
    if row.values:
        done = conn.execute(update(et.table).where(et.pk == key).values(row.values)).rowcount
    else:
        done = conn.execute(select(func.count()).select_from(et.table).where(et.pk == key)).scalar_one()
    if not done:
        raise missing
    for name, lines in row.lines.items():
        child = et.child(name)
        assert child is not None
        conn.execute(delete(child.table).where(child.of_parents([key])))
        insert_lines(conn, child, [(key, lines)])


def delete_row(conn: Connection, et: EntityTable, key: Any) -> None:
    """DELETE the row and its child lines; a row already gone is left as it is."""
    for child in et.children:
        conn.execute(delete(child.table).where(child.of_parents([key])))
    conn.execute(delete(et.table).where(et.pk == key))
