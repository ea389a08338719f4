"""Perfex's settings, kept as name/value rows in tbloptions (what its get_option() and update_option() read
and write), and the choice of the database's own rows where Perfex needs a reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table, select

from erpsync_gui.connectors.sql_schema import SchemaCatalog, find_column

OPTIONS_TABLE = "tbloptions"


def has_table(catalog: SchemaCatalog, name: str) -> bool:
    return catalog.find_table(name) is not None


def table(catalog: SchemaCatalog, name: str) -> Table | None:
    """The reflected table `name`, or None when this database has none."""
    return catalog.find_table(name)


def get_option(conn: Connection, catalog: SchemaCatalog, name: str) -> str | None:
    """The value of the option `name`; None when the option (or tbloptions) does not exist."""
    options = table(catalog, OPTIONS_TABLE)
    if options is None:
        return None
    value = conn.execute(select(options.c.value).where(options.c.name == name).limit(1)).scalar()
    return None if value is None else str(value)


def lock_option(conn: Connection, catalog: SchemaCatalog, name: str) -> str | None:
    """The option's value, its row locked until the transaction ends (SELECT ... FOR UPDATE where the database
    has it): two writers numbering invoices at once never take the same number."""
    options = table(catalog, OPTIONS_TABLE)
    if options is None:
        return None
    query = select(options.c.value).where(options.c.name == name).limit(1)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    value = conn.execute(query).scalar()
    return None if value is None else str(value)


def set_option(conn: Connection, catalog: SchemaCatalog, name: str, value: str) -> None:
    """update_option(): write the value of an existing option (a missing one is left missing, as Perfex does)."""
    options = table(catalog, OPTIONS_TABLE)
    if options is not None:
        conn.execute(options.update().where(options.c.name == name).values(value=value))


def int_option(conn: Connection, catalog: SchemaCatalog, name: str) -> int | None:
    value = get_option(conn, catalog, name)
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def first_id(conn: Connection, catalog: SchemaCatalog, name: str, id_column: str,
             order: Sequence[str] = (), where: Any = None) -> Any | None:
    """The id of the first row of table `name` (by `order`, then id), or None when it has none."""
    found = table(catalog, name)
    if found is None:
        return None
    key = find_column(found, id_column)
    columns: list[Column] = [found.c[c] for c in order if c in found.c]
    query = select(key).order_by(*columns, key).limit(1)
    if where is not None:
        query = query.where(where(found))
    return conn.execute(query).scalar()


def row_exists(conn: Connection, catalog: SchemaCatalog, name: str, id_column: str, value: Any) -> bool:
    found = table(catalog, name)
    if found is None:
        return False
    key = find_column(found, id_column)
    return conn.execute(select(key).where(key == value).limit(1)).first() is not None
