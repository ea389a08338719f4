"""Applying the plan a person reviewed, exactly: the items of a dry run, not a fresh sync.

Each planned record (and its twin) is read again and its checksum compared with the one the preview saw; the
link store and the natural keys are asked whether another run or a person linked or created its twin since.
Items whose records are as the preview showed them are applied through the engine's Applier, with the
payloads the preview showed; the others come back in `RunResult.not_applied`, each saying what changed, for
a person to look at again. No cursor moves: the next sync still reads what was left out.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Sequence

from erpsync_gui.connectors.base import chunked
from erpsync_gui.engine.link_resolver import LinkResolver
from erpsync_gui.engine.matcher import find_twins
from erpsync_gui.engine.planner import Checksums
from erpsync_gui.engine.run_words import status_of
from erpsync_gui.engine.runner import SyncEngine, _Run
from erpsync_gui.engine.types import WRITES, Action, CancelToken, PlanItem, ProgressEvent, RunResult
from erpsync_gui.errors import ConfigError, MappingError
from erpsync_gui.records import Record, Side
from erpsync_gui.store.link import Link

log = logging.getLogger("erpsync.engine")

#: the kind of run the state database records for an applied preview
KIND = "reviewed"


def apply_plan(engine: SyncEngine, reviewed: RunResult, *, trigger: str = "manual",
               progress: Callable[[ProgressEvent], None] | None = None,
               cancel: CancelToken | None = None) -> RunResult:
    """Apply the plan of the dry run `reviewed`; ConfigError when it is not a dry run's plan."""
    if not reviewed.dry_run:
        raise ConfigError("only the plan of a preview (dry run) can be applied")
    prepared = engine.prepare(reviewed.entity, reviewed.direction)
    return _PlanRun(engine, prepared, reviewed, trigger, progress, cancel).execute()


def _link_key(link: Link | None) -> tuple | None:
    """What of a link decides a plan: a different value means another run (or a person) got there first."""
    if link is None:
        return None
    return (link.id, link.crm_id, link.erp_id, link.crm_checksum, link.erp_checksum, link.state, link.pending_side)


def _label(side: Side) -> str:
    return side.value.upper()


def _source_exists(item: PlanItem) -> bool:
    """A retirement whose source is the deleted record has nothing to read again."""
    return item.action is not Action.RETIRE or item.deleted_side is not item.source_side


def _twin_exists(item: PlanItem) -> bool:
    return item.target is not None and item.action is not Action.RETIRE


class _PlanRun(_Run):
    """A run whose work is a reviewed plan; reading, counting and committing are the engine's own."""

    def __init__(self, engine: SyncEngine, prepared, reviewed: RunResult, trigger: str, progress, cancel) -> None:
        super().__init__(engine, prepared, dry_run=False, trigger=trigger, full=False, progress=progress,
                         cancel=cancel, only={})
        self.reviewed = reviewed
        self.not_applied: list[PlanItem] = []
        #: links this run wrote: a two-way plan may hold a pair from both sides, and the second is done already
        self._touched: set[int] = set()
        self._pairs: set[tuple[str | None, str | None]] = set()

    def execute(self) -> RunResult:
        self.run_id = self.state.start_run(self.p.direction.value, self.trigger, KIND)
        self.extra["run_id"] = self.run_id
        self.txn_id = str(uuid.uuid4())
        log.info("%s: applying the reviewed plan of preview run %d (%d items)", self.entity, self.reviewed.run_id,
                 len(self.reviewed.plan), extra=self.extra)
        self._emit("starting")
        status, message, error_kind = "success", None, None
        try:
            self._describe_targets()
            self._apply_reviewed()
            if self._cancelled():
                status, message = "cancelled", "cancelled by the user; the finished batches are kept"
        except Exception as exc:  # a bug must not take the app down either: the run says what happened
            status, message, error_kind = self._stopped_by(exc, "%s: applying the plan")
        if status == "success":
            status, message = status_of(self.counts, self.state.open_conflicts())
        if self.not_applied and status in ("success", "partial"):
            note = (f"{len(self.not_applied)} planned record{'s' * (len(self.not_applied) != 1)} changed since "
                    "the preview and were not applied")
            status, message = "partial", f"{note}; {message}" if message else note
        counts = {k: self.counts[k] for k in ("processed", "inserted", "updated", "skipped", "failed", "conflicts")}
        self.state.finish_run(self.run_id, status, counts, message, error_kind=error_kind)
        c = self.counts
        log.info("%s: reviewed plan %s - %d applied, %d created, %d updated, %d failed, %d not applied%s",
                 self.entity, status, c["processed"], c["inserted"], c["updated"], c["failed"],
                 len(self.not_applied), f" ({message})" if message else "", extra=self.extra)
        self._emit("finished", message or "")
        return RunResult(self.run_id, self.entity, self.p.direction, status, dict(self.counts), message,
                         time.monotonic() - self.started, False, (), 0, error_kind,
                         not_applied=tuple(self.not_applied))

    def _apply_reviewed(self) -> None:
        """The plan in its own order, in batches of one source side each (as the run that planned it read them)."""
        items = [item for item in self.reviewed.plan if item.action is not Action.SKIP]
        for side in self.p.direction.sources():
            self.side_totals[side] = 0
        runs: list[list[PlanItem]] = []
        for item in items:
            if runs and runs[-1][0].source_side is item.source_side:
                runs[-1].append(item)
            else:
                runs.append([item])
        for group in runs:
            for chunk in chunked(group, self.p.batch_size):
                if self._cancelled():
                    return
                self._apply_batch(chunk)

    def _apply_batch(self, chunk: list[PlanItem]) -> None:
        checksums = Checksums(self.p.mapping)
        fresh = [item for item in self._recheck(chunk, checksums) if self._first_time(item)]
        for item in fresh:
            self.side_totals[item.source_side] = self.side_totals.get(item.source_side, 0) + 1
        if not fresh:
            return
        self._apply(fresh, None, checksums)
        self._touched.update(item.link.id for item in fresh if item.link is not None and item.link.id is not None)
        self._count(fresh)
        self.feed_processed += len(fresh)
        self._log_failures(fresh)
        self._emit("applying")

    def _first_time(self, item: PlanItem) -> bool:
        """False for a pair this run applies already: a two-way plan holds a pair found by its key from both
        sides, and the second would make a second link."""
        pair = (item.crm_id, item.erp_id)
        if None in pair:
            return True
        if pair in self._pairs:
            return False
        self._pairs.add(pair)
        return True

    # -- is the plan still what the preview showed? -------------------------------------------------------
    def _recheck(self, items: Sequence[PlanItem], checksums: Checksums) -> list[PlanItem]:
        """The items whose records are as the preview saw them, made from the records read now; the others
        go to `not_applied` with what changed."""
        by_side: dict[Side, list[PlanItem]] = {}
        for item in items:
            by_side.setdefault(item.source_side, []).append(item)
        fresh: list[PlanItem] = []
        for side, group in by_side.items():
            fresh += self._recheck_side(side, group, checksums)
        return fresh

    def _read(self, side: Side, ids: Sequence[str]) -> dict[str, Record]:
        wanted = sorted({i for i in ids if i})
        return self.engine.connectors[side].get_many(self.names[side], wanted) if wanted else {}

    def _recheck_side(self, side: Side, group: list[PlanItem], checksums: Checksums) -> list[PlanItem]:
        other = side.other
        sources = self._read(side, [i.source.id for i in group if _source_exists(i)])
        twins = self._read(other, [i.target.id for i in group if i.target is not None and _twin_exists(i)])
        links = self.state.links_by_ids(side, [i.source.id for i in group])
        twin_links = self.state.links_by_ids(other, [i.target.id for i in group if i.target is not None])
        kept: list[tuple[PlanItem, PlanItem]] = []
        for item in group:
            link = links.get(item.source.id)
            if link is not None and link.id in self._touched:
                continue  # the same pair, planned from the other side too: this run has just written it
            why, now = self._what_changed(item, side, sources, twins, links, twin_links, checksums)
            if why is None:
                kept.append((item, now))
            else:
                self.not_applied.append(dataclasses.replace(item, reason=f"not applied: {why}"))
        creates = [(item, now) for item, now in kept if now.action is Action.CREATE]
        found = self._twins_since(side, [now for _item, now in creates])
        result = []
        for item, now in kept:
            match = found.get(now.source.id) if now.action is Action.CREATE else None
            if match is not None:
                self.not_applied.append(dataclasses.replace(
                    item, reason=f"not applied: a matching {_label(other)} record exists now ({match})"))
            else:
                result.append(now)
        return result

    def _what_changed(self, item: PlanItem, side: Side, sources: dict[str, Record], twins: dict[str, Record],
                      links: dict[str, Link], twin_links: dict[str, Link],
                      checksums: Checksums) -> tuple[str | None, PlanItem]:
        other = side.other
        source, twin = item.source, item.target
        if _source_exists(item):
            fresh = sources.get(item.source.id)
            if fresh is None:
                return f"the {_label(side)} record was deleted since the preview", item
            source = fresh
            if checksums.of(side, source) != checksums.of(side, item.source):
                return f"the {_label(side)} record changed since the preview", item
        if item.target is not None and _twin_exists(item):
            twin = twins.get(item.target.id)
            if twin is None:
                return f"its {_label(other)} twin was deleted since the preview", item
            if checksums.of(other, twin) != checksums.of(other, item.target):
                return f"its {_label(other)} twin changed since the preview", item
        twin_link = twin_links.get(item.target.id) if item.target is not None else None
        link = links.get(item.source.id)
        if link is None and item.link is not None and item.link.id_on(side) is None:
            link = twin_link  # the plan adopts the twin's own half-link (matched by key)
        if _link_key(link) != _link_key(item.link):
            return "another sync linked or changed this record since the preview", item
        taken = twin_link if item.absorbed_link is not None else None
        if item.absorbed_link is not None and _link_key(taken) != _link_key(item.absorbed_link):
            return f"the {_label(other)} twin's link changed since the preview", item
        if item.action in WRITES:
            problem = self._payload_differs(item, source, twin)
            if problem:
                return problem, item
        return None, dataclasses.replace(item, source=source, target=twin, link=link, absorbed_link=taken,
                                         changes=list(item.changes))

    def _payload_differs(self, item: PlanItem, source: Record, twin: Record | None) -> str | None:
        """The values the preview showed are still what the mapping makes of the records (a changed mapping,
        or a lookup linked since, would write something else)."""
        write_side = item.write_side or item.source_side.other
        basis = twin if item.action is Action.UPDATE_SOURCE else source
        if basis is None:
            return None
        try:
            now = self.p.mapping.map_record(basis.data, to=write_side, resolver=LinkResolver(self.state))
        except MappingError as exc:
            return f"it cannot be mapped any more ({exc})"
        if now != item.payload:
            return "the values to write are not the ones the preview showed (the mapping or a linked record changed)"
        return None

    def _twins_since(self, side: Side, creates: list[PlanItem]) -> dict[str, str]:
        """Planned creates whose twin can be found now (made by a person or another run since the preview):
        creating them would make a duplicate."""
        if not creates:
            return {}
        matches = find_twins(
            state=self.state, source=self.engine.connectors[side], source_entity=self.names[side],
            target=self.targets[side.other], sources=[i.source for i in creates],
            payloads={i.source.id: i.payload or {} for i in creates}, key_fields=self.p.key_fields,
            mapping=self.p.mapping)
        found = {}
        for source_id, match in matches.items():
            if match.record is not None:
                found[source_id] = f"{_label(side.other)} {match.record.id}, {match.how}"
            elif match.error is not None or match.deleted is not None:
                found[source_id] = str(match.error or f"its twin {match.deleted} was deleted")
        return found
