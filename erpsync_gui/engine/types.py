"""Values the engine hands out: requests, plan items, progress events, run results, the cancel token."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from erpsync_gui.records import Direction, Record, Side
from erpsync_gui.store.link import Link

if TYPE_CHECKING:
    from erpsync_gui.engine.brake import BrakeCheck


class Action(StrEnum):
    CREATE = "create"  # new record on the target side
    UPDATE = "update"  # the source's values written over the target's twin
    UPDATE_SOURCE = "update_source"  # a conflict the target won: its values written back to the source
    LINK = "link"  # an existing twin found by key, already equal: only the link is recorded
    REBASELINE = "rebaseline"  # nothing to write, but the link's checksums are refreshed
    SKIP = "skip"  # unchanged, or a change the policy discards
    CONFLICT = "conflict"  # both sides changed; queued for a person (manual policy)
    DEFER = "defer"  # changed again right after our write; looked at again next run
    RETIRE = "retire"  # one side's record was deleted: the link is retired, the other record left as it is
    FAILED = "failed"


#: actions that write to an external system
WRITES = frozenset({Action.CREATE, Action.UPDATE, Action.UPDATE_SOURCE})


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class PlanItem:
    """What the engine intends for one source record (and, after apply, what happened)."""

    action: Action
    source_side: Side
    source: Record
    reason: str
    target: Record | None = None
    #: the side written to (target side, or the source side for UPDATE_SOURCE)
    write_side: Side | None = None
    payload: dict[str, Any] | None = None
    changes: list[FieldChange] = field(default_factory=list)
    error: Exception | None = None
    #: the link row this item belongs to, when there is one
    link: Link | None = None
    #: the twin's half-link, merged into `link` when both halves meet (deleted at commit)
    absorbed_link: Link | None = None
    #: for RETIRE: the side whose record was deleted
    deleted_side: Side | None = None
    #: a merge's second write: the fields the source side takes from the twin (UPDATE only)
    back_payload: dict[str, Any] | None = None

    @property
    def crm_id(self) -> str | None:
        return self._id(Side.CRM)

    @property
    def erp_id(self) -> str | None:
        return self._id(Side.ERP)

    def _id(self, side: Side) -> str | None:
        if self.source_side is side:
            return self.source.id
        if self.target is not None:
            return self.target.id
        if self.link is not None:
            return self.link.crm_id if side is Side.CRM else self.link.erp_id
        return None


@dataclass(frozen=True)
class RunRequest:
    profile_name: str
    entity: str
    direction: Direction | None = None  # None: the entity's configured direction
    dry_run: bool = False
    trigger: str = "manual"  # manual | scheduled | cli | webhook
    #: ignore stored cursors and compare everything (a full resync)
    full: bool = False


@dataclass(frozen=True)
class ProgressEvent:
    run_id: int
    entity: str
    phase: str  # starting | retrying | reading | applying | finished
    processed: int
    total: int | None
    inserted: int
    updated: int
    skipped: int
    failed: int
    conflicts: int
    eta_seconds: float | None
    message: str = ""


@dataclass(frozen=True)
class RunResult:
    run_id: int
    entity: str
    direction: Direction
    status: str  # success | partial | failed | cancelled | held (stopped by the brake before writing)
    counts: Mapping[str, int]
    message: str | None
    duration_s: float
    dry_run: bool = False
    #: the plan of a dry run (capped; `plan_truncated` says how many more there were)
    plan: tuple[PlanItem, ...] = ()
    plan_truncated: int = 0
    #: the kind of the error that ended the run as a whole ("config" when the settings need fixing,
    #: "quota_exhausted" for a run paused by a quota, "internal" for a crash), None when it ran to its end
    error_kind: str | None = None
    #: applying a reviewed plan: its items whose records changed since the preview, not applied (each
    #: `reason` says what changed)
    not_applied: tuple[PlanItem, ...] = ()
    #: the mass-change brake's verdict on the run's preview (None: the run was not braked)
    brake: BrakeCheck | None = None

    @property
    def held(self) -> bool:
        return self.status == "held"

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)


class CancelToken:
    """Set from any thread; the engine checks it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
