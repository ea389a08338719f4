"""What the engine reads and writes in the state store: links, cursors, runs, outcomes, conflicts, stats.

One `BatchCommit` gathers everything a batch produced so that links, outcomes and the advanced cursor are
committed in one transaction: the cursor never moves past work that is not recorded.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import StoreError
from erpsync_gui.records import Side
from erpsync_gui.sql_bulk import insert_many
from erpsync_gui.store.daily_upsert import add_run_to_day
from erpsync_gui.store.db import Store, rows_changed
from erpsync_gui.store.driver_rows import direct, insert_dicts
from erpsync_gui.store.link import COLUMNS, SELECTED, TABLE, Link
from erpsync_gui.store.link_writes import save_links as _save_links
from erpsync_gui.store.models import (
    ConflictRow,
    CursorRow,
    OutcomeRow,
    RunRow,
    table_of,
)
from erpsync_gui.store.resolutions import resolve_conflicts, resolve_outcomes
from erpsync_gui.store.safety_models import BeforeImageRow, PendingDeleteRow
from erpsync_gui.store.snapshots import Snapshot
from erpsync_gui.store.snapshots import save as save_snapshots

#: the run column an outcome's action counts in
_OUTCOME_COUNTS = {"create": "inserted", "update": "updated", "link": "skipped", "deleted": "skipped",
                   "conflict": "conflicts", "failed": "failed"}
_OUTCOMES = table_of(OutcomeRow)
_BEFORE_IMAGES = table_of(BeforeImageRow)
_PENDING_DELETES = table_of(PendingDeleteRow)
_CURSORS = table_of(CursorRow)
_MOVE_CURSOR = f"UPDATE {_CURSORS.name} SET value = ?, updated_at = ? WHERE profile_id = ? AND entity = ? AND side = ?"
# SQL parameter lists stay well below SQLite's and PostgreSQL's limits
_IN_CHUNK = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def this_process() -> tuple[str, int]:
    """The host name and process id a run records, so that a run left behind by a dead process can be told."""
    return socket.gethostname()[:255], os.getpid()


@dataclass(frozen=True)
class OpenRun:
    """A run the state store still shows as running, with the process that recorded it."""

    id: int
    profile_id: int
    entity: str
    trigger: str
    host: str | None
    pid: int | None
    started_at: datetime


def open_runs(store: Store) -> list[OpenRun]:
    """Every run still marked running, oldest first."""
    try:
        with store.session() as s:
            rows = s.execute(select(RunRow.id, RunRow.profile_id, RunRow.entity, RunRow.trigger, RunRow.host,
                                    RunRow.pid, RunRow.started_at).where(RunRow.status == "running")
                             .order_by(RunRow.id))
            return [OpenRun(r.id, r.profile_id, r.entity, r.trigger, r.host, r.pid,
                            r.started_at if r.started_at.tzinfo else r.started_at.replace(tzinfo=UTC)) for r in rows]
    except SQLAlchemyError as exc:
        raise StoreError(f"could not read the running runs from the state database: {exc}") from exc


def _id_column(side: Side):
    return TABLE.c.crm_id if side is Side.CRM else TABLE.c.erp_id


@dataclass(frozen=True)
class NewConflict:
    """A conflict for a person: both records' values under the CRM field names."""

    crm_values: dict
    erp_values: dict
    reason: str
    created_at: datetime


@dataclass
class BatchCommit:
    """Everything one batch changed, committed together."""

    links: list[Link] = field(default_factory=list)
    deleted_links: list[int] = field(default_factory=list)
    #: outcome rows as column values (see models.OutcomeRow)
    outcomes: list[dict] = field(default_factory=list)
    #: conflicts for a person, each with its link (which may be new and get its id at commit)
    conflicts: list[tuple[Link, NewConflict]] = field(default_factory=list)
    resolved_conflict_links: list[int] = field(default_factory=list)
    #: records that failed before and are synced now: their open errors are resolved
    settled: dict[Side, list[str]] = field(default_factory=dict)
    cursor: tuple[Side, str] | None = None
    #: the merge base of each pair the batch left in step
    snapshots: list[tuple[Link, Snapshot]] = field(default_factory=list)
    #: before-image rows of the batch's writes (see safety_models.BeforeImageRow)
    before_images: list[dict] = field(default_factory=list)
    #: twins of deleted records waiting for a person (see safety_models.PendingDeleteRow)
    pending_deletes: list[dict] = field(default_factory=list)


class SyncState:
    def __init__(self, store: Store, profile_id: int, entity: str) -> None:
        self.store = store
        self.profile_id = profile_id
        self.entity = entity

    # -- links ---------------------------------------------------------------------------------
    def links_by_ids(self, side: Side, ids: Sequence[str], entity: str | None = None) -> dict[str, Link]:
        """Link rows of the given records of one side, keyed by that side's id."""
        column = _id_column(side)
        found: dict[str, Link] = {}
        with self.store.session() as s:
            for i in range(0, len(ids), _IN_CHUNK):
                chunk = list(ids[i : i + _IN_CHUNK])
                rows = s.execute(select(*SELECTED).where(
                    TABLE.c.profile_id == self.profile_id,
                    TABLE.c.entity == (entity or self.entity),
                    column.in_(chunk),
                ))
                for row in rows:
                    link = Link.from_values(row)
                    record_id = link.crm_id if side is Side.CRM else link.erp_id
                    if record_id is not None:  # always: the rows were selected by it
                        found[record_id] = link
        return found

    def has_links(self) -> bool:
        """Whether the entity has any link at all (of any state)."""
        with self.store.session() as s:
            return s.scalar(select(TABLE.c.id).where(TABLE.c.profile_id == self.profile_id,
                                                     TABLE.c.entity == self.entity).limit(1)) is not None

    def waiting_links(self, side: Side, limit: int = 100_000) -> list[Link]:
        """Records of `side` that failed or wait for a retry: they are tried again before new changes."""
        with self.store.session() as s:
            rows = s.execute(
                select(*SELECTED)
                .where(
                    TABLE.c.profile_id == self.profile_id,
                    TABLE.c.entity == self.entity,
                    TABLE.c.state.in_(("pending", "failed")),
                    TABLE.c.pending_side == side.value,
                )
                .order_by(TABLE.c.id)
                .limit(limit)
            )
            return [Link.from_values(row) for row in rows]

    def linked(self, side: Side) -> list[Link]:
        """Every link that names a record of `side` and is not retired (for noticing deletes after a
        complete read of that side)."""
        with self.store.session() as s:
            rows = s.execute(select(*SELECTED).where(
                TABLE.c.profile_id == self.profile_id, TABLE.c.entity == self.entity,
                _id_column(side).is_not(None), TABLE.c.state != "deleted"))
            return [Link.from_values(row) for row in rows]

    def linked_except(self, side: Side, seen: Container[str]) -> list[Link]:
        """The links of `linked` whose record on `side` is not in `seen` (those a complete read did not meet:
        deleted). The rows are looked at one at a time and only the missing become Links, so a complete read of
        100,000 records holds their ids, not 100,000 links."""
        position = COLUMNS.index(_id_column(side).key)
        with self.store.session() as s:
            rows = s.execute(select(*SELECTED).where(
                TABLE.c.profile_id == self.profile_id, TABLE.c.entity == self.entity,
                _id_column(side).is_not(None), TABLE.c.state != "deleted"))
            return [Link.from_values(row) for row in rows if row[position] not in seen]

    def forget(self, links: Sequence[Link], side: Side) -> None:
        """Drop half-links whose record on `side` was deleted before it ever synced, with their open errors
        (there is nothing left to retry)."""
        ids = [link.id for link in links if link.id is not None]
        record_ids = [rid for link in links if (rid := link.crm_id if side is Side.CRM else link.erp_id)]
        try:
            with self.store.session() as s, s.begin():
                for i in range(0, len(ids), _IN_CHUNK):
                    s.execute(delete(TABLE).where(TABLE.c.id.in_(ids[i:i + _IN_CHUNK])))
                resolve_outcomes(s, self.profile_id, self.entity, side, record_ids)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record deleted records in the state database: {exc}") from exc

    def translate(self, entity: str, from_side: Side, source_id: str) -> str | None:
        """The other side's id of a linked record (for lookup fields)."""
        row = self.links_by_ids(from_side, [source_id], entity=entity).get(source_id)
        if row is None or row.state == "deleted":
            return None
        return row.erp_id if from_side is Side.CRM else row.crm_id

    def open_conflicts(self) -> int:
        """How many conflicts of the entity wait for a person."""
        with self.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(ConflictRow).where(
                ConflictRow.profile_id == self.profile_id, ConflictRow.entity == self.entity,
                ConflictRow.resolved_at.is_(None))) or 0)

    # -- cursors -------------------------------------------------------------------------------
    def cursor(self, side: Side) -> str | None:
        with self.store.session() as s:
            return s.scalar(
                select(CursorRow.value).where(
                    CursorRow.profile_id == self.profile_id,
                    CursorRow.entity == self.entity,
                    CursorRow.side == side.value,
                )
            )

    def mapping_fingerprint(self, side: Side) -> str | None:
        """The mapping the side was last read in full under (None: never recorded)."""
        with self.store.session() as s:
            return s.scalar(select(CursorRow.mapping_fingerprint).where(
                CursorRow.profile_id == self.profile_id, CursorRow.entity == self.entity,
                CursorRow.side == side.value))

    def set_mapping_fingerprint(self, side: Side, fingerprint: str) -> None:
        try:
            with self.store.session() as s, s.begin():
                row = self._cursor_row(s, side)
                row.mapping_fingerprint = fingerprint
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record the mapping in the state database: {exc}") from exc

    def _cursor_row(self, s, side: Side) -> CursorRow:
        row = s.scalar(select(CursorRow).where(
            CursorRow.profile_id == self.profile_id, CursorRow.entity == self.entity, CursorRow.side == side.value))
        if row is None:
            row = CursorRow(profile_id=self.profile_id, entity=self.entity, side=side.value, value=None,
                            updated_at=utcnow())
            s.add(row)
        return row

    def reset_cursors(self) -> None:
        with self.store.session() as s, s.begin():
            s.execute(
                delete(CursorRow).where(
                    CursorRow.profile_id == self.profile_id, CursorRow.entity == self.entity
                )
            )

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, direction: str, trigger: str, kind: str) -> int:
        host, pid = this_process()
        with self.store.session() as s, s.begin():
            run = RunRow(
                host=host,
                pid=pid,
                profile_id=self.profile_id,
                entity=self.entity,
                direction=direction,
                trigger=trigger,
                kind=kind,
                status="running",
                started_at=utcnow(),
            )
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, int], message: str | None,
                   count_in_stats: bool = True, error_kind: str | None = None) -> None:
        """Close a run with its status, counts and message; `error_kind` is the kind of the error that ended it as
        a whole (a quota used up, the ERP unreachable), None when it ran to its end."""
        now = utcnow()
        with self.store.session() as s, s.begin():
            run = s.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"run {run_id} vanished from the state database")
            run.status = status
            run.message = message
            run.error_kind = error_kind
            run.finished_at = now
            started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
            run.duration_s = (now - started).total_seconds()
            for name, value in counts.items():
                setattr(run, name, value)
            if count_in_stats:
                self._bump_daily(s, now, counts, failed_run=status == "failed")

    def close_interrupted(self, run_id: int, message: str) -> dict[str, int] | None:
        """Close a run whose process is gone as interrupted, its counts rebuilt from the outcomes it recorded
        (skips leave no outcome: they count only where a link was recorded). None when the run was no longer
        running (another process closed it first)."""
        now = utcnow()
        try:
            with self.store.session() as s, s.begin():
                # the status test in the UPDATE makes two processes that start at once close it only once
                claimed = cast(CursorResult, s.execute(
                    update(RunRow).where(RunRow.id == run_id, RunRow.status == "running")
                    .values(status="interrupted", finished_at=now, message=message)))
                if claimed.rowcount != 1:
                    return None
                rows = s.execute(select(OutcomeRow.action, func.count()).where(OutcomeRow.run_id == run_id)
                                 .group_by(OutcomeRow.action))
                counts = dict.fromkeys(("processed", "inserted", "updated", "skipped", "failed", "conflicts"), 0)
                for action, n in rows:
                    counts[_OUTCOME_COUNTS.get(action, "skipped")] += n
                    counts["processed"] += n
                run = s.get(RunRow, run_id)
                if run is None:  # claimed above in this transaction, so only a concurrent delete of the row
                    return None
                started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
                run.duration_s = max(0.0, (now - started).total_seconds())
                for name, value in counts.items():
                    setattr(run, name, value)
                if run.kind != "dry-run":
                    self._bump_daily(s, now, counts, failed_run=False)
                return counts
        except SQLAlchemyError as exc:
            raise StoreError(f"could not close interrupted run {run_id} in the state database: {exc}") from exc

    def _bump_daily(self, s, now: datetime, counts: dict[str, int], failed_run: bool) -> None:
        add_run_to_day(s, self.profile_id, now.date(), self.entity,
                       {**counts, "runs": 1, "failed_runs": 1 if failed_run else 0})

    # -- the batch commit ----------------------------------------------------------------------
    def commit(self, batch: BatchCommit) -> None:
        """Links, outcomes, conflicts and the cursor of one batch, in one transaction."""
        try:
            with self.store.session() as s, s.begin():
                # half-links absorbed by a merged pair go first: their ids move to the surviving row
                if batch.deleted_links:
                    s.execute(delete(TABLE).where(TABLE.c.id.in_(batch.deleted_links)))
                new_links = _save_links(s, batch.links)
                if batch.snapshots:
                    save_snapshots(s, {link.id: snap for link, snap in batch.snapshots if link.id is not None},
                                   new_links)
                if batch.resolved_conflict_links:
                    resolve_conflicts(s, self.profile_id, self.entity, batch.resolved_conflict_links, utcnow())
                # a link has one conflict row: a new conflict replaces the one before it, open or decided,
                # so a stale row never blocks a batch
                self._put_conflicts(s, batch.conflicts)
                for side, record_ids in batch.settled.items():
                    resolve_outcomes(s, self.profile_id, self.entity, side, record_ids)
                conn = s.connection()
                insert_dicts(conn, _OUTCOMES, batch.outcomes)
                insert_dicts(conn, _BEFORE_IMAGES, batch.before_images)
                insert_many(conn, _PENDING_DELETES, batch.pending_deletes, fast_json=True)
                if batch.cursor is not None:
                    self._set_cursor(s, *batch.cursor)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record the batch in the state database: {exc}") from exc

    def _put_conflicts(self, s, conflicts: Sequence[tuple[Link, NewConflict]]) -> None:
        if not conflicts:
            return
        ids = [link.id for link, _ in conflicts]
        s.execute(delete(ConflictRow).where(ConflictRow.profile_id == self.profile_id,
                                            ConflictRow.entity == self.entity, ConflictRow.link_id.in_(ids)))
        latest = {link.id: conflict for link, conflict in conflicts}  # one per link, the last one seen
        s.execute(insert(table_of(ConflictRow)), [
            {"profile_id": self.profile_id, "entity": self.entity, "link_id": link_id,
             "crm_values": c.crm_values, "erp_values": c.erp_values, "reason": c.reason,
             "created_at": c.created_at, "resolved_at": None}
            for link_id, c in latest.items()])

    def _set_cursor(self, s, side: Side, value: str) -> None:
        # one UPDATE for the row that is there after the first batch (no ORM load and flush per batch)
        now = utcnow()
        conn = s.connection()
        if direct(conn):
            stamp = _CURSORS.c.updated_at.type._cached_bind_processor(conn.dialect)
            moved = rows_changed(conn.exec_driver_sql(_MOVE_CURSOR, (value, stamp(now) if stamp else now,
                                                                     self.profile_id, self.entity, side.value)))
        else:
            moved = rows_changed(s.execute(update(_CURSORS).where(
                _CURSORS.c.profile_id == self.profile_id, _CURSORS.c.entity == self.entity,
                _CURSORS.c.side == side.value).values(value=value, updated_at=now)))
        if not moved:
            row = self._cursor_row(s, side)
            row.value = value
            row.updated_at = utcnow()

    def persist_new_links(self, links: list[Link]) -> None:
        """Write-ahead: record creates about to be sent, so a crash mid-write is reconciled next run."""
        try:
            with self.store.session() as s, s.begin():
                _save_links(s, links)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record pending creates in the state database: {exc}") from exc
