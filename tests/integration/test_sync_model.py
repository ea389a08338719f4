"""A model-based test of the whole engine: random two-sided histories against the real sandbox ERP and a
Perfex-style SQLite CRM, with faults, deletes, policy changes, runs stopped mid-batch and a lost state
database. After every sync nothing is duplicated and every link points at records that exist (or says
they were deleted); after every settle no one-sided change is lost, both sides agree, failed records have
landed and a repeat sync writes nothing.

CI runs ERPSYNC_MODEL_HISTORIES (default 200: about 1.3 s a history on a busy 2-core machine, so CI's whole
run stays within its time) histories; `python -m tests.reliability --full` runs 3,000. The number run and
the time they took are printed with the other proof figures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sqlalchemy import select

from erpsync_gui.engine.types import CancelToken
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.safety_models import PendingDeleteRow
from tests.reliability.figures import report
from tests.sync_harness import EDITABLE, Harness

HISTORIES = int(os.environ.get("ERPSYNC_MODEL_HISTORIES", "200"))
STEPS = int(os.environ.get("ERPSYNC_MODEL_STEPS", "14"))
POLICIES = ("crm_wins", "erp_wins", "newest_wins", "manual")
ON_DELETE = ("ignore", "queue", "propagate")
# newest_wins may leave a first link to a person (a CRM table without modification times): it is used
# between settles, not to settle
SETTLE_POLICIES = ("crm_wins", "erp_wins")
COMPANIES = ("Aryan Co", "Ștefan SRL", "Müller GmbH", "شرکت پارس", "Nord Impex", "Größe AG")
CITIES = ("Brașov", "Köln", "تهران", "Iași", None, "")
PHONES = ("0721 000 111", "+49 30 1234", "021-8888", None)
FAULTS = ("none", "5xx", "lost_reply", "429", "bad_reply_id")
_SHARED: dict[str, Any] = {}


def _blank(value: Any) -> Any:
    return None if value in (None, "") else value


@dataclass
class Pair:
    """One customer number, as the model knows it: which side has it, what people did to it since the last
    settle, and whether the outcome depends on a conflict policy."""

    number: str
    #: a person created it on this side (the engine creates the twin)
    origin: set[Side] = field(default_factory=set)
    #: fields people changed on each side since the last settle, with the value they left
    edits: dict[Side, dict[str, Any]] = field(default_factory=lambda: {Side.CRM: {}, Side.ERP: {}})
    #: both sides changed (or it was created on both): the policy decides, so any side's values may win
    contested: bool = False
    #: the side deleted by a person, and the id the record had; the other record must be left as it was
    deleted: Side | None = None
    deleted_id: str | None = None
    survivor: dict[str, Any] | None = None


class SyncHistory(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.h: Harness = _SHARED["harness"]
        self.h.reset()
        self.pairs: dict[str, Pair] = {}
        self.numbers = 0
        self.fault = "none"
        #: records deleted since that side was last read in full (a link may still name them)
        self.unnoticed: dict[Side, set[str]] = {Side.CRM: set(), Side.ERP: set()}
        #: what a delete does to the twin in this history (ignore, queue or propagate)
        self.on_delete = "ignore"
        _SHARED["histories"] = _SHARED.get("histories", 0) + 1

    # -- people ----------------------------------------------------------------------------------
    @initialize(on_delete=st.sampled_from(ON_DELETE))
    def a_delete_setting(self, on_delete: str) -> None:
        self.on_delete = on_delete

    @initialize()
    def a_few_records(self) -> None:
        for side in (Side.CRM, Side.ERP, Side.CRM):
            self._create(side, None)

    def _row(self, side: Side, number: str) -> tuple[str, dict] | None:
        rows = self.h.crm_rows() if side is Side.CRM else self.h.erp_rows()
        found = [(rid, row) for rid, row in rows.items() if row.get("customer_number") == number]
        assert len(found) <= 1, f"two {side.value} records with customer number {number}"
        return found[0] if found else None

    def _create(self, side: Side, twin_of: str | None, company: str = "Nord Impex") -> None:
        if twin_of is None:
            self.numbers += 1
            number = f"N{self.numbers:03d}"
            pair = self.pairs[number] = Pair(number)
        else:
            number, pair = twin_of, self.pairs[twin_of]
            pair.contested = True
        values = {"customer_number": number, "company": company, "city": "Cluj"}
        if side is Side.CRM:
            self.h.crm_create(**values)
        else:
            self.h.erp_create(**{EDITABLE.get(k, k): v for k, v in values.items()})
        pair.origin.add(side)
        pair.edits[side].update(company=company, city="Cluj")

    @rule(side=st.sampled_from(Side), company=st.sampled_from(COMPANIES))
    def create(self, side: Side, company: str) -> None:
        self._create(side, None, company)

    @rule(data=st.data(), company=st.sampled_from(COMPANIES))
    def create_the_same_number_on_the_other_side(self, data, company: str) -> None:
        lonely = [(p, s) for p in self.pairs.values() if p.deleted is None
                  for s in Side if self._row(s, p.number) and not self._row(s.other, p.number)]
        if lonely:
            pair, side = data.draw(st.sampled_from(lonely))
            self._create(side.other, pair.number, company)

    @rule(data=st.data(), side=st.sampled_from(Side))
    def edit(self, data, side: Side) -> None:
        live = [p for p in self.pairs.values() if p.deleted is None and self._row(side, p.number)]
        if not live:
            return
        pair = data.draw(st.sampled_from(live))
        fields = data.draw(st.lists(st.sampled_from(sorted(EDITABLE)), min_size=1, max_size=2, unique=True))
        values = {}
        for name in fields:
            choices = COMPANIES if name == "company" else CITIES if name == "city" else PHONES
            values[name] = data.draw(st.sampled_from(choices))
        record_id, _row = self._row(side, pair.number)
        if side is Side.CRM:
            self.h.crm_edit(record_id, **values)
        else:
            self.h.erp_edit(record_id, **{EDITABLE[k]: v for k, v in values.items()})
        pair.edits[side].update(values)
        if pair.edits[side.other] and self._row(side.other, pair.number):
            pair.contested = True

    @rule(data=st.data(), side=st.sampled_from(Side))
    def delete(self, data, side: Side) -> None:
        live = [p for p in self.pairs.values() if p.deleted is None and self._row(side, p.number)]
        if not live:
            return
        pair = data.draw(st.sampled_from(live))
        record_id, _ = self._row(side, pair.number)
        other = self._row(side.other, pair.number)
        related = other is not None and self._related(side, record_id, other)
        (self.h.crm_delete if side is Side.CRM else self.h.erp_delete)(record_id)
        self.unnoticed[side].add(record_id)
        if other is None:
            del self.pairs[pair.number]  # it never reached the other side: nothing is left of it
        elif related:
            pair.deleted, pair.deleted_id = side, record_id
            pair.survivor = _mapped(other[1], side.other)
            pair.edits[side.other] = {}  # from here on, only what people do to the survivor counts
        else:
            # nothing ties the other side's record to it: that one is a record of its own, and is synced
            pair.edits[side] = {}

    def _related(self, side: Side, record_id: str, other: tuple[str, dict]) -> bool:
        """Does the engine know the two records belong together: a live link, or our origin marker on the
        other record naming this one?"""
        for link in self.h.links():
            if link.state != "deleted" and (link.crm_id if side is Side.CRM else link.erp_id) == record_id:
                return True
        row = other[1]
        return row.get("external_channel") == "erpsync" and str(row.get("external_id")) == record_id

    # -- the systems and the engine ----------------------------------------------------------------
    @rule(kind=st.sampled_from(FAULTS))
    def faults(self, kind: str) -> None:
        self.fault = kind
        self.h.sandbox.faults.clear()
        self.h.sandbox.faults.configure(**{
            "none": {}, "5xx": {"error_rate": 0.3}, "lost_reply": {"drop_after_write": 0.4},
            "429": {"rate_limit_every": 3, "retry_after": 0.001}, "bad_reply_id": {"bad_reply_id": 0.4},
        }[kind])

    @rule(seconds=st.sampled_from((1, 5, 11, 60)))
    def advance_the_clock(self, seconds: int) -> None:
        self.h.advance(seconds)

    @rule()
    def lose_the_state_database(self) -> None:
        # an admin reinstalled Windows: nothing is known of earlier syncs; what differs is for the policy to
        # decide, and a deleted record may come back from its surviving twin
        self.h.forget_state()
        for number, pair in list(self.pairs.items()):
            if pair.deleted is not None and self._row(pair.deleted.other, number) is None:
                del self.pairs[number]  # its twin was deleted too (propagate): nothing is left of it
                continue
            # every pair is linked anew, and where the two records differ the policy decides
            pair.contested = True
            if pair.deleted is not None and not self._marked(pair):
                # nothing tells of the delete any more: the survivor is a record of its own
                pair.deleted, pair.deleted_id, pair.survivor = None, None, None

    def _marked(self, pair: Pair) -> bool:
        """The survivor carries our origin marker naming the deleted record: the delete stays known."""
        assert pair.deleted is not None
        kept = self._row(pair.deleted.other, pair.number)
        return kept is not None and kept[1].get("external_channel") == "erpsync" and \
            str(kept[1].get("external_id")) == pair.deleted_id

    @rule(direction=st.sampled_from(Direction), policy=st.sampled_from(POLICIES),
          batch=st.integers(2, 50), full=st.booleans(), paging=st.sampled_from(("page", "offset", "cursor")),
          stop_early=st.booleans(), previewed=st.booleans())
    def sync(self, direction: Direction, policy: str, batch: int, full: bool, paging: str,
             stop_early: bool, previewed: bool) -> None:
        cancel = CancelToken()

        def stop_after_a_batch(event) -> None:
            if stop_early and event.phase == "applying":
                cancel.cancel()

        # previewed: the brake's preview runs first and lets the run go on (it writes from the preview's read)
        settings = {**self._settings, "brake_min": 10**6, "review_first_sync": False} if previewed else self._settings
        result = self.h.sync(direction=direction, policy=policy, batch=batch, full=full, paging=paging,
                             progress=stop_after_a_batch, cancel=cancel, settings=settings, brake=previewed)
        assert result.status in ("success", "partial", "failed", "cancelled"), result
        assert "internal error" not in (result.message or ""), result.message
        if result.status in ("success", "partial"):
            for side in direction.sources():
                if side is Side.CRM or full:  # a read of every record notices what was deleted
                    self.unnoticed[side].clear()
        self._check_links()

    @rule(policy=st.sampled_from(SETTLE_POLICIES))
    def settle(self, policy: str) -> None:
        self._settle(policy)

    @property
    def _settings(self) -> dict[str, Any]:
        return {"on_delete": self.on_delete}

    def teardown(self) -> None:
        self._settle("crm_wins")

    # -- what must hold ----------------------------------------------------------------------------
    def _check_links(self) -> None:
        crm, erp = self.h.crm_rows(), self.h.erp_rows()
        for side, rows in ((Side.CRM, crm), (Side.ERP, erp)):
            numbers = [r["customer_number"] for r in rows.values() if r.get("customer_number")]
            assert len(numbers) == len(set(numbers)), f"duplicate customer numbers in the {side.value}"
            marks = [r.get("external_id") for r in rows.values()
                     if r.get("external_channel") == "erpsync" and r.get("external_id")]
            assert len(marks) == len(set(marks)), f"two {side.value} records carry one origin marker"
        for link in self.h.links():
            if link.state == "deleted":
                continue
            for side, rows in ((Side.CRM, crm), (Side.ERP, erp)):
                record_id = link.crm_id if side is Side.CRM else link.erp_id
                if record_id is not None:
                    assert record_id in rows or record_id in self.unnoticed[side], (
                        f"link {link.id} names {side.value} record {record_id}, which does not exist")

    def _settle(self, policy: str) -> None:
        self.h.sandbox.faults.clear()
        self.fault = "none"
        for _ in range(2):  # the second run takes what the first deferred (changed right after our write)
            self.h.advance(60)
            result = self.h.sync(direction=Direction.BOTH, policy=policy, full=True, settings=self._settings)
            assert result.status == "success", (result.status, result.message)
        self.unnoticed = {Side.CRM: set(), Side.ERP: set()}
        self._check_links()
        for link in self.h.links():
            assert link.state in ("synced", "deleted"), (link.state, link.last_error)
        assert not self.h.open_conflicts()
        for pair in self.pairs.values():
            self._check_pair(pair)
        # a repeat sync with no edits in between writes nothing
        writes, crm_before = self.h.writes(), self.h.crm_rows()
        self.h.advance(60)
        again = self.h.sync(direction=Direction.BOTH, policy=policy, settings=self._settings)
        assert again.counts["inserted"] == again.counts["updated"] == 0, again.counts
        assert self.h.writes() == writes and self.h.crm_rows() == crm_before
        for pair in self.pairs.values():
            pair.edits = {Side.CRM: {}, Side.ERP: {}}
            pair.contested = False

    def _queued(self, side: Side) -> set[str]:
        """Ids of the `side` records waiting in the delete approval queue."""
        return _queued_twins(self.h, side)

    def _check_pair(self, pair: Pair) -> None:
        crm, erp = self._row(Side.CRM, pair.number), self._row(Side.ERP, pair.number)
        if pair.deleted is not None:
            gone, kept = (crm, erp) if pair.deleted is Side.CRM else (erp, crm)
            rows = self.h.crm_rows() if pair.deleted is Side.CRM else self.h.erp_rows()
            if gone is not None and pair.deleted_id in rows and gone[0] != pair.deleted_id:
                # the system gave the deleted id to a new record: the marker names that one now, so the
                # survivor is a record of its own again
                return
            assert gone is None, f"{pair.number} was deleted in the {pair.deleted.value} and came back"
            if self.on_delete == "propagate":
                assert kept is None, f"{pair.number}: deleted in the {pair.deleted.value}, its twin was not"
                return
            if self.on_delete == "queue" and kept is not None:
                assert kept[0] in self._queued(pair.deleted.other), f"{pair.number}: the delete was not queued"
            if kept is not None and pair.survivor is not None:
                survivor = {**pair.survivor, **{k: _blank(v) for k, v in pair.edits[pair.deleted.other].items()}}
                assert _mapped(kept[1], pair.deleted.other) == survivor, f"{pair.number}: the twin was changed"
            return
        assert crm is not None and erp is not None, f"{pair.number} exists on one side only"
        crm_values, erp_values = _mapped(crm[1], Side.CRM), _mapped(erp[1], Side.ERP)
        assert crm_values == erp_values, f"{pair.number}: the two sides differ after settling"
        if pair.contested:
            return
        for side in Side:
            if pair.edits[side] and not pair.edits[side.other]:
                for name, value in pair.edits[side].items():
                    assert crm_values[name] == _blank(value), (
                        f"{pair.number}: the {side.value} change of {name} to {value!r} was lost")


def _queued_twins(harness: Harness, side: Side) -> set[str]:
    with harness.store.session() as s:
        return set(s.scalars(select(PendingDeleteRow.twin_id).where(PendingDeleteRow.deleted_side == side.other.value)))


def _mapped(row: dict, side: Side) -> dict[str, Any]:
    """The editable fields of a row under their CRM names, empty as None."""
    return {crm: _blank(row.get(crm if side is Side.CRM else erp)) for crm, erp in EDITABLE.items()}


@pytest.fixture(scope="module")
def shared_harness(tmp_path_factory) -> Iterator[Harness]:
    harness = Harness(tmp_path_factory.mktemp("model"))
    _SHARED["harness"] = harness
    yield harness
    harness.close()
    _SHARED.clear()


@pytest.mark.slow
def test_no_history_loses_or_duplicates_a_record(shared_harness: Harness) -> None:
    started = time.monotonic()
    SyncHistory.TestCase.settings = settings(
        max_examples=HISTORIES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    try:
        SyncHistory.TestCase().runTest()
    finally:
        report("model-based", histories=_SHARED.get("histories", 0), steps=STEPS,
               seconds=round(time.monotonic() - started))


