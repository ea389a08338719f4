"""An in-memory Connector for the engine's unit tests (integration tests use the real sandbox and SQL)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from erpsync_gui.config.kinds import ConnectorKind
from erpsync_gui.connectors.base import CheckResult, create_each, origin_from
from erpsync_gui.errors import NotFoundError, OutcomeUnknownError, PermanentError, StaleVersionError
from erpsync_gui.records import Capabilities, EntityInfo, Origin, Page, Record, Side


class MemoryConnector:
    kind = "memory"

    def __init__(self, *, cursor: bool = True, origin_marker: bool = True,
                 start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.has_cursor = cursor
        self.origin_marker = origin_marker
        self._ids = itertools.count(1)
        self._now = start
        #: ids whose create/update is refused with a PermanentError
        self.reject: set[str] = set()
        #: payload values ("field", value) whose create is refused
        self.reject_values: set[tuple[str, Any]] = set()
        #: the next N creates are applied but answer as if the connection dropped
        self.drop_after_create = 0
        self.writes: list[tuple[str, str, str]] = []

    # -- test helpers ----------------------------------------------------------------------------
    def tick(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now

    def put(self, entity: str, data: Mapping[str, Any], record_id: str | None = None) -> str:
        """Insert or edit a record as a person using the system would (fresh timestamp and version)."""
        table = self.tables.setdefault(entity, {})
        rid = record_id or str(next(self._ids))
        row = dict(table.get(rid, {}))
        row.update(data)
        row["id"] = rid
        row["updated_at"] = self.tick()
        row["version"] = int(row.get("version") or 0) + 1
        table[rid] = row
        return rid

    def rows(self, entity: str) -> list[dict[str, Any]]:
        return list(self.tables.get(entity, {}).values())

    def _record(self, row: Mapping[str, Any]) -> Record:
        data = {k: v for k, v in row.items() if k not in ("updated_at", "version")}
        return Record(str(row["id"]), data, row["updated_at"], str(row["version"]), row.get("sync_txn"))

    # -- the protocol ----------------------------------------------------------------------------
    def capabilities(self, entity: str) -> Capabilities:
        return Capabilities(cursor=self.has_cursor, origin_marker=self.origin_marker, delete=True, archive=True)

    def describe(self, entity: str) -> EntityInfo:
        return EntityInfo(entity, has_cursor=self.has_cursor)

    def entities(self) -> Sequence[str]:
        return list(self.tables)

    def check(self) -> CheckResult:
        return CheckResult(True, True, True, 0.1, "in memory")

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        rows = sorted(self.tables.get(entity, {}).values(), key=lambda r: (r["updated_at"], int(r["id"])))
        if cursor and self.has_cursor:
            since = datetime.fromisoformat(cursor)
            rows = [r for r in rows if r["updated_at"] >= since]
        for i in range(0, len(rows), page_size):
            page = rows[i : i + page_size]
            next_cursor = page[-1]["updated_at"].isoformat() if self.has_cursor else None
            yield Page(tuple(self._record(r) for r in page), next_cursor, len(rows))

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        table = self.tables.get(entity, {})
        return {i: self._record(table[i]) for i in ids if i in table}

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        wanted = {str(v) for v in values}
        found: dict[str, list[Record]] = {}
        for row in self.tables.get(entity, {}).values():
            if row.get(field) is not None and str(row.get(field)) in wanted:
                found.setdefault(str(row[field]), []).append(self._record(row))
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        if not self.origin_marker:
            return {}
        wanted = set(source_ids)
        return {row["external_id"]: self._record(row) for row in self.tables.get(entity, {}).values()
                if row.get("external_channel") == channel and row.get("external_id") in wanted}

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        if not self.origin_marker:
            return None
        return origin_from(record.data.get("external_channel"), record.data.get("external_id"))

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        for field, value in payload.items():
            if (field, value) in self.reject_values:
                raise PermanentError(f"Validation failed: {field} '{value}' is not accepted", status=422)
        data = dict(payload)
        if origin is not None and self.origin_marker:
            data.update(external_id=origin.source_id, external_channel=origin.channel)
        data["sync_txn"] = txn_id
        rid = self.put(entity, data)
        self.writes.append(("create", entity, rid))
        if self.drop_after_create:
            self.drop_after_create -= 1
            raise OutcomeUnknownError("the connection dropped after the create was sent")
        return self._record(self.tables[entity][rid])

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None, txn_id: str | None = None):
        return create_each(self, entity, payloads, origins, txn_id)

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *, version: str | None = None,
               txn_id: str | None = None) -> Record:
        table = self.tables.get(entity, {})
        if record_id not in table:
            raise NotFoundError(f"{entity} {record_id} not found", status=404)
        if record_id in self.reject:
            raise PermanentError(f"{entity} {record_id} refused the update", status=422)
        if version is not None and str(table[record_id]["version"]) != str(version):
            raise StaleVersionError("Version mismatch", status=412)
        self.put(entity, {**payload, "sync_txn": txn_id}, record_id)
        self.writes.append(("update", entity, record_id))
        return self._record(table[record_id])

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        table = self.tables.get(entity, {})
        if record_id in table and version is not None and str(table[record_id]["version"]) != str(version):
            raise StaleVersionError("Version mismatch", status=412)
        if table.pop(record_id, None) is not None:
            self.writes.append(("delete", entity, record_id))

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        return self.update(entity, record_id, {"active": False}, version=version)

    def close(self) -> None:
        pass


class MemoryOptions(BaseModel):
    """The in-memory system takes no options."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: the catalogue entry tests register so that profiles naming the in-memory system can be saved
KIND = ConnectorKind(
    name="memory", label="In-memory system (tests)", description="a test double of a system, held in memory",
    icon="kind-database", sides=frozenset({Side.CRM, Side.ERP}), options=MemoryOptions,
    factory="tests.fakes.memory:MemoryConnector", http=False, url="database",
)
