"""What waits for a person in a profile, counted in the store: open errors, waiting conflicts and runs that
failed as a whole or were stopped by a quota. The badges in the sidebar, the tray's status line, the
dashboard's Needs attention panel and the Errors page's group of failed runs read it (not one run's result: a
run that ends well leaves earlier conflicts waiting)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from erpsync_gui.store.db import Store
from erpsync_gui.store.models import ConflictRow, OutcomeRow, RunRow
from erpsync_gui.store.queries import (
    PREVIEW_KIND,
    RunSummary,
    _open_error_filter,
    _wrap,
    last_runs_per_entity,
)
from erpsync_gui.timeutil import aware_utc

#: how many earlier runs of an entity are looked at to count failures in a row
_FAILURE_HISTORY = 50
#: the error kind of a run that a used-up quota stopped (it ends as partial and resumes from its cursor)
QUOTA_KIND = "quota_exhausted"


def _stop(status: str, error_kind: str | None) -> str | None:
    """How a run ended as a whole: "failed", "quota" (stopped by a quota, resumes later) or None (it ran)."""
    if status == "failed":
        return "failed"
    return "quota" if status == "partial" and error_kind == QUOTA_KIND else None


@dataclass(frozen=True)
class RunFailure:
    """An entity whose newest run failed as a whole (the ERP unreachable, the sign-in refused ...) or was
    stopped by a used-up quota (its message says when it resumes)."""

    entity: str
    run_id: int
    message: str
    #: such runs in a row, this one included
    count: int
    first_seen: datetime
    last_seen: datetime
    trigger: str
    #: the kind of the error that stopped the run (None: not known, as for runs before it was recorded)
    error_kind: str | None = None

    @property
    def quota(self) -> bool:
        """Stopped by a quota: nothing to fix, the next run after the quota's reset carries on."""
        return self.error_kind == QUOTA_KIND


def run_failures(store: Store, profile_id: int) -> list[RunFailure]:
    """Entities whose newest real run (not a preview) failed or was stopped by a quota, newest first. A later
    run that gets through closes it."""
    failures: list[RunFailure] = []
    try:
        with store.session() as session:
            for last in last_runs_per_entity(store, profile_id).values():
                stop = _stop(last.status, last.error_kind)
                if stop is None:
                    continue
                rows = session.execute(
                    select(RunRow.status, RunRow.error_kind, RunRow.started_at).where(
                        RunRow.profile_id == profile_id, RunRow.entity == last.entity, RunRow.kind != PREVIEW_KIND,
                        RunRow.status != "running")
                    .order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(_FAILURE_HISTORY)
                ).all()
                in_a_row = []
                for row in rows:
                    if _stop(row.status, row.error_kind) != stop:
                        break
                    in_a_row.append(aware_utc(row.started_at))
                in_a_row = in_a_row or [last.started_at]
                fallback = "the run failed" if stop == "failed" else "the run was stopped by a quota"
                failures.append(RunFailure(last.entity, last.id, last.message or fallback, len(in_a_row),
                                           min(in_a_row), max(in_a_row), last.trigger, last.error_kind))
    except SQLAlchemyError as exc:
        raise _wrap("Reading failed runs", exc) from exc
    failures.sort(key=lambda f: f.last_seen, reverse=True)
    return failures


@dataclass(frozen=True)
class OpenWork:
    """The figures behind the badges, the tray's status line and the Needs attention panel."""

    open_errors: int
    open_conflicts: int
    run_failures: tuple[RunFailure, ...]
    #: the newest finished real run of the profile (any entity), or None before the first
    last_run: RunSummary | None
    errors_by_entity: Mapping[str, int]
    conflicts_by_entity: Mapping[str, int]

    @property
    def nothing_waits(self) -> bool:
        return not (self.open_errors or self.open_conflicts or self.run_failures)


def open_work(store: Store, profile_id: int) -> OpenWork:
    """Open errors, waiting conflicts and failed runs of a profile, and its newest finished run."""
    try:
        with store.session() as session:
            errors = dict(session.execute(
                select(OutcomeRow.entity, func.count()).where(*_open_error_filter(profile_id))
                .group_by(OutcomeRow.entity)).all())
            conflicts = dict(session.execute(
                select(ConflictRow.entity, func.count())
                .where(ConflictRow.profile_id == profile_id, ConflictRow.resolved_at.is_(None))
                .group_by(ConflictRow.entity)).all())
            newest = session.scalars(
                select(RunRow).where(RunRow.profile_id == profile_id, RunRow.kind != PREVIEW_KIND,
                                     RunRow.status != "running")
                .order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(1)).first()
            last = RunSummary.of(newest) if newest is not None else None
    except SQLAlchemyError as exc:
        raise _wrap("Counting open work", exc) from exc
    return OpenWork(open_errors=sum(errors.values()), open_conflicts=sum(conflicts.values()),
                    run_failures=tuple(run_failures(store, profile_id)), last_run=last,
                    errors_by_entity=errors, conflicts_by_entity=conflicts)
