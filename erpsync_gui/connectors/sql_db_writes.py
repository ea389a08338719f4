"""The SQL connector's writes: creates, updates, deletes and archives, each in one transaction with the
side rows the preset's rules write around it.

A record is stamped with the CRM's own clock. A create of an entity without a natural key is refused
while its table lacks the origin marker: if the answer to such a create were lost, nothing could find the
row again, and the next run would make a second one.

A created record is the row as its INSERT ... RETURNING gave it back (every column: the database's own
conversions, defaults and computed values are in it; on SQLite a plain text or integer column given a value of
its kind is not returned, as it is stored exactly as given), which is what a read gives, so the checksum the
engine keeps for it matches the next read. The row is read back instead where that is not known: the database returns
nothing from an INSERT, has triggers, or the preset's rules change the row once it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.connectors.sql_clock import source_now
from erpsync_gui.connectors.sql_engine import translate, translate_errors
from erpsync_gui.connectors.sql_payloads import PayloadPlans
from erpsync_gui.connectors.sql_reading import read_records
from erpsync_gui.connectors.sql_rules import WriteContext
from erpsync_gui.connectors.sql_schema import EntityTable
from erpsync_gui.connectors.sql_triggers import has_triggers
from erpsync_gui.connectors.sql_writing import PreparedRow, Shaping, delete_row, insert_rows, prepare, update_values
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    ERPSyncError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from erpsync_gui.records import BatchItemResult, Origin, Record

T = TypeVar("T")
#: the catalog's memo of whether the database has triggers
_TRIGGERS = "sql.triggers"
#: the catalog's memo of each entity's payload plans
_PLANS = "sql.payload_plans"


class SqlWrites:
    """The write half of SqlConnector (kept apart to keep each file to one job)."""

    if TYPE_CHECKING:
        # the rest of SqlConnector (engine, catalog, rules, the read helpers) as the type checker sees it from
        # here: the class that mixes this in has them
        def __getattr__(self, name: str) -> Any: ...

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
        memo: dict[Any, Any] = {}  # the batch's lookups, shared by its refusal check and its writes
        refused = self._refusal(et, memo) if payloads else None
        if refused is not None:
            # every item fails with the reason, and the run stops on it: nothing was sent
            return [BatchItemResult(index=i, error=refused) for i in range(len(payloads))]
        results: dict[int, BatchItemResult] = {}
        valid: list[tuple[int, PreparedRow]] = []
        shape = self._shaping(et)
        plans = PayloadPlans(et, shape, self.channel, self.catalog.memo.setdefault((_PLANS, et.entity), {}))
        for i, payload in enumerate(payloads):
            try:
                valid.append((i, plans.row(payload, origins[i] if origins else None)))
            except PermanentError as exc:
                results[i] = BatchItemResult(index=i, error=exc)
        if valid:
            try:
                records = self._insert(et, [row for _, row in valid], memo)
                results.update((i, BatchItemResult(index=i, record=r))
                               for (i, _), r in zip(valid, records, strict=True))
            except (AuthError, ConfigError):
                raise
            except ERPSyncError as exc:
                # a database that is away fails every row alike; only a refused row is worth isolating
                if len(valid) == 1 or isinstance(exc, RetryableError):
                    results.update((i, BatchItemResult(index=i, error=exc)) for i, _ in valid)
                else:
                    # a row redone alone starts from its payload again, not from what the failed batch filled in
                    results.update((i, self._insert_one(
                        et, i, self._prepare_new(et, payloads[i], origins[i] if origins else None, shape), memo))
                        for i, _ in valid)
        return [results[i] for i in range(len(payloads))]

    def _prepare_new(self, et: EntityTable, payload: Mapping[str, Any], origin: Origin | None,
                     shape: Shaping) -> PreparedRow:
        return prepare(et, payload, creating=True, origin=origin, channel=self.channel, shape=shape)

    def _refusal(self, et: EntityTable, memo: dict[Any, Any]) -> ConfigError | None:
        """Why no record of `et` may be created now, or None."""
        if et.keyless and et.marker is None:
            return ConfigError(
                f"{et.entity} cannot be created in {et.table.name} until the table has the marker columns "
                "external_id and external_channel: they have no natural key, so a create whose answer is lost "
                "could not be found again and would be made twice",
                hint="add the columns with `erpsync crm add-markers` (it shows the SQL first)")
        if not self.rules.may_refuse_create(et):
            return None
        with translate_errors(f"checking {et.entity}"), self.engine.connect() as conn:
            return self.rules.refuse_create(conn, et, memo)

    def _insert_one(self, et: EntityTable, index: int, row: PreparedRow, memo: dict[Any, Any]) -> BatchItemResult:
        try:
            return BatchItemResult(index=index, record=self._insert(et, [row], memo)[0])
        except (AuthError, ConfigError):
            raise
        except ERPSyncError as exc:
            return BatchItemResult(index=index, error=exc)

    def _insert(self, et: EntityTable, rows: Sequence[PreparedRow], memo: dict[Any, Any]) -> list[Record]:
        """Write `rows` (filled in and stamped in place) in one transaction; the records as now stored."""

        def work(conn: Connection) -> list[Record]:
            ctx = self._context(conn, memo)
            self.rules.before_write(conn, et, rows, ctx, creating=True)
            keys, stored = insert_rows(conn, et, rows, ctx.now, whole=self._inserts_are_final(conn, et))
            self.rules.after_write(conn, et, keys, rows, ctx, creating=True)
            if stored is None:
                # what was stored is known only from a read: the database returns nothing from an INSERT (MySQL,
                # MariaDB before 10.5), runs triggers of its own, or the preset's rules change the row after it
                return self._read_back(conn, et, keys)
            records = read_records(conn, et, stored)
            if et.references:
                self.references.present_all(et.references, [record.data for record in records])
            return self.rules.present_created(conn, et, records, rows) if records else records

        return self._transaction(f"creating {et.entity}", work)

    def _inserts_are_final(self, conn: Connection, et: EntityTable) -> bool:
        """Whether a new row of `et` is, after the write, the row its INSERT returns (no trigger, no rule
        rewrites it); the trigger question is asked once per run."""
        if not conn.dialect.insert_returning or not self.rules.created_as_inserted(et):
            return False
        memo = self.catalog.memo
        if _TRIGGERS not in memo:
            memo[_TRIGGERS] = has_triggers(conn, self._schema)
        return not memo[_TRIGGERS]

    def _read_back(self, conn: Connection, et: EntityTable, keys: Sequence[Any]) -> list[Record]:
        rows = conn.execute(select(et.table).where(et.pk.in_(list(keys)))).all()
        stored = {r.id: r for r in self._read(conn, et, rows)}
        return [stored[str(k)] for k in keys]

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        et = self._resolve(entity)
        key = et.pk_value(str(record_id))
        missing = NotFoundError(f"{entity} record {record_id} does not exist")
        if key is None:
            raise missing
        row = prepare(et, payload, creating=False, shape=self._shaping(et))

        def work(conn: Connection) -> Record:
            ctx = self._context(conn)
            self.rules.before_write(conn, et, [row], ctx, creating=False, keys=[key])
            update_values(conn, et, key, row, missing, ctx.now)
            self.rules.after_write(conn, et, [key], [row], ctx, creating=False)
            return self._read_back(conn, et, [key])[0]

        return self._transaction(f"updating {entity}", work)

    def _context(self, conn: Connection, memo: dict[Any, Any] | None = None) -> WriteContext:
        now = self._now(conn)
        if self.rules.whole_seconds:
            # cut, never rounded: a stamp must not lie in the future (the cursor re-reads the overlap)
            now = now.replace(microsecond=0)
        return WriteContext(self.catalog, self.tz, now, {} if memo is None else memo)

    def _now(self, conn: Connection) -> datetime:
        """The CRM's own clock: the database server's where there is one, else this machine's corrected by
        the endpoint's clock offset (a SQLite file has no clock; the application writing it does)."""
        return source_now(conn, self._clock_offset)

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        et = self._resolve(entity)
        key = et.pk_value(str(record_id))
        if key is None:
            return  # an id the key column cannot hold names no row

        def work(conn: Connection) -> None:
            before = self.rules.before_delete(conn, et, key)
            delete_row(conn, et, key)
            self.rules.after_delete(conn, et, key, before, self._context(conn))

        self._transaction(f"deleting {entity}", work)

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

