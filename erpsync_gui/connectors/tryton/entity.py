"""What every entity mapped on a Tryton model shares: reading rows into Records, the feed's streams,
reads by id and by natural key, and turning payloads into `create` / `write` values.

Each entity module subclasses `Entity` and says which fields it reads, how a row becomes the record's
data, and how a payload becomes Tryton values. Payload keys the entity does not know are passed to Tryton
as they are (a mapping may name Tryton's own fields); keys that only describe the record are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, timedelta
from typing import Any, ClassVar, Protocol

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.tryton import feed
from erpsync_gui.connectors.tryton.models import Models, Row, format_version, record_id, stamp, versions
from erpsync_gui.connectors.tryton.options import TrytonOptions
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import EntityInfo, FieldInfo, Page, Record

LOOKUP_CHUNK = 200
#: data keys a read adds that are not Tryton fields to write
READ_ONLY = frozenset({"id", "write_date", "create_date", "last_modified_at", "rec_name"})


def as_bool(value: Any) -> bool | None:
    """Tryton on SQLite sends booleans as 0/1."""
    return None if value is None else bool(value)


def nested(row: Row, name: str, key: str = "code") -> Any:
    """`key` of a many2one read with a dotted name (`currency.code` arrives as {"currency.": {...}})."""
    value = row.get(f"{name}.")
    return value.get(key) if isinstance(value, dict) else None


def changed(row: Row, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from the record as read: Tryton refuses a write to some fields once set (a
    party's code) even when the value is the same, and an unchanged field need not be sent."""
    return {k: v for k, v in values.items() if isinstance(v, list) or k not in row or row[k] != v}


class Readable(Protocol):
    """What the connector reads of any entity (Entity below, and stock, which is computed)."""

    @property
    def name(self) -> str: ...

    @property
    def has_active(self) -> bool: ...

    @property
    def writable(self) -> bool: ...

    def pages(self, cursor: str | None, page_size: int) -> Iterator[Page]: ...

    def get_many(self, ids: Sequence[str]) -> dict[str, Record]: ...

    def find_by_keys(self, field: str, values: Sequence[Any]) -> dict[str, list[Record]]: ...

    def describe(self) -> EntityInfo: ...


class Entity:
    """One product entity on one Tryton model."""

    name: ClassVar[str]
    model: ClassVar[str]
    #: Tryton fields read for a record (dotted names read related records in the same call)
    fields: ClassVar[tuple[str, ...]] = ()
    #: the record's natural keys: data key -> Tryton domain path
    keys: ClassVar[Mapping[str, str]] = {}
    #: the model has `active`: archive deactivates, and inactive records are reported deleted
    has_active: ClassVar[bool] = True
    writable: ClassVar[bool] = False
    #: sub-record models whose own edits must bring the record back: model -> field naming the record
    companions: ClassVar[Mapping[str, str]] = {}
    #: the domain every read of the entity carries
    domain: ClassVar[tuple[Any, ...]] = ()
    #: data keys of a read that are not written back
    read_only: ClassVar[frozenset[str]] = frozenset()
    #: described fields: data key -> (type, required on create)
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {}

    def __init__(self, models: Models, options: TrytonOptions) -> None:
        self.models = models
        self.options = options
        self._stamped: dict[str, bool] = {}

    # -- reading ------------------------------------------------------------------------------------

    def read_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(("id", "write_date", "create_date", "_timestamp",
                                    *(("active",) if self.has_active else ()), *self.fields)))

    def data(self, row: Row) -> dict[str, Any]:
        """The record's data from one row (entities override; the default keeps plain fields)."""
        return {k: v for k, v in row.items() if not k.endswith(".") and k != "_timestamp"}

    def to_record(self, row: Row) -> Record:
        data = self.data(row)
        data["id"] = row["id"]
        if self.has_active:
            data["active"] = as_bool(row.get("active"))
        moment = stamp(row)
        return Record(id=str(row["id"]), data=data,
                      updated_at=moment.astimezone(UTC) if moment is not None else None,
                      version=format_version(self.version_entries(row)))

    def version_entries(self, row: Row) -> dict[str, str]:
        return versions(self.model, [row])

    def rows(self, ids: Iterable[int]) -> dict[int, Row]:
        return self.models.by_ids(self.model, ids, self.read_fields(), context=self.read_context())

    def read_context(self) -> dict[str, Any] | None:
        return None

    def records(self, ids: Iterable[int]) -> dict[str, Record]:
        return {str(i): self.to_record(row) for i, row in self.rows(ids).items()}

    def get_many(self, ids: Sequence[str]) -> dict[str, Record]:
        wanted = [int(i) for i in dict.fromkeys(str(i).strip() for i in ids) if i.isdigit() and len(i) <= 18]
        return self.records(wanted)

    def find_by_keys(self, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        path = self.keys.get(field)
        if path is None:
            raise PermanentError(f"{self.name} cannot be looked up by {field!r} in Tryton",
                                 hint=f"use one of {', '.join(self.keys) or 'no key'}")
        forms = {str(v).strip(): str(v) for v in values if v is not None and str(v).strip()}
        found: dict[str, list[Record]] = {}
        for chunk in chunked(forms, LOOKUP_CHUNK):
            rows = self.models.search_read(self.model, [*self.read_domain(), (path, "in", chunk)],
                                           self.read_fields(), context=self.read_context())
            for row in rows:
                record = self.to_record(row)
                key = forms.get(str(record.data.get(field) or "").strip())
                if key is not None:
                    found.setdefault(key, []).append(record)
        return found

    def read_domain(self) -> tuple[Any, ...]:
        """The domain of the entity's reads of changes and keys (`domain`; entities add what depends on data)."""
        return self.domain

    # -- the changes feed ---------------------------------------------------------------------------

    def has_stamp(self, model: str) -> bool:
        """Whether `model` offers `last_modified_at` (asked once per model)."""
        if model not in self._stamped:
            fields = self.models.client.model(model, "fields_get", ["last_modified_at"],
                                              what=f"the fields of {model}")
            self._stamped[model] = isinstance(fields, dict) and "last_modified_at" in fields
        return self._stamped[model]

    def streams(self) -> list[feed.Stream]:
        streams = feed.streams_for(self.model, self.read_fields(), self.read_domain(),
                                   has_stamp=self.has_stamp(self.model))
        for model, link in self.companions.items():
            streams += feed.streams_for(model, (link,), (), has_stamp=self.has_stamp(model), companion=True)
        return streams

    def pages(self, cursor: str | None, page_size: int) -> Iterator[Page]:
        overlap = timedelta(seconds=self.options.cursor_overlap_s)
        return feed.Feed(self.models, self.streams(), self.collect, page_size, overlap).pages(cursor)

    def collect(self, hits: Mapping[str, list[Row]]) -> tuple[list[Record], list[str]]:
        """Records of one round of the feed: the main rows as read, plus the records companion rows name
        (read again); inactive ones go to the deleted ids instead."""
        own: dict[int, Row] = {}
        named: list[int | None] = []
        for name, rows in hits.items():
            if name.split("#", 1)[0] == self.model:
                own.update((r["id"], r) for r in rows)
            else:
                link = self.companions[name.split("#", 1)[0]]
                named += [self.link_id(r.get(link)) for r in rows]
        missing = [i for i in dict.fromkeys(named) if i is not None and i not in own]
        if missing:
            own.update(self.rows(missing))
        return self.split(own.values())

    @staticmethod
    def link_id(value: Any) -> int | None:
        return value if isinstance(value, int) else None

    def split(self, rows: Iterable[Row]) -> tuple[list[Record], list[str]]:
        records: list[Record] = []
        deleted: list[str] = []
        for row in rows:
            if self.has_active and not row.get("active"):
                deleted.append(str(row["id"]))
            else:
                records.append(self.to_record(row))
        return records, deleted

    # -- writing ------------------------------------------------------------------------------------

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Tryton values for a create (entities override)."""
        return self.passed(payload)

    def write_values(self, row: Row, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Tryton values for a write of the record read as `row` (entities override)."""
        return self.passed(payload)

    def passed(self, payload: Mapping[str, Any], known: Iterable[str] = ()) -> dict[str, Any]:
        """The payload's keys that go to Tryton as they are."""
        skip = READ_ONLY | self.read_only | set(known)
        return {k: v for k, v in payload.items() if k not in skip and not k.endswith(".")}

    def create_ids(self, values: Sequence[Mapping[str, Any]]) -> list[int]:
        """One `create` call for all the values; the new records' ids, in order."""
        return self.models.create(self.model, values, f"the create of {self.name}")

    def update(self, row: Row, payload: Mapping[str, Any], timestamps: Mapping[str, str] | None) -> None:
        """Write `payload` onto the record read as `row`, under the `_timestamp` lock when given."""
        values = changed(row, self.write_values(row, payload))
        if values:
            self.models.write(self.model, [row["id"]], values, f"the update of {self.name} {row['id']}",
                              timestamps)

    def remove(self, rid: int, timestamps: Mapping[str, str] | None) -> None:
        self.models.client.model(self.model, "delete", [rid], what=f"the delete of {self.name} {rid}",
                                 context={"_timestamp": dict(timestamps)} if timestamps else None)

    def deactivate(self, rid: int, timestamps: Mapping[str, str] | None) -> None:
        if not self.has_active:
            raise PermanentError(f"{self.name} cannot be archived in Tryton (the model has no active flag)",
                                 hint="delete the record instead, or leave it")
        self.models.write(self.model, [rid], {"active": False}, f"the archive of {self.name} {rid}", timestamps)

    def after_create(self, rid: int, payload: Mapping[str, Any]) -> None:
        """Workflow steps after a create (quote a sale, post an invoice ...)."""

    def describe(self) -> EntityInfo:
        fields = tuple(FieldInfo(name, kind, required=required) for name, (kind, required) in self.described.items())
        return EntityInfo(self.name, fields, has_cursor=True, key_fields=tuple(self.keys))

    def tryton_id(self, value: Any) -> int:
        return record_id(value)
