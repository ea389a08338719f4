"""What the engine reads and writes in the state store: links, cursors, runs, outcomes, conflicts, stats.

One `BatchCommit` gathers everything a batch produced so that links, outcomes and the advanced cursor are
committed in one transaction: the cursor never moves past work that is not recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import StoreError
from erpsync_gui.records import Side
from erpsync_gui.store.db import Store
from erpsync_gui.store.link import TABLE, Link
from erpsync_gui.store.models import (
    ConflictRow,
    CursorRow,
    DailyStatRow,
    OutcomeRow,
    RunRow,
)

# SQL parameter lists stay well below SQLite's and PostgreSQL's limits
_IN_CHUNK = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def _id_column(side: Side):
    return TABLE.c.crm_id if side is Side.CRM else TABLE.c.erp_id


@dataclass
class BatchCommit:
    """Everything one batch changed, committed together."""

    links: list[Link] = field(default_factory=list)
    deleted_links: list[int] = field(default_factory=list)
    #: outcome rows as column values (see models.OutcomeRow)
    outcomes: list[dict] = field(default_factory=list)
    #: conflicts for a person, each with its link (which may be new and get its id at commit)
    conflicts: list[tuple[Link, ConflictRow]] = field(default_factory=list)
    resolved_conflict_links: list[int] = field(default_factory=list)
    cursor: tuple[Side, str] | None = None


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
                rows = s.execute(select(TABLE).where(
                    TABLE.c.profile_id == self.profile_id,
                    TABLE.c.entity == (entity or self.entity),
                    column.in_(chunk),
                ))
                for row in rows.mappings():
                    link = Link.from_row(row)
                    found[link.crm_id if side is Side.CRM else link.erp_id] = link
        return found

    def waiting_links(self, side: Side, limit: int = 100_000) -> list[Link]:
        """Records of `side` that failed or wait for a retry: they are tried again before new changes."""
        with self.store.session() as s:
            rows = s.execute(
                select(TABLE)
                .where(
                    TABLE.c.profile_id == self.profile_id,
                    TABLE.c.entity == self.entity,
                    TABLE.c.state.in_(("pending", "failed")),
                    TABLE.c.pending_side == side.value,
                )
                .order_by(TABLE.c.id)
                .limit(limit)
            )
            return [Link.from_row(row) for row in rows.mappings()]

    def translate(self, entity: str, from_side: Side, source_id: str) -> str | None:
        """The other side's id of a linked record (for lookup fields)."""
        row = self.links_by_ids(from_side, [source_id], entity=entity).get(source_id)
        if row is None:
            return None
        return row.erp_id if from_side is Side.CRM else row.crm_id

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

    def reset_cursors(self) -> None:
        with self.store.session() as s, s.begin():
            s.execute(
                delete(CursorRow).where(
                    CursorRow.profile_id == self.profile_id, CursorRow.entity == self.entity
                )
            )

    # -- runs ----------------------------------------------------------------------------------
    def start_run(self, direction: str, trigger: str, kind: str) -> int:
        with self.store.session() as s, s.begin():
            run = RunRow(
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
                   count_in_stats: bool = True) -> None:
        now = utcnow()
        with self.store.session() as s, s.begin():
            run = s.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"run {run_id} vanished from the state database")
            run.status = status
            run.message = message
            run.finished_at = now
            started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
            run.duration_s = (now - started).total_seconds()
            for name, value in counts.items():
                setattr(run, name, value)
            if count_in_stats:
                self._bump_daily(s, now, counts, failed_run=status == "failed")

    def _bump_daily(self, s, now: datetime, counts: dict[str, int], failed_run: bool) -> None:
        day = now.date()
        row = s.scalar(
            select(DailyStatRow).where(
                DailyStatRow.profile_id == self.profile_id,
                DailyStatRow.day == day,
                DailyStatRow.entity == self.entity,
            )
        )
        if row is None:
            row = DailyStatRow(profile_id=self.profile_id, day=day, entity=self.entity, runs=0,
                               inserted=0, updated=0, skipped=0, failed=0, failed_runs=0)
            s.add(row)
        row.runs += 1
        row.inserted += counts.get("inserted", 0)
        row.updated += counts.get("updated", 0)
        row.skipped += counts.get("skipped", 0)
        row.failed += counts.get("failed", 0)
        row.failed_runs += 1 if failed_run else 0

    # -- the batch commit ----------------------------------------------------------------------
    def commit(self, batch: BatchCommit) -> None:
        """Links, outcomes, conflicts and the cursor of one batch, in one transaction."""
        try:
            with self.store.session() as s, s.begin():
                # half-links absorbed by a merged pair go first: their ids move to the surviving row
                if batch.deleted_links:
                    s.execute(delete(TABLE).where(TABLE.c.id.in_(batch.deleted_links)))
                _save_links(s, batch.links)
                for link, conflict in batch.conflicts:
                    conflict.link_id = link.id
                    s.execute(delete(ConflictRow).where(
                        ConflictRow.link_id == link.id, ConflictRow.resolved_at.is_(None)))
                    s.add(conflict)
                if batch.resolved_conflict_links:
                    s.execute(
                        update(ConflictRow)
                        .where(and_(ConflictRow.link_id.in_(batch.resolved_conflict_links),
                                    ConflictRow.resolved_at.is_(None)))
                        .values(resolved_at=utcnow())
                    )
                if batch.outcomes:
                    s.execute(insert(OutcomeRow.__table__), batch.outcomes)
                if batch.cursor is not None:
                    self._set_cursor(s, *batch.cursor)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record the batch in the state database: {exc}") from exc

    def _set_cursor(self, s, side: Side, value: str) -> None:
        row = s.scalar(
            select(CursorRow).where(
                CursorRow.profile_id == self.profile_id,
                CursorRow.entity == self.entity,
                CursorRow.side == side.value,
            )
        )
        if row is None:
            s.add(CursorRow(profile_id=self.profile_id, entity=self.entity, side=side.value,
                            value=value, updated_at=utcnow()))
        else:
            row.value = value
            row.updated_at = utcnow()

    def persist_new_links(self, links: list[Link]) -> None:
        """Write-ahead: record creates about to be sent, so a crash mid-write is reconciled next run."""
        try:
            with self.store.session() as s, s.begin():
                _save_links(s, links)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record pending creates in the state database: {exc}") from exc


def _save_links(s, links: Sequence[Link]) -> None:
    """Bulk insert (ids come back into the objects) and bulk update by primary key: one statement each per
    batch instead of a round trip per row - the difference between a fast and a slow initial import."""
    new = [link for link in links if link.id is None]
    old = {link.id: link for link in links if link.id is not None}  # the last state of a row wins
    if new:
        # RETURNING the identifying ids instead of asking for parameter order: SQLite then runs one
        # multi-row INSERT instead of one INSERT per row. (crm_id, erp_id) is unique within a batch.
        by_ids = {(link.crm_id, link.erp_id): link for link in new}
        if len(by_ids) != len(new):
            raise StoreError("two new links of one batch name the same records")
        rows = s.execute(insert(TABLE).returning(TABLE.c.id, TABLE.c.crm_id, TABLE.c.erp_id),
                         [link.values() for link in new])
        for new_id, crm_id, erp_id in rows:
            by_ids[(crm_id, erp_id)].id = new_id
    if old:
        s.execute(update(TABLE).where(TABLE.c.id == bindparam("link_id")),
                  [{**link.values(), "link_id": link.id} for link in old.values()])
