"""The DDL that gives a CRM table the origin marker (external_id + external_channel), as text first.

The CRM module of the product's source adds these two columns to each table it syncs; a stock Perfex
database has neither. Changing a customer's schema is never done behind anyone's back: the statements are
built here, shown (or handed to a DBA as text), and only run when a person confirms. Only the columns a
table lacks are added, with an index on (external_channel, external_id) for the lookups by origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, Table
from sqlalchemy.engine import Dialect

from erpsync_gui.connectors.sql_presets import MARKER_CHANNEL, MARKER_ID

#: the columns' types: an id of the other system (bounded, as record ids are) and a channel name
MARKER_TYPES = {MARKER_ID: String(64), MARKER_CHANNEL: String(50)}


@dataclass(frozen=True)
class MarkerChange:
    """One table that lacks (some of) the marker columns, and the statements that add them."""

    entity: str
    table: str
    missing: tuple[str, ...]
    statements: tuple[str, ...]


@dataclass(frozen=True)
class MarkerResult:
    """What `add_marker_columns` did: the changes, and whether they were carried out."""

    changes: tuple[MarkerChange, ...]
    executed: bool

    @property
    def statements(self) -> list[str]:
        return [s for change in self.changes for s in change.statements]

    def sql_text(self) -> str:
        """The statements as a script a DBA can run (one per line, each ending with a semicolon)."""
        return "".join(f"{statement};\n" for statement in self.statements)


def missing_markers(table: Table) -> tuple[str, ...]:
    """The marker columns `table` lacks (case-insensitive), in their usual order."""
    names = {c.name.lower() for c in table.columns}
    return tuple(name for name in (MARKER_ID, MARKER_CHANNEL) if name.lower() not in names)


def marker_statements(dialect: Dialect, table: Table, missing: Sequence[str], schema: str | None = None) -> list[str]:
    """ALTER TABLE (and CREATE INDEX) statements adding `missing` marker columns to `table` in `dialect`."""
    if not missing:
        return []
    quote = dialect.identifier_preparer.quote
    name = f"{quote(schema)}.{quote(table.name)}" if schema else quote(table.name)
    columns = [f"ADD COLUMN {quote(column)} {MARKER_TYPES[column].compile(dialect=dialect)} NULL"
               for column in missing]
    index = quote(f"ix_{table.name}_external"[:60])
    indexed = f"({quote(MARKER_CHANNEL)}, {quote(MARKER_ID)})"
    if dialect.name in ("mysql", "mariadb"):
        # one statement: MySQL rebuilds the table once for all of it
        return [f"ALTER TABLE {name} " + ", ".join([*columns, f"ADD INDEX {index} {indexed}"])]
    if dialect.name == "sqlite":
        # SQLite adds one column per ALTER TABLE
        statements = [f"ALTER TABLE {name} {column}" for column in columns]
    else:
        statements = [f"ALTER TABLE {name} " + ", ".join(columns)]
    if dialect.name == "sqlite":
        # SQLite names the schema on the index, never on the table it indexes
        index_name = f"{quote(schema)}.{index}" if schema else index
        return [*statements, f"CREATE INDEX {index_name} ON {quote(table.name)} {indexed}"]
    return [*statements, f"CREATE INDEX {index} ON {name} {indexed}"]
