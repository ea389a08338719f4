"""What a run keeps of each batch it plans: its counts, the plan a dry run shows, each conflict reported once,
and a log line per failed record. A part of the run (engine/runner.py) of its own, for its one job."""

from __future__ import annotations

import logging
from collections import Counter
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from erpsync_gui.engine.types import Action, PlanItem
from erpsync_gui.records import Side

if TYPE_CHECKING:
    from erpsync_gui.engine.runner import PreparedRun, SyncEngine

log = logging.getLogger("erpsync.engine")

#: the run's column each planned action counts in
COUNTED = {
    Action.CREATE: "inserted", Action.UPDATE: "updated", Action.UPDATE_SOURCE: "updated",
    Action.LINK: "skipped", Action.REBASELINE: "skipped", Action.SKIP: "skipped", Action.DEFER: "skipped",
    Action.RETIRE: "skipped",
    Action.CONFLICT: "conflicts", Action.FAILED: "failed",
}

_action_of = attrgetter("action")


class RunTally:
    """The counting part of a run; the run sets these attributes before its first batch."""

    engine: SyncEngine
    p: PreparedRun
    entity: str
    counts: dict[str, int]
    plan: list[PlanItem]
    plan_truncated: int
    conflict_links: set[int]
    extra: dict[str, Any]
    side_totals: dict[Side, int]
    feed_processed: int

    @property
    def total(self) -> int | None:
        """Records this run will have counted: every source side's total plus what was counted outside the
        feeds; None (an indeterminate bar) until each source side has said how many it has."""
        sources = self.p.direction.sources()
        if any(side not in self.side_totals for side in sources):
            return None
        outside = self.counts["processed"] - self.feed_processed
        # a record edited during the run is read again: the count may pass the sides' totals
        return max(sum(self.side_totals[side] for side in sources) + outside, self.counts["processed"])

    def _dedupe_conflicts(self, items: list[PlanItem]) -> None:
        """In a two-way run a conflict shows up from both sides; it is reported once."""
        for item in items:
            if item.action is Action.CONFLICT and item.link is not None and item.link.id is not None:
                if item.link.id in self.conflict_links:
                    item.action, item.target = Action.SKIP, None
                self.conflict_links.add(item.link.id)

    def _keep_plan(self, items: list[PlanItem]) -> None:
        for item in items:
            if item.action is Action.SKIP:
                continue
            if len(self.plan) < self.engine.plan_cap:
                self.plan.append(item)
            else:
                self.plan_truncated += 1

    def _count(self, items: list[PlanItem]) -> None:
        counts = self.counts
        counts["processed"] += len(items)
        # the batch's actions counted in C, then added up once per kind of action
        for action, number in Counter(map(_action_of, items)).items():
            counts[COUNTED[action]] += number
            if action is Action.LINK:
                counts["linked"] += number
            elif action is Action.RETIRE and self.p.entity.on_delete == "propagate":
                counts["deletes"] += number

    def _log_failures(self, items: list[PlanItem]) -> None:
        for item in items:
            if item.action is Action.FAILED:
                log.warning("%s %s %s: %s", self.entity, item.source_side.value, item.source.id,
                            self.engine.redact(str(item.error)), extra={**self.extra, "per_record": True})
