"""Reflection of the CRM database and the resolution of entities to its tables, columns and child tables.

Every table and column name the SQL connector uses comes from here, and every one here comes from the
reflected schema: a preset or an override only *proposes* a name, and a name the database does not have
is a ConfigError that lists what it does have. No SQL is ever built from user text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from functools import cached_property
from typing import Any

from sqlalchemy import Column, MetaData, Table, and_
from sqlalchemy.engine import Engine
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.elements import ColumnElement

from erpsync_gui.connectors.sql_engine import translate_errors
from erpsync_gui.connectors.sql_presets import (
    CREATED_CANDIDATES,
    MARKER_CHANNEL,
    MARKER_ID,
    UPDATED_CANDIDATES,
    EntityPreset,
    Reference,
    preset_named,
)
from erpsync_gui.connectors.sql_values import _is_type, field_type, fraction_digits, from_db, to_db
from erpsync_gui.errors import ConfigError

__all__ = ["ChildTable", "EntityTable", "SchemaCatalog", "field_type", "find_column", "fraction_digits",
           "from_db", "to_db"]

#: the column that marks a row inactive in Perfex-style tables
ARCHIVE_COLUMN = "active"
OVERRIDE_KEYS = frozenset({"table", "id", "updated", "created", "keys"})
#: MySQL/MariaDB character sets that hold no 4-byte character (utf8 is utf8mb3 on every version we meet)
NARROW_CHARSETS = frozenset({"utf8", "utf8mb3"})


@dataclass(frozen=True)
class ChildTable:
    """A reflected child table (invoice lines) tied to its parent by `fk` and the `fixed` columns."""

    name: str
    table: Table
    fk: Column
    fixed: Mapping[str, Any]
    order_by: Column | None
    pk: Column | None
    #: text columns whose character set holds no 4-byte character
    narrow: frozenset[str] = frozenset()

    def of_parents(self, parent_ids: Sequence[Any]) -> ColumnElement[bool]:
        return and_(self.fk.in_(parent_ids), *(self.table.c[k] == v for k, v in self.fixed.items()))


@dataclass(frozen=True)
class EntityTable:
    """One entity resolved against the reflected schema."""

    entity: str
    table: Table
    pk: Column
    updated: Column | None
    created: Column | None
    key_fields: tuple[str, ...]
    #: (external_id, external_channel) when the table carries the origin marker
    marker: tuple[Column, Column] | None
    children: tuple[ChildTable, ...]
    #: the flag column that makes a row inactive (Perfex's `active`), when the table has one
    archive: Column | None = None
    #: columns read and written by a code of a lookup table that exists in this database
    references: Mapping[str, Reference] = field(default_factory=dict)
    #: no natural key: records are created only where the table carries the origin marker
    keyless: bool = False
    #: the time zone naive datetimes of this database are written in
    tz: tzinfo = UTC
    #: text columns whose character set holds no 4-byte character (MySQL's utf8mb3)
    narrow: frozenset[str] = frozenset()
    #: the catalog that resolved it: a preset's rules find the other tables they write through it
    catalog: SchemaCatalog | None = field(default=None, compare=False, repr=False)
    #: payload names already resolved to their column (asked for every value of every row written)
    _columns: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def child(self, name: str) -> ChildTable | None:
        return next((c for c in self.children if c.name == name), None) if self.children else None

    @cached_property
    def plain_text(self) -> Mapping[str, str]:
        """Payload name -> column name of the text columns that store a text value as it is (no reference code,
        no character-set check, not a child list's name)."""
        children = {c.name for c in self.children}
        return {c.key: c.name for c in self.table.columns if field_type(c) == "text" and c.name not in self.references
                and c.name not in self.narrow and c.key not in children}

    def column(self, name: str) -> Column:
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = find_column(self.table, name)
        return found

    def pk_value(self, record_id: str) -> Any | None:
        """The record id as the primary key's own type; None when it cannot be one (so: no such row)."""
        if _is_type(self.pk, sqltypes.Integer):
            try:
                return int(record_id)
            except (TypeError, ValueError):
                return None
        return record_id


class SchemaCatalog:
    """Reflects the database once, lazily, and resolves entities to tables (cached, thread-safe)."""

    def __init__(self, engine: Engine, preset: str = "perfex",
                 overrides: Mapping[str, Mapping[str, Any]] | None = None, schema: str | None = None) -> None:
        self.validate(preset, overrides or {})
        self._engine = engine
        self._preset = preset_named(preset)
        self._overrides = dict(overrides or {})
        self._schema = schema
        self._metadata: MetaData | None = None
        self._resolved: dict[str, EntityTable] = {}
        self._lock = threading.Lock()
        self._tables: dict[str, Table] | None = None
        self._lowered: dict[str, Table] | None = None
        #: the time zone of the database's naive datetimes; set before the first entity is resolved
        self.tz: tzinfo = UTC
        #: what the connector and a preset's rules work out once from the schema and keep while this catalog
        #: lives (a connector's run): how payloads are shaped, built statements, whether the database has triggers
        self.memo: dict[Any, Any] = {}

    @staticmethod
    def validate(preset: str, overrides: Mapping[str, Mapping[str, Any]]) -> None:
        """ConfigError for an unknown preset or override setting, before any database is touched."""
        preset_named(preset)
        for entity, override in overrides.items():
            unknown = set(override) - OVERRIDE_KEYS
            if unknown:
                raise ConfigError(f"Unknown setting(s) {sorted(unknown)} for SQL entity {entity!r}",
                                  hint=f"allowed: {', '.join(sorted(OVERRIDE_KEYS))}")

    @property
    def metadata(self) -> MetaData:
        with self._lock:
            if self._metadata is None:
                metadata = MetaData(schema=self._schema)
                with translate_errors("reading the database schema"):
                    metadata.reflect(self._engine, views=False)
                self._metadata = metadata
            return self._metadata

    def tables(self) -> dict[str, Table]:
        """Reflected tables by their plain name (a copy: the reflection is made once and never changes)."""
        return dict(self._by_name())

    def _by_name(self) -> dict[str, Table]:
        if self._tables is None:
            self._tables = {t.name: t for t in self.metadata.tables.values()}
        return self._tables

    def find_table(self, name: str) -> Table | None:
        """The reflected table `name` (case-insensitive fallback), or None when the database has none."""
        tables = self._by_name()
        found = tables.get(name)
        if found is None:
            if self._lowered is None:
                self._lowered = {}
                for n, t in tables.items():
                    self._lowered.setdefault(n.lower(), t)
            found = self._lowered.get(name.lower())
        return found

    def table(self, name: str) -> Table:
        found = self.find_table(name)
        if found is None:
            raise ConfigError(f"The database has no table {name!r}", hint=_listing("tables", sorted(self.tables())))
        return found

    def preset_tables(self, table_names: Iterable[str] | None = None) -> tuple[int, int]:
        """(found, expected) counts of the preset's tables among `table_names` (default: the reflected)."""
        names = {n.lower() for n in (self.tables() if table_names is None else table_names)}
        wanted = {p.table.lower() for p in self._preset.values()}
        return len(wanted & names), len(wanted)

    def missing_tables(self, table_names: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """(entity, table) of each preset entity whose table the database lacks, in preset order."""
        names = {n.lower() for n in (self.tables() if table_names is None else table_names)}
        return [(e, p.table) for e, p in self._preset.items() if p.table.lower() not in names]

    def preset(self, entity: str) -> EntityPreset | None:
        return self._preset.get(entity)

    def entities(self) -> list[str]:
        """Entities whose table exists: the preset's, the overrides', in that order."""
        names = {n.lower() for n in self.tables()}
        found = [e for e, p in self._preset.items() if p.table.lower() in names and e not in self._overrides]
        return found + list(self._overrides)

    def resolve(self, entity: str) -> EntityTable:
        resolved = self._resolved.get(entity)
        if resolved is None:
            resolved = self._resolve(entity)
            self._resolved[entity] = resolved
        return resolved

    def _resolve(self, entity: str) -> EntityTable:
        preset = self._preset.get(entity)
        override = self._overrides.get(entity, {})
        table_name = override.get("table") or (preset.table if preset else None)
        if not table_name:
            if entity.lower() not in {n.lower() for n in self.tables()}:
                raise ConfigError(
                    f"No table is configured for entity {entity!r}",
                    hint=f"set options.tables.{entity}.table; " + _listing("tables", sorted(self.tables())),
                )
            table_name = entity
        table = self.table(table_name)
        base = preset or EntityPreset(table.name, id="")
        id_name = override.get("id") or base.id
        pk = find_column(table, id_name) if id_name else _single_pk(table, entity)
        updated = _pick(table, override, "updated", base.updated if preset else UPDATED_CANDIDATES)
        created = _pick(table, override, "created", base.created if preset else CREATED_CANDIDATES)
        keys = override.get("keys")
        if keys is not None:
            key_fields = tuple(find_column(table, k).name for k in keys)
        else:
            key_fields = tuple(c.name for k in base.key_fields if (c := _maybe_column(table, k)) is not None)
        marker_id, marker_channel = _maybe_column(table, MARKER_ID), _maybe_column(table, MARKER_CHANNEL)
        marker = (marker_id, marker_channel) if marker_id is not None and marker_channel is not None else None
        children = tuple(self._child(c) for c in base.children if self._has_table(c.table))
        references = {c.name: ref for name, ref in base.references.items()
                      if (c := _maybe_column(table, name)) is not None and self._has_table(ref.table)}
        return EntityTable(entity, table, pk, updated, created, key_fields, marker, children,
                           _maybe_column(table, ARCHIVE_COLUMN), references, base.keyless, self.tz,
                           narrow_columns(table), self)

    def _has_table(self, name: str) -> bool:
        return self.find_table(name) is not None

    def _child(self, preset: Any) -> ChildTable:
        table = self.table(preset.table)
        fixed = {find_column(table, k).name: v for k, v in preset.fixed.items()}
        order_by = _maybe_column(table, preset.order_by) if preset.order_by else None
        pks = list(table.primary_key.columns)
        return ChildTable(preset.name, table, find_column(table, preset.fk), fixed, order_by,
                          pks[0] if len(pks) == 1 else None, narrow_columns(table))


def narrow_columns(table: Table) -> frozenset[str]:
    """Text columns of `table` stored in a character set without 4-byte characters (MySQL's utf8mb3): the
    table's default unless the column names its own."""
    # dialect_options fills in a missing key (loading that dialect), so it is asked first, never .get()
    options: Any = table.dialect_options["mysql"] if "mysql" in table.dialect_options else {}  # noqa: SIM401
    default = str(options.get("default charset") or "").lower()
    narrow = set()
    for column in table.columns:
        if not isinstance(column.type, sqltypes.String):
            continue
        charset = str(getattr(column.type, "charset", None) or default).lower()
        if charset in NARROW_CHARSETS:
            narrow.add(column.name)
    return frozenset(narrow)


def find_column(table: Table, name: str) -> Column:
    """The reflected column `name` of `table` (case-insensitive fallback), or ConfigError listing them."""
    column = _maybe_column(table, name)
    if column is None:
        raise ConfigError(f"Table {table.name!r} has no column {name!r}",
                          hint=_listing(f"columns of {table.name}", [c.name for c in table.columns]))
    return column


def _maybe_column(table: Table, name: str) -> Column | None:
    if name in table.c:
        return table.c[name]
    return next((c for c in table.columns if c.name.lower() == name.lower()), None)


def _single_pk(table: Table, entity: str) -> Column:
    pks = list(table.primary_key.columns)
    if len(pks) != 1:
        raise ConfigError(f"Table {table.name!r} has no single-column primary key",
                          hint=f"set options.tables.{entity}.id to its id column")
    return pks[0]


def _pick(table: Table, override: Mapping[str, Any], key: str, candidates: Sequence[str]) -> Column | None:
    """An override names the column (empty/None turns it off); else the first candidate the table has."""
    if key in override:
        return find_column(table, override[key]) if override[key] else None
    return next((c for name in candidates if (c := _maybe_column(table, name)) is not None), None)


def _listing(what: str, names: Sequence[str]) -> str:
    shown = ", ".join(names[:60])
    more = f" … and {len(names) - 60} more" if len(names) > 60 else ""
    return f"{what}: {shown or 'none'}{more}"
