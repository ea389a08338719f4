"""The SQL connector: a CRM database (Perfex/CRMConnect by default) read and written with SQLAlchemy Core.

Tables with an "updated" column are read by cursor (keyset paging on updated, id); tables without one
are read whole, by id, and the engine compares checksums. Writes run in one transaction per batch; a
failing batch is redone row by row so one bad row gets its own error and the others are written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, func, inspect, or_, select
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.config.options import own_options
from erpsync_gui.connectors import sql_partitions
from erpsync_gui.connectors.base import CheckResult, chunked, origin_from
from erpsync_gui.connectors.partitions import IdRange, PartitionPlan
from erpsync_gui.connectors.sql_clock import overlap_start, server_time, source_now
from erpsync_gui.connectors.sql_defaults import column_default
from erpsync_gui.connectors.sql_engine import (
    build_engine,
    parse_url,
    safe_url,
    sqlite_file,
    translate,
    translate_errors,
)
from erpsync_gui.connectors.sql_options import SqlOptions
from erpsync_gui.connectors.sql_reading import IN_CHUNK, cursor_text, cursor_value, key_norm, read_records
from erpsync_gui.connectors.sql_schema import EntityTable, SchemaCatalog, field_type, to_db
from erpsync_gui.connectors.sql_writing import PreparedRow, delete_row, insert, prepare, update_row
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    ERPSyncError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)
T = TypeVar("T")


class SqlConnector:
    """A CRM whose database we reach directly (SQLite, PostgreSQL, MySQL/MariaDB)."""

    kind = "sql"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str]) -> None:
        options = own_options(endpoint, SqlOptions, "CRM database")
        self._url = parse_url(endpoint.url, secrets.get("db_password") or None)
        self._timeout = endpoint.timeout
        self.channel = options.channel_value
        self._preset = options.preset
        self._overrides = {name: o.model_dump(exclude_unset=True) for name, o in options.tables.items()}
        self._schema = options.db_schema
        self._clock_offset = float(endpoint.clock_offset_s or 0.0)
        #: how far before the stored cursor a read starts again: an edit stamped in the same second as (or a
        #: little before) the newest stamp read is still read; the checksums skip what did not change
        self._overlap = timedelta(seconds=options.cursor_overlap_s)
        self._engine: Engine | None = None
        self._catalog: SchemaCatalog | None = None
        self._lock = threading.Lock()
        SchemaCatalog.validate(self._preset, self._overrides)

    def __repr__(self) -> str:
        return f"SqlConnector({safe_url(self._url)})"

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = build_engine(self._url, self._timeout)
                log.debug("SQL connector engine for %s", safe_url(self._url))
            return self._engine

    @property
    def catalog(self) -> SchemaCatalog:
        engine = self.engine
        with self._lock:
            if self._catalog is None:
                self._catalog = SchemaCatalog(engine, self._preset, self._overrides, self._schema)
            return self._catalog

    def _resolve(self, entity: str) -> EntityTable:
        return self.catalog.resolve(entity)

    # --- description ----------------------------------------------------------------------------

    def entities(self) -> Sequence[str]:
        return self.catalog.entities()

    def capabilities(self, entity: str) -> Capabilities:
        et = self._resolve(entity)
        return Capabilities(cursor=et.updated is not None, batch=True, delete=True, archive=et.archive is not None,
                            origin_marker=et.marker is not None)

    def describe(self, entity: str) -> EntityInfo:
        et = self._resolve(entity)
        filled = {et.pk.name} | {c.name for c in (et.updated, et.created) if c is not None}
        fields = [
            FieldInfo(c.name, field_type(c),
                      required=not c.nullable and c.server_default is None and c.name not in filled,
                      nullable=bool(c.nullable), default=column_default(c))
            for c in et.table.columns
        ]
        fields += [FieldInfo(child.name, "list", nullable=False) for child in et.children]
        return EntityInfo(entity, tuple(fields), has_cursor=et.updated is not None, key_fields=et.key_fields,
                          fields_complete=True)

    def check(self) -> CheckResult:
        start = time.perf_counter()
        path = sqlite_file(self._url)
        if path is not None and not path.is_file():
            return CheckResult(False, False, False, None, f"The SQLite file {path} does not exist")
        try:
            with translate_errors(f"Cannot connect to {safe_url(self._url)}"), self.engine.connect() as conn:
                conn.execute(select(1)).scalar_one()
                latency = (time.perf_counter() - start) * 1000
                version = ".".join(str(p) for p in conn.dialect.server_version_info or ())
                server = f"{conn.dialect.name} {version}".strip()
                clock = server_time(conn)
                names = inspect(conn).get_table_names(schema=self._schema)
            found, expected = self.catalog.preset_tables(names)
        except AuthError as exc:
            return CheckResult(False, True, False, None, str(exc))
        except ERPSyncError as exc:
            return CheckResult(False, False, False, None, str(exc))
        except Exception as exc:  # a check reports, it never raises
            return CheckResult(False, False, False, None, f"Cannot use {safe_url(self._url)}: {exc}")
        if expected and not found:
            return CheckResult(False, True, True, latency, f"Connected, but none of the {self._preset} "
                               "tables are in this database", server)
        tables = f"{found} of {expected} {self._preset} tables found" if expected else f"{len(names)} tables"
        return CheckResult(True, True, True, latency, f"Connected; {tables}", server, server_time=clock)

    # --- reading --------------------------------------------------------------------------------

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Pages of rows changed at or after `cursor` (less the overlap); every row without a cursor. The
        last page of a read of every row says `complete`."""
        et = self._resolve(entity)
        size = max(1, int(page_size))
        if et.updated is None:
            yield from self._pages(et, size, self._count(et, None), with_cursor=False, last=True)
            return
        since = cursor_value(et.updated, cursor) if cursor else None
        if since is not None:
            since = overlap_start(et.updated, since, self._overlap)
        total = self._count(et, et.updated >= since if since is not None else None)
        if since is None:  # rows never stamped come first, by id; they carry no cursor
            yield from self._pages(et, size, total, with_cursor=False, where=et.updated.is_(None))
            where = et.updated.is_not(None)
        else:
            where = et.updated >= since
        yield from self._pages(et, size, total, with_cursor=True, where=where, last=since is None)

    def _count(self, et: EntityTable, where: Any) -> int:
        query = select(func.count()).select_from(et.table)
        if where is not None:
            query = query.where(where)
        with translate_errors(f"counting {et.entity}"), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _pages(self, et: EntityTable, size: int, total: int, *, with_cursor: bool,
               where: Any = None, last: bool = False) -> Iterator[Page]:
        """Keyset pages (no OFFSET): by (updated, id) with a cursor, else by id; a connection per page.
        `last`: these pages end a read of every row, so the final one says `complete`."""
        previous: Row | None = None
        updated = et.updated if with_cursor else None
        order = [updated, et.pk] if updated is not None else [et.pk]
        while True:
            query = select(et.table).order_by(*order).limit(size)
            if where is not None:
                query = query.where(where)
            if previous is not None and updated is not None:
                lu, lp = previous._mapping[updated], previous._mapping[et.pk]
                query = query.where(or_(updated > lu, (updated == lu) & (et.pk > lp)))
            elif previous is not None:
                query = query.where(et.pk > previous._mapping[et.pk])
            with translate_errors(f"reading {et.entity}"), self.engine.connect() as conn:
                rows = conn.execute(query).all()
                records = read_records(conn, et, rows)
            end = len(rows) < size
            if not rows:
                if last:
                    yield Page((), None, total, complete=True)
                return
            previous = rows[-1]
            page_cursor = cursor_text(previous._mapping[updated]) if updated is not None else None
            yield Page(tuple(records), page_cursor, total, complete=last and end)
            if end:
                return

    def plan_partitions(self, entity: str, count: int) -> PartitionPlan:
        """Ranges of the table's integer key for a read in parts (see connectors.partitions)."""
        return sql_partitions.plan(self.engine, self._resolve(entity), count)

    def read_partition(self, entity: str, part: IdRange, page_size: int) -> Iterator[Page]:
        return sql_partitions.read(self.engine, self._resolve(entity), part, page_size)

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        et = self._resolve(entity)
        keys = [k for k in (et.pk_value(str(i)) for i in ids) if k is not None]
        found: dict[str, Record] = {}
        with translate_errors(f"reading {entity}"), self.engine.connect() as conn:
            for chunk in chunked(dict.fromkeys(keys), IN_CHUNK):
                rows = conn.execute(select(et.table).where(et.pk.in_(chunk)).order_by(et.pk)).all()
                found.update((r.id, r) for r in read_records(conn, et, rows))
        return found

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        et = self._resolve(entity)
        column = et.column(field)
        wanted: dict[Any, list[str]] = {}
        for value in values:
            if value is None or value == "":
                continue
            try:
                stored = to_db(column, value)
            except PermanentError:
                continue  # a value the column cannot hold matches nothing
            wanted.setdefault(stored, []).append(str(value))
        by_norm: dict[str, set[str]] = {}
        for stored, labels in wanted.items():
            by_norm.setdefault(key_norm(stored), set()).update(labels)
        result: dict[str, list[Record]] = {}
        with translate_errors(f"searching {entity}"), self.engine.connect() as conn:
            for chunk in chunked(wanted, IN_CHUNK):
                rows = conn.execute(select(et.table).where(column.in_(chunk)).order_by(et.pk)).all()
                for record in read_records(conn, et, rows):
                    for label in sorted(by_norm.get(key_norm(record.get(column.name)), ())):
                        result.setdefault(label, []).append(record)
        return result

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        et = self._resolve(entity)
        if et.marker is None:
            return {}
        id_col, channel_col = et.marker
        wanted: dict[Any, str] = {}
        for source_id in source_ids:
            try:
                wanted[to_db(id_col, source_id)] = str(source_id)
            except PermanentError:
                continue  # an id the column cannot hold was never stamped
        labels = {key_norm(stored): label for stored, label in wanted.items()}
        found: dict[str, Record] = {}
        with translate_errors(f"searching {entity}"), self.engine.connect() as conn:
            for chunk in chunked(wanted, IN_CHUNK):
                query = select(et.table).where(channel_col == channel, id_col.in_(chunk)).order_by(et.pk)
                for record in read_records(conn, et, conn.execute(query).all()):
                    label = labels.get(key_norm(record.get(id_col.name)))
                    if label is not None:
                        found.setdefault(label, record)  # the oldest twin wins if there are two
        return found

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        et = self._resolve(entity)
        if et.marker is None:
            return None
        id_col, channel_col = et.marker
        return origin_from(record.data.get(channel_col.name), record.data.get(id_col.name))

    # --- writing --------------------------------------------------------------------------------

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        result = self.create_many(entity, [payload], origins=[origin], txn_id=txn_id)[0]
        if result.error is not None:
            raise result.error
        assert result.record is not None
        return result.record

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        et = self._resolve(entity)
        results: dict[int, BatchItemResult] = {}
        valid: list[tuple[int, PreparedRow]] = []
        for i, payload in enumerate(payloads):
            origin = origins[i] if origins else None
            try:
                valid.append((i, prepare(et, payload, creating=True, origin=origin, channel=self.channel)))
            except PermanentError as exc:
                results[i] = BatchItemResult(index=i, error=exc)
        if valid:
            try:
                records = self._insert(et, [row for _, row in valid])
                results.update((i, BatchItemResult(index=i, record=r))
                               for (i, _), r in zip(valid, records, strict=True))
            except (AuthError, ConfigError):
                raise
            except ERPSyncError as exc:
                # a database that is away fails every row alike; only a refused row is worth isolating
                if len(valid) == 1 or isinstance(exc, RetryableError):
                    results.update((i, BatchItemResult(index=i, error=exc)) for i, _ in valid)
                else:
                    results.update((i, self._insert_one(et, i, row)) for i, row in valid)
        return [results[i] for i in range(len(payloads))]

    def _insert_one(self, et: EntityTable, index: int, row: PreparedRow) -> BatchItemResult:
        try:
            return BatchItemResult(index=index, record=self._insert(et, [row])[0])
        except (AuthError, ConfigError):
            raise
        except ERPSyncError as exc:
            return BatchItemResult(index=index, error=exc)

    def _insert(self, et: EntityTable, rows: Sequence[PreparedRow]) -> list[Record]:
        return self._transaction(f"creating {et.entity}", lambda conn: insert(conn, et, rows, self._now(conn)))

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        et = self._resolve(entity)
        key = et.pk_value(str(record_id))
        missing = NotFoundError(f"{entity} record {record_id} does not exist")
        if key is None:
            raise missing
        row = prepare(et, payload, creating=False)
        return self._transaction(f"updating {entity}",
                                 lambda conn: update_row(conn, et, key, row, missing, self._now(conn)))

    def _now(self, conn: Connection) -> datetime:
        """The CRM's own clock: the database server's where there is one, else this machine's corrected by
        the endpoint's clock offset (a SQLite file has no clock; the application writing it does)."""
        return source_now(conn, self._clock_offset)

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        et = self._resolve(entity)
        key = et.pk_value(str(record_id))
        if key is None:
            return  # an id the key column cannot hold names no row
        self._transaction(f"deleting {entity}", lambda conn: delete_row(conn, et, key))

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        et = self._resolve(entity)
        if et.archive is None:
            raise PermanentError(f"{entity} records cannot be archived in this database",
                                 hint=f"the table {et.table.name} has no active column")
        return self.update(entity, record_id, {et.archive.name: 0})

    def _transaction(self, action: str, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` in one transaction. A lost commit on a server database is an unknown outcome."""
        with translate_errors(action), self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                result = work(conn)
            except BaseException:
                transaction.rollback()
                raise
            try:
                transaction.commit()
            except SQLAlchemyError as exc:
                error = translate(exc, action)
                if conn.dialect.name == "sqlite" or not isinstance(error, RetryableError):
                    raise error from exc
                raise OutcomeUnknownError(f"{action}: the outcome of the commit is unknown",
                                          details=error.message) from exc
            return result

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
                self._catalog = None

