"""The SQL connector: a CRM database (Perfex CRM by default) read and written with SQLAlchemy Core.

Tables with an "updated" column are read by cursor (keyset paging on updated, id); tables without one
are read whole, by id, and the engine compares checksums. Writes run in one transaction per batch; a
failing batch is redone row by row so one bad row gets its own error and the others are written. A
preset's rules (`sql_rules`) take part in every read and write; the options are listed in `sql_options`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, func, inspect, or_, select
from sqlalchemy.engine import Engine, Row

from erpsync_gui.config.options import own_options
from erpsync_gui.connectors import sql_partitions
from erpsync_gui.connectors.base import CheckResult, chunked, origin_from
from erpsync_gui.connectors.partitions import IdRange, PartitionPlan
from erpsync_gui.connectors.perfex.choices import ReferenceChoice, reference_choices
from erpsync_gui.connectors.sql_clock import overlap_start, server_time
from erpsync_gui.connectors.sql_db_markers import SqlMarkers
from erpsync_gui.connectors.sql_db_writes import SqlWrites
from erpsync_gui.connectors.sql_defaults import column_default
from erpsync_gui.connectors.sql_engine import build_engine, parse_url, safe_url, sqlite_file, translate_errors
from erpsync_gui.connectors.sql_options import SqlOptions, zone
from erpsync_gui.connectors.sql_presets import rules_for
from erpsync_gui.connectors.sql_reading import IN_CHUNK, cursor_text, cursor_value, key_norm, read_records
from erpsync_gui.connectors.sql_references import ReferenceCache
from erpsync_gui.connectors.sql_schema import EntityTable, SchemaCatalog, field_type, to_db
from erpsync_gui.connectors.sql_writing import Shaping
from erpsync_gui.errors import AuthError, ConfigError, ERPSyncError, PermanentError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)

#: records a run writes in one transaction here when pages are smaller (one commit, one plan, one store write)
SQL_WRITE_BATCH = 500


class SqlConnector(SqlWrites, SqlMarkers):
    """A CRM whose database we reach directly (SQLite, PostgreSQL, MySQL/MariaDB)."""

    kind = "sql"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str]) -> None:
        options = own_options(endpoint, SqlOptions, "CRM database")
        self.options = options
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
        self.rules = rules_for(self._preset, options.model_dump())
        self._engine: Engine | None = None
        self._catalog: SchemaCatalog | None = None
        self._references: ReferenceCache | None = None
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
                catalog = SchemaCatalog(engine, self._preset, self._overrides, self._schema)
                catalog.tz = self._zone(engine, catalog)
                self._references = ReferenceCache(engine, catalog)
                self._catalog = catalog
            return self._catalog

    def _zone(self, engine: Engine, catalog: SchemaCatalog) -> tzinfo:
        """The endpoint's time zone option, else the one the CRM application keeps, else UTC."""
        name = self.options.timezone
        if name is None:
            with translate_errors("reading the CRM's time zone"), engine.connect() as conn:
                name = self.rules.timezone(conn, catalog)
        if not name:
            return UTC
        try:
            return zone(name)
        except ValueError as exc:
            raise ConfigError(f"The CRM's time zone setting is not usable: {exc}",
                              hint="set the endpoint option timezone to an IANA name") from None

    def perfex_choices(self) -> list[ReferenceChoice]:
        """The reference rows new tickets and leads may take (Perfex presets only; empty for any other)."""
        if self._preset not in ("perfex", "smartcrm"):
            return []
        catalog = self.catalog
        with translate_errors("reading the CRM's reference rows"), self.engine.connect() as conn:
            return reference_choices(conn, catalog, self.options.perfex_defaults)

    @property
    def tz(self) -> tzinfo:
        """The time zone the CRM's naive datetimes are in."""
        return self.catalog.tz

    @property
    def references(self) -> ReferenceCache:
        """The reference tables' codes, read once (built with the catalog)."""
        if self._references is None:
            self.catalog  # noqa: B018  (builds both)
        assert self._references is not None
        return self._references

    def _resolve(self, entity: str) -> EntityTable:
        return self.catalog.resolve(entity)

    def _shaping(self, et: EntityTable) -> Shaping:
        """How payloads of `et` are shaped; worked out once per catalog (it holds the reference cache)."""
        memo = self.catalog.memo
        key = ("sql.shaping", et.entity)
        shape = memo.get(key)
        if shape is None:
            shape = memo[key] = Shaping(
                self.rules.virtual(et), {c.name: self.rules.line_virtual(et, c) for c in et.children},
                self.references, self.options.replace_4byte_chars)
        return shape

    def _read(self, conn: Connection, et: EntityTable, rows: Sequence[Row]) -> list[Record]:
        """Rows as records the way the CRM shows them: reference codes, the rules' computed fields."""
        records = read_records(conn, et, rows)
        if et.references:
            self.references.present_all(et.references, [record.data for record in records])  # type: ignore[misc]
        return self.rules.present(conn, et, records) if records else records

    # --- description ----------------------------------------------------------------------------

    def entities(self) -> Sequence[str]:
        return self.catalog.entities()

    def table_of(self, entity: str) -> str:
        """The name of the table `entity` lives in."""
        return self._resolve(entity).table.name

    def preset_table(self, entity: str) -> str | None:
        """The table the preset proposes for `entity` (whether or not the database has it)."""
        preset = self.catalog.preset(entity)
        return preset.table if preset is not None else None

    def creates_need_marker(self, entity: str) -> bool:
        """Whether records of `entity` are only created where its table carries the origin marker (no
        natural key could find a lost create again)."""
        return self._resolve(entity).keyless

    def capabilities(self, entity: str) -> Capabilities:
        et = self._resolve(entity)
        return Capabilities(cursor=et.updated is not None, batch=True, delete=True, archive=et.archive is not None,
                            origin_marker=et.marker is not None, atomic_create=True,
                            write_batch=SQL_WRITE_BATCH)

    def describe(self, entity: str) -> EntityInfo:
        et = self._resolve(entity)
        filled = {et.pk.name} | {c.name for c in (et.updated, et.created) if c is not None}
        fields = []
        for c in et.table.columns:
            if c.name in et.references:  # shown by its code; an empty one is stored as the "none" id
                fields.append(FieldInfo(c.name, "text", nullable=True))
                continue
            fields.append(FieldInfo(c.name, field_type(c),
                                    required=not c.nullable and c.server_default is None and c.name not in filled,
                                    nullable=bool(c.nullable), default=column_default(c)))
        fields += [FieldInfo(child.name, "list", nullable=False) for child in et.children]
        info = EntityInfo(entity, tuple(fields), has_cursor=et.updated is not None, key_fields=et.key_fields,
                          fields_complete=True)
        with translate_errors(f"describing {entity}"), self.engine.connect() as conn:
            return self.rules.describe(conn, et, info)

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
            details = self._check_details(names) if found else []
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
        return CheckResult(True, True, True, latency, f"Connected; {tables}", server, server_time=clock,
                           details=tuple(details))

    def _check_details(self, names: Sequence[str]) -> list[str]:
        """What the preset expects and this database lacks, by name; the rules' own findings."""
        details = [f"missing table {table} (entity {entity})" for entity, table in self.catalog.missing_tables(names)]
        unmarked = [change.table for change in self.marker_plan()]
        if unmarked:
            details.append("marker columns external_id, external_channel missing on: " + ", ".join(unmarked))
        with translate_errors("checking the CRM's settings"), self.engine.connect() as conn:
            details += self.rules.findings(conn, self.catalog)
        if self.tz is not UTC and getattr(self.tz, "key", None) not in ("UTC", "Etc/UTC"):  # a zone named UTC too
            details.append(f"datetimes are read and written in the CRM's time zone {self.tz}")
        return details

    # --- reading --------------------------------------------------------------------------------

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Pages of rows changed at or after `cursor` (less the overlap); every row without a cursor. The
        last page of a read of every row says `complete`."""
        et = self._resolve(entity)
        size = max(1, int(page_size))
        if et.updated is None:
            yield from self._pages(et, size, self._count(et, None), with_cursor=False, last=True)
            return
        since = cursor_value(et.updated, cursor, et.tz) if cursor else None
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
                records = self._read(conn, et, rows)
            end = len(rows) < size
            if not rows:
                if last:
                    yield Page((), None, total, complete=True)
                return
            previous = rows[-1]
            page_cursor = (cursor_text(previous._mapping[et.updated], et.tz)
                           if with_cursor and et.updated is not None else None)
            yield Page(tuple(records), page_cursor, total, complete=last and end)
            if end:
                return

    def plan_partitions(self, entity: str, count: int) -> PartitionPlan:
        """Ranges of the table's integer key for a read in parts (see connectors.partitions)."""
        return sql_partitions.plan(self.engine, self._resolve(entity), count)

    def read_partition(self, entity: str, part: IdRange, page_size: int) -> Iterator[Page]:
        return sql_partitions.read(self.engine, self._resolve(entity), part, page_size, self._read)

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        et = self._resolve(entity)
        keys = [k for k in (et.pk_value(str(i)) for i in ids) if k is not None]
        found: dict[str, Record] = {}
        with translate_errors(f"reading {entity}"), self.engine.connect() as conn:
            for chunk in chunked(dict.fromkeys(keys), IN_CHUNK):
                rows = conn.execute(select(et.table).where(et.pk.in_(chunk)).order_by(et.pk)).all()
                found.update((r.id, r) for r in self._read(conn, et, rows))
        return found

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        et = self._resolve(entity)
        if field in self.rules.virtual(et):
            return self._find_virtual(et, field, values)
        column = et.column(field)
        ref = et.references.get(column.name)
        wanted: dict[Any, list[str]] = {}
        for value in values:
            if value is None or value == "":
                continue
            try:
                stored = self.references.to_id(column.name, ref, value) if ref is not None else value
                stored = to_db(column, stored, et.tz)
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
                raw = {str(r._mapping[et.pk]): key_norm(r._mapping[column]) for r in rows}
                for record in self._read(conn, et, rows):
                    for label in sorted(by_norm.get(raw[record.id], ())):
                        result.setdefault(label, []).append(record)
        return result

    def _find_virtual(self, et: EntityTable, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        """find_by_keys on a field the preset's rules present (Perfex's formatted invoice number)."""
        wanted = [v for v in values if v is not None and v != ""]
        result: dict[str, list[Record]] = {}
        with translate_errors(f"searching {et.entity}"), self.engine.connect() as conn:
            keys = self.rules.search(conn, et, field, wanted)
            every = sorted({k for ks in keys.values() for k in ks})
            records: dict[str, Record] = {}
            for chunk in chunked(every, IN_CHUNK):
                rows = conn.execute(select(et.table).where(et.pk.in_(chunk)).order_by(et.pk)).all()
                records.update((r.id, r) for r in self._read(conn, et, rows))
        for label, ks in keys.items():
            found = [records[str(k)] for k in ks if str(k) in records]
            if found:
                result[label] = found
        return result

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        et = self._resolve(entity)
        if et.marker is None:
            return {}
        id_col, channel_col = et.marker
        wanted: dict[Any, str] = {}
        for source_id in source_ids:
            try:
                wanted[to_db(id_col, source_id, et.tz)] = str(source_id)
            except PermanentError:
                continue  # an id the column cannot hold was never stamped
        labels = {key_norm(stored): label for stored, label in wanted.items()}
        found: dict[str, Record] = {}
        with translate_errors(f"searching {entity}"), self.engine.connect() as conn:
            for chunk in chunked(wanted, IN_CHUNK):
                query = select(et.table).where(channel_col == channel, id_col.in_(chunk)).order_by(et.pk)
                for record in self._read(conn, et, conn.execute(query).all()):
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

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
                self._catalog = None
                self._references = None
