"""Values that cross layers: records as connectors return them, pages, field and entity descriptions.

All frozen: a record read from one system is never mutated on its way through the engine; mapping
produces a new payload instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Side(StrEnum):
    CRM = "crm"
    ERP = "erp"

    @property
    def other(self) -> Side:
        return Side.ERP if self is Side.CRM else Side.CRM


class Direction(StrEnum):
    IMPORT = "import"  # ERP -> CRM
    EXPORT = "export"  # CRM -> ERP
    BOTH = "both"

    def sources(self) -> tuple[Side, ...]:
        """Sides whose changes are read in a run of this direction."""
        if self is Direction.IMPORT:
            return (Side.ERP,)
        if self is Direction.EXPORT:
            return (Side.CRM,)
        return (Side.CRM, Side.ERP)

    def writes_to(self, side: Side) -> bool:
        return side in {s.other for s in self.sources()}


@dataclass(frozen=True)
class Record:
    """One record of one system, in that system's own shape."""

    id: str
    data: Mapping[str, Any]
    #: the system's last-modified time (timezone-aware UTC), when it has one
    updated_at: datetime | None = None
    #: the system's concurrency token (QuickBooks SyncToken, ETag, Tryton timestamp), when it has one
    version: str | None = None
    #: the transaction id we stamped on it when we last wrote it, when the system can carry one
    txn_id: str | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)


@dataclass(frozen=True)
class Page:
    """One page of changed records, and the cursor to store once the page is committed."""

    records: tuple[Record, ...]
    #: opaque cursor value that resumes *after* this page; None when the source has no cursor
    cursor: str | None = None
    #: total number of matching records when the source reports it (for progress/ETA)
    total: int | None = None
    #: ids of records the system reports as deleted (or archived) since the cursor: QuickBooks CDC
    #: `status: Deleted`, Zoho's deleted-records list, a Tryton party made inactive, a tombstone column
    deleted: tuple[str, ...] = ()
    #: True on the last page of a complete read of every record (no cursor, or a full read): linked
    #: records that did not appear in it are gone from the system
    complete: bool = False


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str = "text"  # text | number | date | datetime | boolean | list | object
    #: a create must give a value (the system has no default for it)
    required: bool = False
    label: str | None = None
    #: whether the system accepts an explicit empty value (None: it does not say)
    nullable: bool | None = None
    #: the value the system stores when a write leaves the field empty, where it says (column default)
    default: Any = None
    #: the values the system allows, where it lists them (picklists, status codes)
    choices: tuple[Any, ...] = ()
    #: the name people know each of `choices` by, in the same order, where the system says (a lookup row's name)
    choice_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityInfo:
    """What one system offers for one entity."""

    name: str
    fields: tuple[FieldInfo, ...] = ()
    #: the system can return only records changed since a cursor
    has_cursor: bool = False
    #: natural-key fields the system can search by
    key_fields: tuple[str, ...] = ()
    #: `fields` lists every field there is (a reflected table), not only those one sample record showed:
    #: a mapped name missing from them is a mistake
    fields_complete: bool = False


@dataclass(frozen=True)
class Capabilities:
    cursor: bool = False
    batch: bool = False
    #: records can be deleted (Connector.delete)
    delete: bool = False
    #: records can be archived: made inactive but kept (Connector.archive)
    archive: bool = False
    upsert: bool = False
    #: the system can carry our origin marker (external_id + external_channel) on its records
    origin_marker: bool = False
    #: the changes feed reports deletes (Page.deleted)
    reports_deletes: bool = False
    #: a create either commits with its record given back or fails having written nothing (one database
    #: transaction): its outcome is never unknown, so the engine announces no write-ahead for it
    atomic_create: bool = False
    #: how many records the target writes well in one batch when that is more than a page (an SQL database
    #: writes 500 rows in one transaction for little more than 50): the run then writes pages together
    write_batch: int = 0


@dataclass(frozen=True)
class Origin:
    """Marks a record we created: which channel wrote it and the id of its twin on the other side."""

    channel: str
    source_id: str


@dataclass(frozen=True)
class WriteResult:
    """What a create or update left on the target: the record as the target now holds it."""

    record: Record


@dataclass(frozen=True)
class BatchItemResult:
    """One item of a batch write: either the written record or the error it met."""

    index: int
    record: Record | None = None
    error: Exception | None = field(default=None, compare=False)
