"""A link row as the engine handles it: a plain mutable value, read and written in bulk.

The engine touches tens of thousands of links per run; ORM-instrumented objects cost more than the rest of
a record's work, so links travel as this dataclass and `sync_state` moves them with Core statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import RowMapping

from erpsync_gui.records import Side
from erpsync_gui.store.models import LinkRow, table_of


@dataclass(slots=True)
class Link:
    profile_id: int
    entity: str
    id: int | None = None
    crm_id: str | None = None
    erp_id: str | None = None
    crm_checksum: str | None = None
    erp_checksum: str | None = None
    crm_version: str | None = None
    erp_version: str | None = None
    crm_updated_at: datetime | None = None
    erp_updated_at: datetime | None = None
    last_txn_id: str | None = None
    last_written_side: str | None = None
    last_synced_at: datetime | None = None
    state: str = "pending"
    pending_side: str | None = None
    create_unknown: bool = False
    attempts: int = 0
    last_error: str | None = None
    deleted_side: str | None = None
    deleted_at: datetime | None = None
    expected_side: str | None = None
    expected_checksum: str | None = None

    @classmethod
    def from_row(cls, row: RowMapping) -> Link:
        return cls(**{name: row[name] for name in COLUMNS})

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> Link:
        """A link from a row selected as `SELECTED` (its values in field order)."""
        return cls(*values)

    def id_on(self, side: Side) -> str | None:
        """The linked record's id on `side` (None until that side has one, or after it was retired)."""
        return self.crm_id if side is Side.CRM else self.erp_id

    def values(self) -> dict[str, Any]:
        """Column values for an INSERT (without the id) or, with `id`, for an UPDATE by primary key."""
        return {name: getattr(self, name) for name in COLUMNS if name != "id"}

    def row(self) -> tuple[Any, ...]:
        """The values of `WRITTEN`, in that order (for an INSERT, or an UPDATE by id with the id added)."""
        return written_values(self)


COLUMNS = tuple(f.name for f in fields(Link))
#: the columns a link writes (all but its id, which the database gives)
WRITTEN = tuple(name for name in COLUMNS if name != "id")
#: a link's `row()`, as one C call (for mapping over a batch's links)
written_values = attrgetter(*WRITTEN)
TABLE = table_of(LinkRow)
#: the table's columns in the order of Link's fields: `select(*SELECTED)` gives rows for `Link.from_values`
SELECTED = tuple(TABLE.c[name] for name in COLUMNS)
assert set(COLUMNS) == {c.key for c in TABLE.columns}, "Link and the links table disagree"
