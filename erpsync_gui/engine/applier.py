"""Applying one planned batch: the writes, then the link rows and outcomes that commit with them.

Creates are announced in the state store before they are sent (write-ahead): if the process dies, or
the target times out, between the write and its link, the next run finds the pending row and
reconciles by our origin marker and the natural keys before creating anything again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erpsync_gui import CHANNEL
from erpsync_gui.connectors.base import Connector
from erpsync_gui.engine.outcome_rows import jsonable, outcome_row
from erpsync_gui.engine.planner import Checksums
from erpsync_gui.engine.retire import retire
from erpsync_gui.engine.types import Action, PlanItem
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ERPSyncError,
    OutcomeUnknownError,
    QuotaExhaustedError,
    RetryableError,
)
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.records import BatchItemResult, Origin, Record, Side
from erpsync_gui.store.link import Link
from erpsync_gui.store.sync_state import BatchCommit, NewConflict, SyncState

#: failures that concern the whole endpoint, not the record: the run stops at once
RUN_STOPPERS = (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError)
# the sides and their text values as plain names (an enum member's attribute is a slower look-up, per record)
_CRM, _ERP = Side.CRM, Side.ERP
_SIDE_VALUES = {side: side.value for side in Side}
_CREATE = Action.CREATE
_UPDATES = frozenset({Action.UPDATE, Action.UPDATE_SOURCE})


@dataclass
class ApplyContext:
    entity: str
    run_id: int
    profile_id: int
    txn_id: str
    mapping: EntityMapping
    connectors: dict[Side, Connector]
    names: dict[Side, str]
    state: SyncState
    now: Callable[[], datetime]
    redact: Callable[[str], str]
    #: the batch's checksum memo (shared with planning)
    checksums: Checksums
    #: consecutive retryable write failures that stop the run
    max_consecutive_failures: int = 5
    #: look for older links naming the ids creates were given (False while the run started with no links:
    #: then every link names a record of this run)
    check_stale_holders: bool = True


class Applier:
    def __init__(self, ctx: ApplyContext) -> None:
        self.ctx = ctx
        self._consecutive = 0
        #: ids of the items whose write was carried out (or refused) - the rest never reached the target
        self._attempted: set[int] = set()
        #: per target side: can a create's outcome be unknown there
        self._unknowable: dict[Side, bool] = {}

    def apply(self, items: Sequence[PlanItem]) -> BatchCommit:
        """Carry out the writes of `items` (updating each item's action/error) and return the commit."""
        commit = BatchCommit()
        creates = [i for i in items if i.action is _CREATE]
        extra: list[PlanItem] = []
        if creates:
            self._announce([i for i in creates if self._outcome_may_be_unknown(i)])
            self._create(creates)
            extra = self._stale_holders(creates) if self.ctx.check_stale_holders else []
        if len(creates) < len(items):
            for item in items:
                if item.action in _UPDATES:
                    self._update(item)
                    if item.back_payload and item.action is Action.UPDATE:
                        self._update_back(item)
        now = self.ctx.now()  # the batch's rows commit together: they share one time
        for item in [*extra, *items] if extra else items:
            self._record(item, commit, now)
        return commit

    def _stale_holders(self, creates: Sequence[PlanItem]) -> list[PlanItem]:
        """Links that still name an id a create was just given: their record was deleted and the system
        gave its id to the new record. They are retired before the new link takes the id."""
        stale: list[PlanItem] = []
        by_side: dict[Side, dict[str, PlanItem]] = {}
        for item in creates:
            if item.action is Action.CREATE and item.target is not None and item.write_side is not None:
                by_side.setdefault(item.write_side, {})[item.target.id] = item
        for side, fresh in by_side.items():
            for record_id, link in self.ctx.state.links_by_ids(side, list(fresh)).items():
                own = fresh[record_id].link
                if link.id is not None and link.id != (own.id if own is not None else None):
                    survivor = link.erp_id if side is Side.CRM else link.crm_id
                    stale.append(retire(side, record_id, link, Record(survivor, {}) if survivor else None))
        return stale

    def partial_commit(self, items: Sequence[PlanItem]) -> BatchCommit:
        """After a run-stopping error mid-batch: record what was done; the rest stays unrecorded (the cursor
        does not move, so it is read again next run; announced creates are reconciled first)."""
        commit = BatchCommit()
        now = self.ctx.now()
        for item in items:
            if item.action in (Action.CREATE, Action.UPDATE, Action.UPDATE_SOURCE) and \
                    id(item) not in self._attempted:
                item.action, item.target, item.reason = Action.SKIP, None, "not attempted: the run stopped"
                continue
            if item.action is Action.CREATE and item.target is None:
                # sent, but no record came back: it waits, to be reconciled before it is sent again
                item.action, item.error = Action.FAILED, item.error or OutcomeUnknownError(
                    "the run stopped before the target confirmed this create")
            self._record(item, commit, now)
        return commit

    # -- writes ------------------------------------------------------------------------------
    def _outcome_may_be_unknown(self, item: PlanItem) -> bool:
        """A create needs its write-ahead unless the target commits it atomically and marks it with our origin:
        a crash after the target's commit and before ours then leaves a record that the next run finds again
        by its marker and links."""
        side = item.write_side
        if side is None:  # not a write: nothing to announce
            return False
        if side not in self._unknowable:
            caps = self.ctx.connectors[side].capabilities(self.ctx.names[side])
            self._unknowable[side] = not (caps.atomic_create and caps.origin_marker)
        return self._unknowable[side]

    def _announce(self, creates: list[PlanItem]) -> None:
        if not creates:
            return
        pending = []
        for item in creates:
            link = item.link or self._new_link(item.source_side, item.source.id)
            link.state = "pending"
            link.pending_side = item.source_side.value
            link.create_unknown = True
            item.link = link
            pending.append(link)
        self.ctx.state.persist_new_links(pending)

    def _create(self, creates: list[PlanItem]) -> None:
        by_side: dict[Side, list[PlanItem]] = {}
        for item in creates:
            by_side.setdefault(_write_of(item)[0], []).append(item)
        for side, group in by_side.items():
            connector, name = self.ctx.connectors[side], self.ctx.names[side]
            # a system without batch writes gets one create at a time, so that five failures in a row stop
            # the run before the rest is sent
            chunks = [group] if connector.capabilities(name).batch else [[item] for item in group]
            for chunk in chunks:
                results = connector.create_many(
                    name, [_write_of(i)[1] for i in chunk],
                    origins=[Origin(CHANNEL, i.source.id) for i in chunk], txn_id=self.ctx.txn_id,
                )
                self._created(chunk, results)

    def _created(self, chunk: list[PlanItem], results: Sequence[BatchItemResult]) -> None:
        """Take in every result before any of them may stop the run: a create counts as created only when
        the target gave its record back."""
        stop: Exception | None = None
        for result in results:
            item = chunk[result.index]
            self._attempted.add(id(item))
            if result.record is not None:
                item.target = result.record
                self._consecutive = 0
                continue
            error = result.error or OutcomeUnknownError("the target gave back no record and no error")
            try:
                self._failed(item, error)
            except RUN_STOPPERS as exc:
                item.error, item.action = error, Action.FAILED
                stop = stop or exc
        if stop is not None:
            raise stop

    def _update(self, item: PlanItem) -> None:
        side, payload = _write_of(item)
        current = item.target if side is not item.source_side else item.source
        assert current is not None, "an update is planned with the record it updates"
        self._attempted.add(id(item))
        try:
            written = self.ctx.connectors[side].update(
                self.ctx.names[side], current.id, payload, version=current.version, txn_id=self.ctx.txn_id)
        except RUN_STOPPERS:
            raise
        except ERPSyncError as exc:
            self._failed(item, exc)
            return
        self._consecutive = 0
        if side is item.source_side:
            item.source = written
        else:
            item.target = written

    def _update_back(self, item: PlanItem) -> None:
        """A merge's second write: the source takes the fields the twin won. Should it fail, the twin's write
        stands and the pair is retried (the merge then finds the twin's side already in step)."""
        side = item.source_side
        try:
            item.source = self.ctx.connectors[side].update(
                self.ctx.names[side], item.source.id, item.back_payload or {}, version=item.source.version,
                txn_id=self.ctx.txn_id)
        except RUN_STOPPERS:
            raise
        except ERPSyncError as exc:
            self._failed(item, exc)

    def _failed(self, item: PlanItem, error: Exception) -> None:
        if isinstance(error, RUN_STOPPERS):
            raise error
        item.error = error
        item.action = Action.FAILED
        if isinstance(error, RetryableError):
            self._consecutive += 1
            if self._consecutive >= self.ctx.max_consecutive_failures:
                raise CircuitOpenError(
                    f"{self._consecutive} writes in a row failed: {error}",
                    hint="the target system seems unavailable; the run stopped and the rest is retried next run")

    # -- bookkeeping -------------------------------------------------------------------------
    def _new_link(self, side: Side, source_id: str) -> Link:
        link = Link(profile_id=self.ctx.profile_id, entity=self.ctx.entity, state="pending", attempts=0,
                       create_unknown=False)
        if side is Side.CRM:
            link.crm_id = source_id
        else:
            link.erp_id = source_id
        return link

    def _record(self, item: PlanItem, commit: BatchCommit, now: datetime) -> None:
        action = item.action
        # an unchanged record costs nothing: no row is touched (a no-op re-sync must stay cheap)
        if action is Action.SKIP and (item.link is None or item.target is None):
            return
        if action is _CREATE and item.link is None and item.target is not None:
            # a create that needed no write-ahead: its link is written once, already synced (it has no errors to
            # settle, no conflict to resolve, and a routine create gets no outcome row)
            item.link = self._created_link(item, now)
            commit.links.append(item.link)
            return
        link = item.link or self._new_link(item.source_side, item.source.id)
        item.link = link
        absorbed = item.absorbed_link.id if item.absorbed_link is not None else None
        if absorbed is not None and action in (Action.LINK, Action.UPDATE, Action.UPDATE_SOURCE, Action.REBASELINE,
                                               Action.CONFLICT):
            commit.deleted_links.append(absorbed)
        if action in (Action.CREATE, Action.UPDATE, Action.UPDATE_SOURCE, Action.LINK, Action.REBASELINE):
            if link.id is not None and (link.state in ("pending", "failed") or link.attempts):
                # it failed before: the errors it left behind are settled by this sync (a link not stored
                # yet has none: a failure is always recorded with its link)
                commit.settled.setdefault(item.source_side, []).append(item.source.id)
            self._synced(link, item, now, wrote=action in (Action.CREATE, Action.UPDATE, Action.UPDATE_SOURCE))
            if link.id is not None and link.state == "synced":
                commit.resolved_conflict_links.append(link.id)
        elif action is Action.SKIP:
            # a change the policy discarded: remember we saw it, so it is not re-reported every run
            self._set_side(link, item.source_side, item.source)
            if link.id is not None:
                commit.links.append(link)
            return
        elif action is Action.DEFER:
            link.state = "pending"
            link.pending_side = item.source_side.value
        elif action is Action.RETIRE:
            commit.outcomes.append(self._outcome(item, now))  # while the link still names both records
            self._retire(link, item, now)
            if link.id is not None:
                # a conflict over a record that no longer exists has nothing left to decide; the
                # "deleted" outcome tells what happened
                commit.resolved_conflict_links.append(link.id)
        elif action is Action.CONFLICT:
            self._conflict(link, item, commit, now)
        elif action is Action.FAILED:
            self._failure(link, item)
        commit.links.append(link)
        # a routine create is counted in the run's totals, not given a row of its own
        if action in (Action.UPDATE, Action.UPDATE_SOURCE, Action.LINK, Action.CONFLICT, Action.FAILED):
            commit.outcomes.append(self._outcome(item, now))

    def _created_link(self, item: PlanItem, now: datetime) -> Link:
        """The link of a new pair in its final state, built in one go."""
        ctx = self.ctx
        target = item.target
        assert target is not None and item.write_side is not None, "a create is recorded with its new record"
        crm, erp = (item.source, target) if item.source_side is _CRM else (target, item.source)
        of = ctx.checksums.of
        # by position, in the order of Link's fields (id, still None, comes third): one per record adds up
        return Link(ctx.profile_id, ctx.entity, None, crm.id, erp.id, of(_CRM, crm), of(_ERP, erp), crm.version,
                    erp.version, crm.updated_at, erp.updated_at, ctx.txn_id, _SIDE_VALUES[item.write_side], now,
                    "synced")

    def _synced(self, link: Link, item: PlanItem, now: datetime, *, wrote: bool) -> None:
        self._set_side(link, item.source_side, item.source)
        if item.target is not None:
            self._set_side(link, item.source_side.other, item.target)
        link.state = "synced"
        link.pending_side = None
        link.create_unknown = False
        link.last_error = None
        link.attempts = 0
        link.last_synced_at = now
        link.deleted_side = link.deleted_at = None
        link.expected_side = link.expected_checksum = None
        if wrote:
            link.last_txn_id = self.ctx.txn_id
            link.last_written_side = _write_of(item)[0].value

    def _set_side(self, link: Link, side: Side, record: Record) -> None:
        checksum = self.ctx.checksums.of(side, record)
        if side is Side.CRM:
            link.crm_id, link.crm_checksum = record.id, checksum
            link.crm_version, link.crm_updated_at = record.version, record.updated_at
        else:
            link.erp_id, link.erp_checksum = record.id, checksum
            link.erp_version, link.erp_updated_at = record.version, record.updated_at

    def _conflict(self, link: Link, item: PlanItem, commit: BatchCommit, now: datetime) -> None:
        if item.target is not None:
            twin_side = item.source_side.other
            if (link.crm_id if twin_side is Side.CRM else link.erp_id) is None:
                if twin_side is Side.CRM:
                    link.crm_id = item.target.id
                else:
                    link.erp_id = item.target.id
        # both sides as seen now: until one of them changes again, the pair waits for a person
        self._set_side(link, item.source_side, item.source)
        if item.target is not None:
            self._set_side(link, item.source_side.other, item.target)
        link.state = "conflict"
        link.pending_side = None
        mapping = self.ctx.mapping
        crm = item.source if item.source_side is Side.CRM else item.target
        erp = item.target if item.source_side is Side.CRM else item.source
        commit.conflicts.append((link, NewConflict(
            crm_values=jsonable(mapping.to_common(Side.CRM, crm.data)) if crm else {},
            erp_values=jsonable(mapping.to_common(Side.ERP, erp.data)) if erp else {},
            reason=item.reason, created_at=now,
        )))

    def _retire(self, link: Link, item: PlanItem, now: datetime) -> None:
        assert item.deleted_side is not None
        # the deleted record's id is let go: a system may give it to a new record (SQLite, a restored backup),
        # which then is a record of its own (the outcome keeps the id)
        if item.deleted_side is Side.CRM:
            link.crm_id, link.crm_checksum = None, None
        else:
            link.erp_id, link.erp_checksum = None, None
        link.state = "deleted"
        link.deleted_side = item.deleted_side.value
        link.deleted_at = now
        link.pending_side = None
        link.create_unknown = False
        link.last_error = None

    def _failure(self, link: Link, item: PlanItem) -> None:
        error = item.error
        unknown = isinstance(error, OutcomeUnknownError)
        link.state = "pending" if unknown else "failed"
        # only a write that may have happened needs reconciling; a refused one certainly did not
        link.create_unknown = unknown and (link.erp_id if item.source_side is Side.CRM else link.crm_id) is None
        link.pending_side = item.source_side.value
        link.attempts = (link.attempts or 0) + 1
        link.last_error = self.ctx.redact(str(error))[:2000]
        if unknown and item.payload is not None and item.write_side is not None and item.action is Action.FAILED:
            written = item.target if item.write_side is not item.source_side else item.source
            if written is not None and (link.crm_id if item.write_side is Side.CRM else link.erp_id):
                # had the update landed, the record would read like this: then the change is ours, not a person's
                expected = {**written.data, **item.payload}
                link.expected_side = item.write_side.value
                link.expected_checksum = self.ctx.mapping.checksum(item.write_side, expected)

    def _outcome(self, item: PlanItem, now: datetime) -> dict[str, Any]:
        ctx = self.ctx
        return outcome_row(item, now, run_id=ctx.run_id, profile_id=ctx.profile_id, entity=ctx.entity,
                           redact=ctx.redact)


def _write_of(item: PlanItem) -> tuple[Side, dict[str, Any]]:
    """Where a planned write goes and what it sends: the planner gives both to every write it plans."""
    assert item.write_side is not None and item.payload is not None, f"a {item.action.value} without its write"
    return item.write_side, item.payload

