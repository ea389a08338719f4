"""The hooks through which a preset's own rules take part in the SQL connector's reads and writes.

The generic connector knows tables, columns and transactions; a preset knows what its application does
around a row: the values it fills in, the numbers it hands out, the side rows it writes with the parent.
`PresetRules` is the do-nothing base; a preset overrides what it needs (Perfex: `connectors/perfex/`).
Every write hook runs inside the transaction of the parent row, so a side row and its parent commit
together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from erpsync_gui.errors import ConfigError
from erpsync_gui.records import EntityInfo, Record

if TYPE_CHECKING:
    from erpsync_gui.connectors.sql_schema import ChildTable, EntityTable, SchemaCatalog
    from erpsync_gui.connectors.sql_writing import PreparedRow


@dataclass(frozen=True)
class WriteContext:
    """What a write hook knows besides the rows: the reflected schema, the CRM's time zone and its clock."""

    catalog: SchemaCatalog
    tz: tzinfo
    #: now on the CRM's clock (aware UTC): the same instant the rows are stamped with
    now: datetime

    @property
    def local_now(self) -> datetime:
        """Now as the CRM's application writes it: naive, in its own time zone, whole seconds."""
        return self.now.astimezone(self.tz).replace(tzinfo=None, microsecond=0)


class PresetRules:
    """No rules: the rows are written as the mapping gives them."""

    #: stamp our writes with whole seconds, as the application itself does (PHP's date('Y-m-d H:i:s'))
    whole_seconds = False

    def timezone(self, conn: Connection, catalog: SchemaCatalog) -> str | None:
        """The IANA name of the time zone the application writes its datetimes in, where it keeps one."""
        return None

    def describe(self, conn: Connection, et: EntityTable, info: EntityInfo) -> EntityInfo:
        """The entity's description with what the rules add: fields they present, defaults they fill."""
        return info

    def virtual(self, et: EntityTable) -> frozenset[str]:
        """Payload names that are not columns of the table but are written by the rules (kept apart)."""
        return frozenset()

    def line_virtual(self, et: EntityTable, child: ChildTable) -> frozenset[str]:
        """The same for the lines of a child table."""
        return frozenset()

    def present(self, conn: Connection, et: EntityTable, records: list[Record]) -> list[Record]:
        """Records as the application shows them (computed fields, side rows read with the parent)."""
        return records

    def may_refuse_create(self, et: EntityTable) -> bool:
        """Whether `refuse_create` can refuse this entity at all (if not, a create asks it nothing)."""
        return False

    def refuse_create(self, conn: Connection, et: EntityTable) -> ConfigError | None:
        """Why no record of this entity may be created now (a setting the application needs is missing)."""
        return None

    def created_as_inserted(self, et: EntityTable) -> bool:
        """Whether a new row of this entity is, once the write hooks ran, the row its INSERT wrote: no hook
        changes that row afterwards (side rows and other tables may change). Then what the INSERT returns is
        what a read would give, and a create needs no read-back."""
        return True

    def present_created(self, conn: Connection, et: EntityTable, records: list[Record],
                        rows: Sequence[PreparedRow]) -> list[Record]:
        """`present` for records just created from `rows` (in the same order): a preset may take what it wrote
        itself from the rows rather than read it back."""
        return self.present(conn, et, records)

    def before_write(self, conn: Connection, et: EntityTable, rows: Sequence[PreparedRow], ctx: WriteContext,
                     *, creating: bool, keys: Sequence[Any] = ()) -> None:
        """Fill in what the application would before the rows are written (`keys` of updated rows)."""

    def after_write(self, conn: Connection, et: EntityTable, keys: Sequence[Any], rows: Sequence[PreparedRow],
                    ctx: WriteContext, *, creating: bool) -> None:
        """Write the side rows of the rows just written (same transaction)."""

    def before_delete(self, conn: Connection, et: EntityTable, key: Any) -> Mapping[str, Any]:
        """Read what `after_delete` needs to know of the row about to go."""
        return {}

    def after_delete(self, conn: Connection, et: EntityTable, key: Any, before: Mapping[str, Any],
                     ctx: WriteContext) -> None:
        """Tidy up after a deleted row (side rows, the parent's derived values)."""

    def search(self, conn: Connection, et: EntityTable, name: str, values: Sequence[Any]) -> dict[str, list[Any]]:
        """Keys of the rows whose presented field `name` (one of `virtual`) equals each value, by str(value)."""
        raise ConfigError(f"{et.entity} cannot be searched by {name!r}")

    def findings(self, conn: Connection, catalog: SchemaCatalog) -> list[str]:
        """Lines for a connection test: settings and reference rows the application's rules need."""
        return []
