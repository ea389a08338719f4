"""One run of one entity in one direction: changes -> mapping -> matching -> plan -> apply -> record."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from erpsync_gui.connectors.base import Connector, chunked
from erpsync_gui.connectors.partitions import IdRange, Partitioned
from erpsync_gui.engine import before_images, deletes
from erpsync_gui.engine.applier import Applier, ApplyContext
from erpsync_gui.engine.brake import BrakeCheck
from erpsync_gui.engine.brake import check as brake_check
from erpsync_gui.engine.currencies import check_currencies
from erpsync_gui.engine.fresh import FreshTarget, fresh_target
from erpsync_gui.engine.link_resolver import LinkResolver
from erpsync_gui.engine.matcher import Targets
from erpsync_gui.engine.merge import snapshots_of
from erpsync_gui.engine.planner import Checksums, PlanContext, plan_batch
from erpsync_gui.engine.preview_pages import PreviewPages
from erpsync_gui.engine.rate_window import RateWindow
from erpsync_gui.engine.retire import retire
from erpsync_gui.engine.run_tally import RunTally
from erpsync_gui.engine.run_words import DIRECTION_WORDS, KIND_WORDS, log_end, status_of, stopped_by
from erpsync_gui.engine.targets import check_and_bind
from erpsync_gui.engine.types import CancelToken, PlanItem, ProgressEvent, RunResult
from erpsync_gui.engine.write_groups import write_groups
from erpsync_gui.entities import spec
from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.profile import EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Page, Record, Side
from erpsync_gui.store.db import Store
from erpsync_gui.store.link import Link
from erpsync_gui.store.safety_queries import linked_count, never_synced
from erpsync_gui.store.sync_state import BatchCommit, SyncState, utcnow

log = logging.getLogger("erpsync.engine")

_RUN_COLUMNS = ("processed", "inserted", "updated", "skipped", "failed", "conflicts")
#: the ETA follows the rate of the last this many seconds of work (a slow start or a slow side fades out)
RATE_WINDOW_S = 30.0
#: the clock the progress rate is measured with (a test puts in its own)
progress_clock: Callable[[], float] = time.monotonic
#: the most records of one side the brake's preview keeps for the run to write from
REPLAY_CAP = 20_000


@dataclass(frozen=True)
class PreparedRun:
    """A run whose settings were checked before anything started."""

    entity: EntityConfig
    direction: Direction
    mapping: EntityMapping
    key_fields: list[tuple[str, str]]
    batch_size: int


class SyncEngine:
    """Runs syncs of one profile between two connectors, recording everything in the store."""

    def __init__(self, store: Store, profile: ProfileConfig, connectors: dict[Side, Connector], *,
                 clock: Callable[[], datetime] = utcnow, time_gate_s: float = 10.0,
                 redact: Callable[[str], str] = lambda text: text, plan_cap: int = 5000) -> None:
        if profile.id is None:
            raise ConfigError(f"profile {profile.name!r} is not saved yet")
        self.store = store
        self.profile = profile
        self.profile_id: int = profile.id
        self.connectors = connectors
        self.clock = clock
        self.time_gate = timedelta(seconds=time_gate_s)
        self.redact = redact
        self.plan_cap = plan_cap

    def prepare(self, entity: str, direction: Direction | None = None) -> PreparedRun:
        """Everything that can be checked without I/O; raises ConfigError naming what to fix."""
        spec(entity)
        cfg = self.profile.entity(entity)
        mapping = EntityMapping.from_config(cfg)
        if not mapping.field_names(Side.CRM):
            raise ConfigError(f"entity {entity!r} has no field mapping",
                              hint="add field rows to the entity in the profile file or the Mappings page")
        key_fields = mapping.key_pairs(cfg.match_keys)
        batch = cfg.batch_size or min(self.profile.crm.batch_size, self.profile.erp.batch_size)
        return PreparedRun(cfg, direction or cfg.direction, mapping, key_fields, max(1, batch))

    def run(self, entity: str, direction: Direction | None = None, *, dry_run: bool = False,
            trigger: str = "manual", full: bool = False,
            progress: Callable[[ProgressEvent], None] | None = None, cancel: CancelToken | None = None,
            only: Mapping[Side, Sequence[str]] | None = None,
            partition: tuple[Side, IdRange] | None = None, brake: bool = False,
            approved: bool = False) -> RunResult:
        """One run. `only` limits it to the given source records (retrying selected errors): no cursor
        is read or moved. `partition` reads one id range of one side (a part of a read in parts), likewise
        without cursor. With `brake`, a whole run is previewed first and held (status "held", nothing
        written) when it is a first sync or changes more than the entity's brake allows, unless `approved`
        (a person said apply). The application's runs set it; a run of chosen records or one part does not."""
        prepared = self.prepare(entity, direction)
        run = _Run(self, prepared, dry_run=dry_run, trigger=trigger, full=full,
                   progress=progress, cancel=cancel, only=only)
        run.partition = partition
        run.brake = brake and not dry_run and only is None and partition is None
        run.approved = approved
        return run.execute()


class _Run(RunTally):
    def __init__(self, engine: SyncEngine, prepared: PreparedRun, *, dry_run: bool, trigger: str, full: bool,
                 progress: Callable[[ProgressEvent], None] | None, cancel: CancelToken | None,
                 only: Mapping[Side, Sequence[str]] | None = None) -> None:
        self.only = only
        self.engine = engine
        self.p = prepared
        self.entity = prepared.entity.entity
        self.dry_run = dry_run
        self.trigger = trigger
        self.full = full
        self.progress = progress
        self.cancel = cancel
        self.state = SyncState(engine.store, engine.profile_id, self.entity)
        self.counts = dict.fromkeys((*_RUN_COLUMNS, "linked", "deletes"), 0)
        self.plan: list[PlanItem] = []
        self.plan_truncated = 0
        #: each source side's count of changed records, once its feed (or the retry list) said it
        self.side_totals: dict[Side, int] = {}
        #: records counted from the sides' feeds (the rest - earlier failures retried first, deletions - are
        #: counted on top of the sides' totals)
        self.feed_processed = 0
        self.started = time.monotonic()
        self._rate = RateWindow(RATE_WINDOW_S)
        self.conflict_links: set[int] = set()
        self.names = {side: prepared.entity.name_on(side) for side in Side}
        self.extra: dict = {"profile_id": engine.profile.id, "entity": self.entity}
        self.clock_offsets = {side: timedelta(seconds=engine.profile.endpoint(side).clock_offset_s or 0.0)
                              for side in Side}
        self.targets = {side: Targets(engine.connectors[side], self.names[side], side) for side in Side}
        self.reevaluate = False
        self.partition: tuple[Side, IdRange] | None = None
        #: the side being read, when its target was empty and the entity had no links as the read began
        self.fresh: FreshTarget | None = None
        self.brake = False
        self.approved = False
        self.brake_check: BrakeCheck | None = None
        #: what the brake's preview read, for the run to write from (see _pages)
        self.preview_pages = PreviewPages(REPLAY_CAP)

    def execute(self) -> RunResult:
        any_cursor = any(self.state.cursor(side) for side in self.p.direction.sources())
        kind = "dry-run" if self.dry_run else ("incremental" if any_cursor and not self.full else "full")
        self.run_id = self.state.start_run(self.p.direction.value, self.trigger, kind)
        self.extra["run_id"] = self.run_id
        self.txn_id = str(uuid.uuid4())
        log.info("%s: %s started (%s, %s)", self.entity, KIND_WORDS[kind], DIRECTION_WORDS[self.p.direction],
                 self.trigger, extra=self.extra)
        self._emit("starting")
        status, message, error_kind = "success", None, None
        try:
            self._describe_targets()
            if self.brake and not self.approved:  # an approved run has nothing to decide: no second read
                self.brake_check = self._preview()
            brake = self.brake_check
            held = brake is not None and brake.held
            for side in () if held else self.p.direction.sources():
                if self._cancelled():
                    break
                self._sync_side(side)
            if brake is not None and held:
                status, message = "held", brake.message
                log.warning("%s: held before writing: %s", self.entity, message, extra=self.extra)
            elif self._cancelled():
                status, message = "cancelled", "cancelled by the user; the finished batches are kept"
        except Exception as exc:  # a bug must not take the app down either: the run says what happened
            status, message, error_kind = self._stopped_by(exc, "%s sync")
        if status == "success":
            # a whole run is not "success" while earlier conflicts wait; a retry of chosen records speaks of them
            waiting = self.state.open_conflicts() if not self.dry_run and self.only is None else 0
            status, message = status_of(self.counts, waiting)
        # a held run wrote nothing: its row says so (the preview's counts travel in the result)
        counts = {k: 0 if status == "held" else self.counts[k] for k in _RUN_COLUMNS}
        self.state.finish_run(self.run_id, status, counts, message,
                              count_in_stats=not self.dry_run and status != "held", error_kind=error_kind)
        duration = time.monotonic() - self.started
        log_end(self.entity, status, duration, self.counts, message, dry_run=self.dry_run, extra=self.extra)
        self._emit("finished", message or "")
        return RunResult(self.run_id, self.entity, self.p.direction, status, dict(self.counts), message,
                         duration, self.dry_run, tuple(self.plan), self.plan_truncated, error_kind,
                         brake=self.brake_check)

    def _stopped_by(self, exc: Exception, what: str) -> tuple[str, str, str | None]:
        """The status, message and error kind of a run ended by `exc`, logged as `what` (e.g. "%s sync")."""
        return stopped_by(exc, what, self.entity, self.extra, self.engine.redact)

    def _preview(self) -> BrakeCheck:
        """The whole run planned without a write, and the brake's verdict on it. When the run may go on, what
        the preview counted is forgotten and the run reads again for real."""
        cfg = self.p.entity
        profile_id = self.engine.profile_id
        first = (cfg.review_first_sync and not self.engine.profile.demo
                 and never_synced(self.engine.store, profile_id, self.entity))
        linked = linked_count(self.engine.store, profile_id, self.entity)
        # the preview reports no progress of its own: the run's counts and bar start when it writes
        self.dry_run, progress, self.progress = True, self.progress, None
        self.preview_pages.previewing = True
        try:
            for side in self.p.direction.sources():
                if self._cancelled():
                    break
                self._sync_side(side)
        finally:
            self.dry_run, self.progress, self.preview_pages.previewing = False, progress, False
        verdict = brake_check(self.entity, changes=self.counts["updated"] + self.counts["deletes"],
                              creates=self.counts["inserted"],
                              linked=linked, percent=cfg.brake_percent, records=cfg.brake_records,
                              first_sync=first, approved=self.approved, floor=cfg.brake_min)
        if not verdict.held:
            self.counts = dict.fromkeys(self.counts, 0)
            self.plan, self.plan_truncated = [], 0
            self.side_totals, self.feed_processed = {}, 0
            self.conflict_links = set()
            self._rate.clear()
        return verdict

    def _cancelled(self) -> bool:
        return bool(self.cancel is not None and self.cancel.cancelled)

    def _describe_targets(self) -> None:
        """Both systems' fields of the entity: mapped names they lack stop the run before any write, and the
        mapping learns what each target does with an empty value."""
        described = {side: self.engine.connectors[side].describe(self.names[side]) for side in Side}
        check_and_bind(self.p.mapping, described, self.entity)
        check_currencies(self.p.mapping, self.engine.connectors, self.entity)

    # -- reading -----------------------------------------------------------------------------
    def _sync_side(self, side: Side) -> None:
        connector = self.engine.connectors[side]
        name = self.names[side]
        if self.partition is not None:
            if side is self.partition[0]:
                self._sync_partition(side, connector, name, self.partition[1])
            return
        if self.only is not None:
            self.side_totals[side] = len(self.only.get(side, ()))
            for ids in chunked(list(self.only.get(side, ())), self.p.batch_size):
                found = connector.get_many(name, ids)
                self._batch(side, [found[i] for i in ids if i in found], cursor=None, phase="retrying", feed=True)
                if self._cancelled():
                    return
            return
        retried: set[str] = set()
        for records in self._waiting(side, connector, name):
            retried.update(r.id for r in records)
            self._batch(side, records, cursor=None, phase="retrying")
            if self._cancelled():
                return
        fingerprint = self.p.mapping.fingerprint
        stored = self.state.mapping_fingerprint(side)
        # the mapping changed since this side was last read: every linked record is compared again under it
        self.reevaluate = stored is not None and stored != fingerprint
        if self.reevaluate:
            log.info("%s: the mapping changed since the last sync; every %s record is compared again", self.entity,
                     side.value.upper(), extra=self.extra)
        cursor = None if self.full or self.reevaluate else self.state.cursor(side)
        if self.p.direction.writes_to(side.other):
            self.fresh = fresh_target(self.engine.connectors[side.other], self.names[side.other], self.p.key_fields,
                                      side.other, has_links=self.state.has_links())
        if self.fresh is not None:
            log.info("%s: the %s holds no %s yet; new records are created without looking for twins", self.entity,
                     side.other.value.upper(), self.names[side.other], extra=self.extra)
        #: every record a read without a cursor met: a linked record it did not meet was deleted
        seen: set[str] | None = set(retried) if cursor is None else None
        for page in self._write_groups(side, self._pages(side, connector, name, cursor)):
            if side not in self.side_totals and page.total is not None:
                self.side_totals[side] = page.total
            new_cursor = (side, page.cursor) if page.cursor and not self.dry_run else None
            # a record the retry pass just handled may come again from the (inclusive) cursor: once per run
            fresh = [r for r in page.records if r.id not in retried] if retried else list(page.records)
            if seen is not None:
                seen.update(r.id for r in page.records)
            self._batch(side, fresh, cursor=new_cursor, phase="applying", feed=True)
            if page.deleted:
                self._gone(side, list(self.state.links_by_ids(side, list(page.deleted)).values()))
            if self._cancelled():
                return
            if page.complete and seen is not None:
                self._gone(side, self.state.linked_except(side, seen))
                if not self.dry_run:
                    self.state.set_mapping_fingerprint(side, fingerprint)
        if stored is None and not self.dry_run and not self._cancelled():
            self.state.set_mapping_fingerprint(side, fingerprint)
        self.reevaluate = False
        self.fresh = None

    def _pages(self, side: Side, connector: Connector, name: str, cursor: str | None) -> Iterator[Page]:
        """The side's changes, from the brake preview's read where it kept one (see PreviewPages)."""
        first = side is self.p.direction.sources()[0]
        return self.preview_pages.pages(side, lambda: connector.changes(name, cursor, self.p.batch_size),
                                        first=first, cancelled=self._cancelled)

    def _write_groups(self, side: Side, pages: Iterator[Page]) -> Iterator[Page]:
        """The pages, written together in groups where the target writes more records well in one batch."""
        if not self.p.direction.writes_to(side.other):
            return pages
        target = side.other
        limit = self.engine.connectors[target].capabilities(self.names[target]).write_batch
        # a target without a write batch of its own (0) takes each page as the batch it is
        return write_groups(pages, limit, self._cancelled) if limit else pages

    def _sync_partition(self, side: Side, connector: Connector, name: str, part: IdRange) -> None:
        """One id range of a read in parts: its records only. No cursor moves and no deletes are concluded:
        one part is not a whole read (the service moves the cursor once every part has committed)."""
        if not isinstance(connector, Partitioned):
            raise ConfigError(f"the {side.value.upper()} connector cannot read {self.entity} in parts")
        for page in connector.read_partition(name, part, self.p.batch_size):
            self._batch(side, list(page.records), cursor=None, phase="applying")
            if self._cancelled():
                return

    def _waiting(self, side: Side, connector: Connector, name: str) -> Iterator[list[Record]]:
        """Records that failed or were deferred earlier: fetched again and retried first."""
        waiting = self.state.waiting_links(side)
        for chunk in chunked(waiting, self.p.batch_size):
            ids = [i for link in chunk if (i := link.id_on(side)) is not None]
            found = connector.get_many(name, ids)
            self._gone(side, [link for link in chunk if link.id_on(side) not in found])
            if found:
                yield [found[i] for i in ids if i in found]

    def _gone(self, side: Side, links: list[Link]) -> None:
        """Records of `side` that were deleted: a half-link (nothing was synced yet) is dropped with its open
        errors; a link to a twin is retired once, with one outcome, and the twin is left as it is."""
        if not links:
            return
        if self.dry_run:
            if self.p.entity.on_delete == "propagate":  # a delete to write: shown, and counted by the brake
                planned = [retire(side, link.id_on(side) or "", link) for link in links
                           if link.id_on(side.other) is not None and link.state != "deleted"]
                self._keep_plan(planned)
                self._count(planned)
            return
        orphans = [link for link in links if link.id_on(side.other) is None]
        if orphans:
            self.state.forget(orphans, side)
        retired = [retire(side, link.id_on(side) or "", link)
                   for link in links if link.id_on(side.other) is not None and link.state != "deleted"]
        if retired:
            self._apply(retired, cursor=None)
            self._count(retired)

    # -- one batch ---------------------------------------------------------------------------
    def _batch(self, side: Side, records: list[Record], *, cursor: tuple[Side, str] | None, phase: str,
               feed: bool = False) -> None:
        if not records:
            if cursor is not None:
                self.state.commit(BatchCommit(cursor=cursor))
            return
        engine = self.engine
        checksums = Checksums(self.p.mapping)
        ctx = PlanContext(
            entity=self.entity, mapping=self.p.mapping, policy=self.p.entity.policy,
            direction=self.p.direction, key_fields=self.p.key_fields, connectors=engine.connectors,
            names=self.names, state=self.state, resolver=LinkResolver(self.state),
            now=engine.clock(), time_gate=engine.time_gate, checksums=checksums, show_creates=self.dry_run,
            clock_offsets=self.clock_offsets, targets=self.targets, reevaluate=self.reevaluate, fresh=self.fresh,
            merge_fallback=self.p.entity.merge_fallback,
        )
        items = plan_batch(ctx, side, records)
        self._dedupe_conflicts(items)
        if self.dry_run:
            self._keep_plan(items)
        else:
            self._apply(items, cursor, checksums)
        if self.fresh is not None:
            self.fresh.remember(items)
        self._count(items)
        if feed:
            self.feed_processed += len(items)
        self._log_failures(items)
        self._emit(phase)

    def _apply(self, items: list[PlanItem], cursor: tuple[Side, str] | None,
               checksums: Checksums | None = None) -> None:
        """Carry out planned items and commit them (links, outcomes, conflicts and the cursor together)."""
        engine = self.engine
        applier = Applier(ApplyContext(
            entity=self.entity, run_id=self.run_id, profile_id=engine.profile_id, txn_id=self.txn_id,
            mapping=self.p.mapping, connectors=engine.connectors, names=self.names, state=self.state,
            now=engine.clock, redact=engine.redact, checksums=checksums or Checksums(self.p.mapping),
            check_stale_holders=self.fresh is None,
        ))
        taken = before_images.capture(items, self.p.mapping)
        # the twins of deleted records are dealt with (queued, or deleted) before their links are retired
        twins = deletes.twins_of(items) if self.p.entity.on_delete != "ignore" else []
        queued = deletes.handle(self.p.entity.on_delete, twins, engine.connectors, self.names,
                                profile_id=engine.profile_id, entity=self.entity, now=engine.clock())
        # the outcome says what became of the twin (the applier's words are those of `ignore`)
        told = {(item.crm_id, item.erp_id): item.reason for item, _twin in twins}
        try:
            commit = applier.apply(items)
        except BaseException:
            # stop, but keep what this batch already wrote (without moving the cursor)
            partial = applier.partial_commit(items)
            partial.pending_deletes = queued
            self._safety_nets(partial, items, taken, applier.ctx.checksums)
            self.state.commit(partial)
            self._count(items)
            raise
        commit.cursor = cursor
        commit.pending_deletes = queued
        for outcome in commit.outcomes:
            if outcome["action"] == "deleted" and (outcome["crm_id"], outcome["erp_id"]) in told:
                outcome["message"] = told[(outcome["crm_id"], outcome["erp_id"])]
        self._safety_nets(commit, items, taken, applier.ctx.checksums)
        self.state.commit(commit)

    def _safety_nets(self, commit: BatchCommit, items: list[PlanItem], taken: dict, checksums: Checksums) -> None:
        """What undo and the merge policy need of a batch: its writes' before-images, its pairs' bases."""
        commit.snapshots = snapshots_of(self.p.mapping, items, checksums.canonical)
        commit.before_images = before_images.rows(items, taken, run_id=self.run_id, profile_id=self.engine.profile_id,
                                                  entity=self.entity, now=self.engine.clock())

    def _emit(self, phase: str, message: str = "") -> None:
        if self.progress is None:
            return
        c = self.counts
        total = self.total
        eta = None if phase == "finished" else self._rate.eta(progress_clock(), self.counts["processed"], total)
        self.progress(ProgressEvent(
            run_id=self.run_id, entity=self.entity, phase=phase, processed=c["processed"], total=total,
            inserted=c["inserted"], updated=c["updated"], skipped=c["skipped"], failed=c["failed"],
            conflicts=c["conflicts"], eta_seconds=eta, message=message,
        ))
