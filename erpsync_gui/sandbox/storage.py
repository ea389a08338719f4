"""The sandbox ERP's persistence: JSON documents in one SQLite table, thread-safe, file or in-memory.

Each record is stored whole as JSON next to indexed copies of what lists need (id, updated_at, the
natural key, the origin marker). Lists are ordered by (updated_at, id); the ordered keys of each
entity are kept in memory so page, offset and keyset paging stay fast at 100,000 rows.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

#: natural keys the sandbox keeps unique, per entity
NATURAL_KEYS = {"clients": "customer_number", "products": "sku", "invoices": "number", "orders": "number"}
#: fields the store owns; a client cannot set them
RESERVED = ("id", "created_at", "updated_at", "version")
ORIGIN_DEFAULTS = {"external_id": None, "external_channel": None, "sync_txn": None}
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL,
    id INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    nkey TEXT,
    ext_id TEXT,
    ext_channel TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (entity, id)
);
CREATE INDEX IF NOT EXISTS records_changed ON records (entity, updated_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS records_nkey ON records (entity, nkey) WHERE nkey IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_origin ON records (entity, ext_channel, ext_id);
CREATE TABLE IF NOT EXISTS sequences (entity TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
"""
_CACHE_SIZE = 16
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

Key = tuple[str, int]


class DuplicateKeyError(Exception):
    """A write would give two records the same natural key."""

    def __init__(self, field: str, existing_id: int) -> None:
        super().__init__(f"Duplicate {field}")
        self.field = field
        self.existing_id = existing_id


class VersionMismatchError(Exception):
    """An update named a version that is no longer the record's current one."""

    def __init__(self, current_version: int) -> None:
        super().__init__("Version mismatch")
        self.current_version = current_version


@dataclass(frozen=True)
class ListResult:
    records: list[dict[str, Any]]
    #: matching records from `updated_since` on, regardless of paging
    total: int
    #: the (updated_at, id) key of the last record returned, for keyset paging
    last_key: Key | None
    #: whether records follow the returned ones
    more: bool


def format_ts(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds and "Z": sorts as text in time order."""
    return moment.astimezone(UTC).strftime(TS_FORMAT)


def parse_ts(text: str) -> datetime:
    """Read an ISO-8601 timestamp; a naive one is taken as UTC. Raises ValueError when unreadable."""
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_param(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Storage:
    """Thread-safe record store; `path=None` keeps everything in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()
        row = self._db.execute("SELECT MAX(updated_at) FROM records").fetchone()
        self._last = parse_ts(row[0]) if row[0] else datetime.now(UTC) - timedelta(seconds=1)
        self._keys: dict[str, list[Key]] = {}
        self._last_ids: dict[str, int] = {}
        self._filtered: OrderedDict[tuple, list[Key]] = OrderedDict()

    # -- clock and keys ------------------------------------------------------------------------
    def _tick(self) -> str:
        """A fresh timestamp, strictly later than every one handed out before (also across restarts)."""
        now = datetime.now(UTC)
        if now <= self._last:
            now = self._last + timedelta(microseconds=1)
        self._last = now
        return format_ts(now)

    def _all_keys(self, entity: str) -> list[Key]:
        keys = self._keys.get(entity)
        if keys is None:
            rows = self._db.execute(
                "SELECT updated_at, id FROM records WHERE entity = ? ORDER BY updated_at, id", (entity,)
            ).fetchall()
            keys = self._keys[entity] = [(u, i) for u, i in rows]
        return keys

    def _forget_filtered(self, entity: str) -> None:
        for cache_key in [k for k in self._filtered if k[0] == entity]:
            del self._filtered[cache_key]

    def _note_write(self, entity: str, old: Key | None, new: Key) -> None:
        keys = self._keys.get(entity)
        if keys is not None:
            if old is not None:
                at = bisect.bisect_left(keys, old)
                if at < len(keys) and keys[at] == old:
                    del keys[at]
            keys.append(new)  # a fresh timestamp is later than every stored one
        self._forget_filtered(entity)

    # -- writes --------------------------------------------------------------------------------
    def insert_many(self, entity: str, docs: Iterable[Mapping[str, Any]]) -> int:
        """Bulk insert (seeding) in one transaction; ids are kept when given, else assigned."""
        with self._lock:
            next_id = self._next_id(entity)
            rows = []
            nkey_field = NATURAL_KEYS.get(entity)
            for source in docs:
                doc = {**source, **{k: v for k, v in ORIGIN_DEFAULTS.items() if k not in source}}
                if doc.get("id") is None:
                    doc["id"] = next_id
                next_id = max(next_id, int(doc["id"]) + 1)
                stamp = self._tick()
                doc.update(created_at=stamp, updated_at=stamp, version=1)
                rows.append(self._row(entity, doc, nkey_field))
            with self._db:
                self._taken(entity, next_id - 1)
                self._db.executemany(
                    "INSERT INTO records (entity, id, updated_at, nkey, ext_id, ext_channel, doc)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            self._keys.pop(entity, None)
            self._forget_filtered(entity)
            return len(rows)

    def create(self, entity: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new record; raises DuplicateKeyError when its natural key is taken."""
        with self._lock:
            nkey_field = NATURAL_KEYS.get(entity)
            self._check_unique(entity, nkey_field, fields.get(nkey_field) if nkey_field else None, None)
            doc = {"id": self._next_id(entity),
                   **{k: v for k, v in fields.items() if k not in RESERVED}}
            for name, default in ORIGIN_DEFAULTS.items():
                doc.setdefault(name, default)
            stamp = self._tick()
            doc.update(created_at=stamp, updated_at=stamp, version=1)
            with self._db:
                self._taken(entity, doc["id"])
                self._db.execute(
                    "INSERT INTO records (entity, id, updated_at, nkey, ext_id, ext_channel, doc)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    self._row(entity, doc, nkey_field),
                )
            self._note_write(entity, None, (stamp, doc["id"]))
            return doc

    def update(
        self, entity: str, record_id: int, fields: Mapping[str, Any], expected_version: int | None = None
    ) -> dict[str, Any] | None:
        """Merge `fields` into a record (None when it does not exist); bumps version and updated_at."""
        with self._lock:
            doc = self.get(entity, record_id)
            if doc is None:
                return None
            if expected_version is not None and expected_version != doc["version"]:
                raise VersionMismatchError(doc["version"])
            nkey_field = NATURAL_KEYS.get(entity)
            if nkey_field and nkey_field in fields:
                self._check_unique(entity, nkey_field, fields[nkey_field], record_id)
            old_key = (doc["updated_at"], record_id)
            doc.update({k: v for k, v in fields.items() if k not in RESERVED})
            doc["updated_at"] = self._tick()
            doc["version"] = int(doc["version"]) + 1
            _, _, updated_at, nkey, ext_id, ext_channel, text = self._row(entity, doc, nkey_field)
            with self._db:
                self._db.execute(
                    "UPDATE records SET updated_at = ?, nkey = ?, ext_id = ?, ext_channel = ?, doc = ?"
                    " WHERE entity = ? AND id = ?",
                    (updated_at, nkey, ext_id, ext_channel, text, entity, record_id),
                )
            self._note_write(entity, old_key, (doc["updated_at"], record_id))
            return doc

    def delete(self, entity: str, record_id: int, expected_version: int | None = None) -> bool:
        """Remove a record; False when it does not exist. Raises VersionMismatchError on a stale version."""
        with self._lock:
            doc = self.get(entity, record_id)
            if doc is None:
                return False
            if expected_version is not None and expected_version != doc["version"]:
                raise VersionMismatchError(doc["version"])
            with self._db:
                self._db.execute("DELETE FROM records WHERE entity = ? AND id = ?", (entity, record_id))
            keys = self._keys.get(entity)
            if keys is not None:
                at = bisect.bisect_left(keys, (doc["updated_at"], record_id))
                if at < len(keys) and keys[at] == (doc["updated_at"], record_id):
                    del keys[at]
            self._forget_filtered(entity)
            return True

    # -- reads ---------------------------------------------------------------------------------
    def get(self, entity: str, record_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM records WHERE entity = ? AND id = ?", (entity, record_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, entity: str) -> int:
        with self._lock:
            return len(self._all_keys(entity))

    def is_empty(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is None

    def all(self, entity: str) -> list[dict[str, Any]]:
        """Every record of an entity in (updated_at, id) order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM records WHERE entity = ? ORDER BY updated_at, id", (entity,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def list(
        self,
        entity: str,
        *,
        filters: Mapping[str, Sequence[str]] | None = None,
        updated_since: str | None = None,
        after: Key | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> ListResult:
        """One page in (updated_at, id) order: from `updated_since` (inclusive, normalized by
        format_ts), after the keyset `after`, or skipping `offset` records."""
        with self._lock:
            keys = self._matching_keys(entity, filters or {})
            start = bisect.bisect_left(keys, (updated_since,)) if updated_since else 0
            pos = start + max(offset, 0)
            if after is not None:
                pos = max(pos, bisect.bisect_right(keys, after))
            chosen = keys[pos : pos + limit]
            docs = self._docs(entity, [i for _, i in chosen])
            more = pos + limit < len(keys)
        return ListResult(docs, len(keys) - start, chosen[-1] if chosen else None, more)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- helpers -------------------------------------------------------------------------------
    def _next_id(self, entity: str) -> int:
        """Ids are never handed out twice, also after the newest record was deleted (as an ERP's own
        sequences behave): a deleted record's id never names another record."""
        last = self._last_ids.get(entity)
        if last is None:
            row = self._db.execute("SELECT last_id FROM sequences WHERE entity = ?", (entity,)).fetchone()
            top = self._db.execute("SELECT MAX(id) FROM records WHERE entity = ?", (entity,)).fetchone()
            last = self._last_ids[entity] = max(int(row[0]) if row else 0, int(top[0] or 0))
        return last + 1

    def _taken(self, entity: str, last_id: int) -> None:
        self._last_ids[entity] = max(self._last_ids.get(entity, 0), int(last_id))
        self._db.execute("INSERT INTO sequences (entity, last_id) VALUES (?, ?) ON CONFLICT(entity) "
                         "DO UPDATE SET last_id = MAX(last_id, excluded.last_id)", (entity, int(last_id)))

    def _check_unique(self, entity: str, field: str | None, value: Any, own_id: int | None) -> None:
        key = _as_param(value)
        if field is None or key is None:
            return
        row = self._db.execute(
            "SELECT id FROM records WHERE entity = ? AND nkey = ?", (entity, key)
        ).fetchone()
        if row and row[0] != own_id:
            raise DuplicateKeyError(field, row[0])

    @staticmethod
    def _row(entity: str, doc: Mapping[str, Any], nkey_field: str | None) -> tuple:
        return (
            entity,
            int(doc["id"]),
            doc["updated_at"],
            _as_param(doc.get(nkey_field)) if nkey_field else None,
            _as_param(doc.get("external_id")),
            _as_param(doc.get("external_channel")),
            _encode(doc),
        )

    def _docs(self, entity: str, ids: list[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT id, doc FROM records WHERE entity = ? AND id IN ({marks})", (entity, *ids)
        ).fetchall()
        by_id = dict(rows)
        return [json.loads(by_id[i]) for i in ids if i in by_id]

    def _matching_keys(self, entity: str, filters: Mapping[str, Sequence[str]]) -> list[Key]:
        if not filters:
            return self._all_keys(entity)
        cache_key = (entity, tuple(sorted((f, tuple(v)) for f, v in filters.items())))
        keys = self._filtered.get(cache_key)
        if keys is not None:
            self._filtered.move_to_end(cache_key)
            return keys
        where, params = ["entity = ?"], [entity]
        for field, values in filters.items():
            clause, args = self._filter_clause(entity, field, values)
            where.append(clause)
            params += args
        rows = self._db.execute(
            f"SELECT updated_at, id FROM records WHERE {' AND '.join(where)} ORDER BY updated_at, id",
            params,
        ).fetchall()
        keys = [(u, i) for u, i in rows]
        self._filtered[cache_key] = keys
        while len(self._filtered) > _CACHE_SIZE:
            self._filtered.popitem(last=False)
        return keys

    @staticmethod
    def _filter_clause(entity: str, field: str, values: Sequence[str]) -> tuple[str, list[Any]]:
        """SQL for "field equals one of values" (values compared as text, booleans as true/false)."""
        marks = ",".join("?" * len(values))
        if field == "id":
            ids = [int(v) for v in values if v.lstrip("-").isdigit()]
            return (f"id IN ({','.join('?' * len(ids))})" if ids else "0"), ids
        column = {"external_id": "ext_id", "external_channel": "ext_channel", "updated_at": "updated_at"}
        if NATURAL_KEYS.get(entity) == field:
            return f"nkey IN ({marks})", list(values)
        if field in column:
            return f"{column[field]} IN ({marks})", list(values)
        path = f'$."{field}"'
        return (
            "(CASE json_type(doc, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
            f" ELSE CAST(json_extract(doc, ?) AS TEXT) END) IN ({marks})",
            [path, path, *values],
        )
