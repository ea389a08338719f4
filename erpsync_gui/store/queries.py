"""The read side for the dashboard, the error views and the CLI: daily stats, runs, grouped errors, plus the
few maintenance writes those views trigger (resolve and its undo, reset statistics, log retention). What waits
for a person (badges, the tray) is counted in `open_work`.

Aggregation happens in SQL (GROUP BY, window functions) so views stay fast on 100,000 outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.errors import ConfigError, StoreError
from erpsync_gui.store.db import Store
from erpsync_gui.store.error_titles import group_title
from erpsync_gui.store.models import DailyStatRow, LogRow, OutcomeRow, RunRow
from erpsync_gui.timeutil import aware_utc

#: how many of its newest outcomes an error group lists ids of (errors_in_group gives them all)
GROUP_ID_CAP = 20
_CHUNK = 500
#: the kind of the runs a dry run records: a preview, never a result
PREVIEW_KIND = "dry-run"

@dataclass(frozen=True)
class DayStat:
    day: date
    entity: str
    inserted: int
    updated: int
    skipped: int
    failed: int
    runs: int
    failed_runs: int
    #: SUCCESS | PARTIAL | FAILED
    status: str


def day_status(inserted: int, updated: int, skipped: int, failed: int, runs: int, failed_runs: int) -> str:
    """FAILED when only failed runs or nothing succeeded; PARTIAL when some records or runs failed."""
    succeeded = inserted + updated + skipped
    if (runs > 0 and failed_runs >= runs) or (succeeded == 0 and (failed > 0 or failed_runs > 0)):
        return "FAILED"
    if failed > 0 or failed_runs > 0:
        return "PARTIAL"
    return "SUCCESS"


@dataclass(frozen=True)
class RunSummary:
    id: int
    entity: str
    direction: str
    trigger: str
    kind: str
    status: str
    processed: int
    inserted: int
    updated: int
    skipped: int
    failed: int
    conflicts: int
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    message: str | None
    #: the kind of the error that ended the run as a whole (None: it ran to its end)
    error_kind: str | None = None

    @classmethod
    def of(cls, row: RunRow) -> RunSummary:
        return cls(
            row.id, row.entity, row.direction, row.trigger, row.kind, row.status, row.processed,
            row.inserted, row.updated, row.skipped, row.failed, row.conflicts, aware_utc(row.started_at),
            aware_utc(row.finished_at), row.duration_s, row.message, row.error_kind,
        )


@dataclass(frozen=True)
class ErrorGroup:
    """Outcomes that share one error signature."""

    signature: str
    entity: str
    error_kind: str | None
    #: the newest message of the group
    message: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    #: the record ids of the newest GROUP_ID_CAP outcomes, per side, newest first
    crm_ids: tuple[str, ...]
    erp_ids: tuple[str, ...]

    @property
    def title(self) -> str:
        """The group's cause in one line, with no one record's id in it (the newest message stands for the
        whole group)."""
        return group_title(self.message or "", (*self.crm_ids[:1], *self.erp_ids[:1]))


@dataclass(frozen=True)
class OutcomeEntry:
    id: int
    run_id: int
    entity: str
    crm_id: str | None
    erp_id: str | None
    action: str
    target_side: str | None
    error_kind: str | None
    message: str | None
    signature: str | None
    payload_excerpt: str | None
    resolution: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: OutcomeRow) -> OutcomeEntry:
        return cls(
            row.id, row.run_id, row.entity, row.crm_id, row.erp_id, row.action, row.target_side,
            row.error_kind, row.message, row.signature, row.payload_excerpt, row.resolution,
            aware_utc(row.created_at),
        )


def _wrap(what: str, exc: SQLAlchemyError) -> StoreError:
    return StoreError(f"{what} failed: {getattr(exc, 'orig', None) or exc}")


def daily_stats(store: Store, profile_id: int, days: int = 30) -> list[DayStat]:
    """Per day and entity totals of the last `days` days (today included), oldest first."""
    since = datetime.now(UTC).date() - timedelta(days=max(days, 1) - 1)
    stmt = (
        select(DailyStatRow)
        .where(DailyStatRow.profile_id == profile_id, DailyStatRow.day >= since)
        .order_by(DailyStatRow.day, DailyStatRow.entity)
    )
    try:
        with store.session() as session:
            rows = session.scalars(stmt).all()
    except SQLAlchemyError as exc:
        raise _wrap("Reading daily statistics", exc) from exc
    return [
        DayStat(r.day, r.entity, r.inserted, r.updated, r.skipped, r.failed, r.runs, r.failed_runs,
                day_status(r.inserted, r.updated, r.skipped, r.failed, r.runs, r.failed_runs))
        for r in rows
    ]


def recent_runs(
    store: Store, profile_id: int, limit: int = 20, entity: str | None = None
) -> list[RunSummary]:
    """The newest runs first."""
    stmt = select(RunRow).where(RunRow.profile_id == profile_id)
    if entity is not None:
        stmt = stmt.where(RunRow.entity == entity)
    stmt = stmt.order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit)
    try:
        with store.session() as session:
            return [RunSummary.of(r) for r in session.scalars(stmt)]
    except SQLAlchemyError as exc:
        raise _wrap("Reading runs", exc) from exc


def last_runs_per_entity(store: Store, profile_id: int, include_previews: bool = False) -> dict[str, RunSummary]:
    """The newest run of every entity that has one; a dry run (a preview, not a result) only with
    `include_previews`."""
    where = [RunRow.profile_id == profile_id]
    if not include_previews:
        where.append(RunRow.kind != PREVIEW_KIND)
    ranked = (
        select(
            RunRow.id,
            func.row_number()
            .over(partition_by=RunRow.entity, order_by=(RunRow.started_at.desc(), RunRow.id.desc()))
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    stmt = (
        select(RunRow)
        .join(ranked, ranked.c.id == RunRow.id)
        .where(ranked.c.rank == 1)
        .order_by(RunRow.entity)
    )
    try:
        with store.session() as session:
            return {r.entity: RunSummary.of(r) for r in session.scalars(stmt)}
    except SQLAlchemyError as exc:
        raise _wrap("Reading runs", exc) from exc


def _open_filter(include_resolved: bool) -> list:
    if include_resolved:
        return []
    return [or_(OutcomeRow.resolution.is_(None), OutcomeRow.resolution != "resolved")]


def grouped_errors(store: Store, profile_id: int, include_resolved: bool = False) -> list[ErrorGroup]:
    """Outcomes with a signature, grouped by it; the most recently seen group first."""
    base = [OutcomeRow.profile_id == profile_id, OutcomeRow.signature.is_not(None),
            *_open_filter(include_resolved)]
    groups_stmt = (
        select(
            OutcomeRow.signature,
            func.count().label("count"),
            func.min(OutcomeRow.created_at).label("first_seen"),
            func.max(OutcomeRow.created_at).label("last_seen"),
        )
        .where(*base)
        .group_by(OutcomeRow.signature)
    )
    result = []
    try:
        with store.session() as session:
            for signature, count, first_seen, last_seen in session.execute(groups_stmt).all():
                if signature is None:  # never: the groups are selected by their signature
                    continue
                # the newest members, through the (profile_id, signature) index: the representative
                # message and the capped id lists (one window over all rows was 20x slower on 100k)
                newest = session.execute(
                    select(OutcomeRow.entity, OutcomeRow.error_kind, OutcomeRow.message,
                           OutcomeRow.crm_id, OutcomeRow.erp_id)
                    .where(*base, OutcomeRow.signature == signature)
                    .order_by(OutcomeRow.id.desc())
                    .limit(GROUP_ID_CAP)
                ).all()
                result.append(ErrorGroup(
                    signature=signature,
                    entity=newest[0].entity,
                    error_kind=newest[0].error_kind,
                    message=newest[0].message,
                    count=count,
                    first_seen=aware_utc(first_seen),
                    last_seen=aware_utc(last_seen),
                    crm_ids=tuple(r.crm_id for r in newest if r.crm_id is not None),
                    erp_ids=tuple(r.erp_id for r in newest if r.erp_id is not None),
                ))
    except SQLAlchemyError as exc:
        raise _wrap("Reading errors", exc) from exc
    result.sort(key=lambda g: (g.last_seen, g.count), reverse=True)
    return result


def errors_in_group(
    store: Store, profile_id: int, signature: str, include_resolved: bool = False, limit: int = 1000
) -> list[OutcomeEntry]:
    """The outcomes of one error group, newest first."""
    stmt = (
        select(OutcomeRow)
        .where(OutcomeRow.profile_id == profile_id, OutcomeRow.signature == signature,
               *_open_filter(include_resolved))
        .order_by(OutcomeRow.id.desc())
        .limit(limit)
    )
    try:
        with store.session() as session:
            return [OutcomeEntry.of(r) for r in session.scalars(stmt)]
    except SQLAlchemyError as exc:
        raise _wrap("Reading errors", exc) from exc


def mark_resolved(store: Store, outcome_ids: Iterable[int]) -> int:
    """Mark outcomes resolved (they leave the open error groups); returns how many changed."""
    ids = sorted(set(outcome_ids))
    changed = 0
    try:
        with store.engine.begin() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                changed += conn.execute(
                    update(OutcomeRow).where(OutcomeRow.id.in_(chunk)).values(resolution="resolved")
                ).rowcount
    except SQLAlchemyError as exc:
        raise _wrap("Marking errors resolved", exc) from exc
    return changed


def resolve_for_undo(store: Store, outcome_ids: Iterable[int]) -> dict[int, str | None]:
    """Mark outcomes resolved, as `mark_resolved` does, and return each changed one's previous resolution:
    what `reopen` needs to undo it."""
    ids = sorted(set(outcome_ids))
    previous: dict[int, str | None] = {}
    try:
        with store.engine.begin() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                rows = conn.execute(select(OutcomeRow.id, OutcomeRow.resolution).where(
                    OutcomeRow.id.in_(chunk), *_open_filter(False))).all()
                previous.update({row.id: row.resolution for row in rows})
                if rows:
                    conn.execute(update(OutcomeRow).where(OutcomeRow.id.in_([r.id for r in rows]))
                                 .values(resolution="resolved"))
    except SQLAlchemyError as exc:
        raise _wrap("Marking errors resolved", exc) from exc
    return previous


def reopen(store: Store, previous: Mapping[int, str | None]) -> int:
    """Undo `resolve_for_undo`: outcomes still resolved get their earlier resolution back; returns how many."""
    by_value: dict[str | None, list[int]] = {}
    for outcome_id, value in previous.items():
        by_value.setdefault(value, []).append(outcome_id)
    changed = 0
    try:
        with store.engine.begin() as conn:
            for value, ids in by_value.items():
                for start in range(0, len(ids), _CHUNK):
                    changed += conn.execute(
                        update(OutcomeRow)
                        .where(OutcomeRow.id.in_(ids[start:start + _CHUNK]), OutcomeRow.resolution == "resolved")
                        .values(resolution=value)
                    ).rowcount
    except SQLAlchemyError as exc:
        raise _wrap("Reopening errors", exc) from exc
    return changed


def mark_group_resolved(store: Store, profile_id: int, signature: str) -> int:
    """Mark every open outcome of one error group resolved; returns how many changed."""
    stmt = (
        update(OutcomeRow)
        .where(OutcomeRow.profile_id == profile_id, OutcomeRow.signature == signature, *_open_filter(False))
        .values(resolution="resolved")
    )
    try:
        with store.engine.begin() as conn:
            return conn.execute(stmt).rowcount
    except SQLAlchemyError as exc:
        raise _wrap("Marking errors resolved", exc) from exc


@dataclass(frozen=True)
class ResetCounts:
    """What resetting a profile's statistics deletes and what it keeps: the confirmation names these."""

    runs: int
    daily_figures: int
    #: recorded outcomes that go: writes, conflicts seen, and resolved errors (with open errors when not kept)
    outcomes: int
    #: open errors: kept unless the reset includes them
    open_errors: int
    #: runs kept because open errors belong to them
    runs_kept: int


def _open_error_filter(profile_id: int) -> list:
    """Open errors of a profile: outcomes with an error signature that nobody marked resolved."""
    return [OutcomeRow.profile_id == profile_id, OutcomeRow.signature.is_not(None), *_open_filter(False)]


def reset_counts(store: Store, profile_id: int, keep_open_errors: bool = True) -> ResetCounts:
    """How many rows `reset_statistics` would delete (and keep) with the same choice."""
    try:
        with store.session() as session:
            runs = session.scalar(select(func.count()).select_from(RunRow).where(RunRow.profile_id == profile_id))
            daily = session.scalar(select(func.count()).select_from(DailyStatRow)
                                   .where(DailyStatRow.profile_id == profile_id))
            outcomes = session.scalar(select(func.count()).select_from(OutcomeRow)
                                      .where(OutcomeRow.profile_id == profile_id))
            open_errors = session.scalar(select(func.count()).select_from(OutcomeRow)
                                         .where(*_open_error_filter(profile_id)))
            kept = session.scalar(select(func.count(func.distinct(OutcomeRow.run_id)))
                                  .where(*_open_error_filter(profile_id))) if keep_open_errors else 0
    except SQLAlchemyError as exc:
        raise _wrap("Counting statistics", exc) from exc
    # COUNT(*) always answers a number; `or 0` only tells the type checker so
    runs, daily, outcomes, open_errors, kept = (n or 0 for n in (runs, daily, outcomes, open_errors, kept))
    gone_outcomes = outcomes - (open_errors if keep_open_errors else 0)
    return ResetCounts(runs=runs - kept, daily_figures=daily, outcomes=gone_outcomes, open_errors=open_errors,
                       runs_kept=kept)


def reset_statistics(store: Store, profile_id: int, keep_open_errors: bool = False) -> int:
    """Forget the profile's daily stats, runs and outcomes (links, cursors and waiting conflicts stay); returns
    rows deleted. With `keep_open_errors` the open errors stay, and the runs they belong to."""
    try:
        with store.engine.begin() as conn:
            deleted = 0
            if keep_open_errors:
                keep = [OutcomeRow.signature.is_not(None), *_open_filter(False)]
                kept_runs = select(OutcomeRow.run_id).where(OutcomeRow.profile_id == profile_id, *keep)
                deleted += conn.execute(delete(OutcomeRow).where(
                    OutcomeRow.profile_id == profile_id,
                    or_(OutcomeRow.signature.is_(None), OutcomeRow.resolution == "resolved"))).rowcount
                deleted += conn.execute(delete(RunRow).where(RunRow.profile_id == profile_id,
                                                             RunRow.id.not_in(kept_runs))).rowcount
            else:
                for model in (OutcomeRow, RunRow):
                    deleted += conn.execute(delete(model).where(model.profile_id == profile_id)).rowcount
            deleted += conn.execute(delete(DailyStatRow).where(DailyStatRow.profile_id == profile_id)).rowcount
    except SQLAlchemyError as exc:
        raise _wrap("Resetting statistics", exc) from exc
    return deleted


#: how many days of log lines `cleanup` may keep
MIN_KEEP_DAYS, MAX_KEEP_DAYS = 1, 3650


def cleanup_logs(store: Store, older_than_days: int) -> int:
    """Delete log lines older than `older_than_days` days (1 to 3650); returns how many went."""
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or \
            not MIN_KEEP_DAYS <= older_than_days <= MAX_KEEP_DAYS:
        # 0 or a negative number would put the cutoff at or after now: every log line would go
        raise ConfigError(f"{older_than_days!r} is not a number of days from {MIN_KEEP_DAYS} to {MAX_KEEP_DAYS}",
                          hint="keep at least a day of log lines")
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    try:
        with store.engine.begin() as conn:
            return conn.execute(delete(LogRow).where(LogRow.created_at < cutoff)).rowcount
    except SQLAlchemyError as exc:
        raise _wrap("Cleaning up the log", exc) from exc
