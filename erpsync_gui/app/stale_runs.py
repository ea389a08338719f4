"""Closing runs whose process is gone: a run still `running` in the store that no live process carries on is
closed as `interrupted`, so the dashboard and the next run's bookkeeping do not wait for it forever. The next
run of the entity resumes from the stored cursor, which never moved past unrecorded work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from erpsync_gui.store.db import Store
from erpsync_gui.store.models import RunRow

INTERRUPTED = "interrupted"
MESSAGE = "interrupted: the process running it stopped; the next run resumes from the cursor"


@dataclass(frozen=True)
class OpenRun:
    """A run the store still calls running."""

    id: int
    profile_id: int
    entity: str
    trigger: str
    host: str | None
    pid: int | None


def close_stale_runs(store: Store, is_alive: Callable[[OpenRun], bool], *, profile_id: int | None = None,
                     entity: str | None = None) -> list[int]:
    """Close every running run (of the profile and entity, when given) for which `is_alive` says False;
    returns their ids."""
    query = select(RunRow).where(RunRow.status == "running")
    if profile_id is not None:
        query = query.where(RunRow.profile_id == profile_id)
    if entity is not None:
        query = query.where(RunRow.entity == entity)
    closed: list[int] = []
    now = datetime.now(UTC)
    with store.session() as s, s.begin():
        for run in s.scalars(query.with_for_update()).all():
            if is_alive(OpenRun(run.id, run.profile_id, run.entity, run.trigger, run.host, run.pid)):
                continue
            run.status = INTERRUPTED
            run.message = MESSAGE
            run.finished_at = now
            started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
            run.duration_s = (now - started).total_seconds()
            closed.append(run.id)
    return closed
