"""The sync engine on a real SQLite state store, between two in-memory systems."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from erpsync_gui.engine.runner import SyncEngine
from erpsync_gui.engine.types import Action, CancelToken
from erpsync_gui.errors import AuthError, ConfigError, RetryableError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.models import ConflictRow, CursorRow, LinkRow, OutcomeRow
from tests.fakes.memory import MemoryConnector

FIELDS = (
    {"crm": "customer_number", "erp": "number", "type": "text"},
    {"crm": "company", "erp": "name", "type": "text", "required": True},
    {"crm": "city", "erp": "city", "type": "text"},
)


def make_profile(store, *, policy="crm_wins", direction=Direction.BOTH, batch_size=50, fields=FIELDS):
    profile = ProfileConfig(
        name="test",
        crm=EndpointConfig(Side.CRM, "memory", "memory://crm", batch_size=batch_size),
        erp=EndpointConfig(Side.ERP, "memory", "memory://erp", batch_size=batch_size),
        entities=(EntityConfig("clients", direction=direction, policy=policy,
                               match_keys=("customer_number",), fields=fields),),
    )
    return ConfigRepo(store).save_profile(profile)


@pytest.fixture
def crm():
    return MemoryConnector()


@pytest.fixture
def erp():
    return MemoryConnector()


def engine_for(store, crm, erp, **profile_kw):
    profile = make_profile(store, **profile_kw)
    return SyncEngine(store, profile, {Side.CRM: crm, Side.ERP: erp}, time_gate_s=0)


def links(store):
    with store.session() as s:
        return list(s.scalars(select(LinkRow).order_by(LinkRow.id)))


def test_first_import_creates_and_links_then_a_rerun_changes_nothing(store, crm, erp):
    for i in range(120):
        erp.put("clients", {"number": f"C{i:04d}", "name": f"Firma {i}", "city": "Brașov"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=50)

    first = engine.run("clients")
    assert first.status == "success"
    assert first.counts["inserted"] == 120
    assert len(crm.rows("clients")) == 120
    assert {r["customer_number"] for r in crm.rows("clients")} == {f"C{i:04d}" for i in range(120)}
    assert all(link.state == "synced" and link.crm_id and link.erp_id for link in links(store))

    writes = len(crm.writes)
    second = engine.run("clients")
    assert second.status == "success"
    assert second.counts["inserted"] == second.counts["updated"] == 0
    assert len(crm.writes) == writes


def test_initial_import_links_existing_records_by_natural_key(store, crm, erp):
    erp.put("clients", {"number": "C1", "name": "Müller GmbH", "city": "Köln"})
    erp.put("clients", {"number": "C2", "name": "Ștefan SRL", "city": "Iași"})
    crm.put("clients", {"customer_number": "C1", "company": "Müller GmbH", "city": "Köln"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT)

    result = engine.run("clients")

    assert result.counts["linked"] == 1 and result.counts["inserted"] == 1
    assert len(crm.rows("clients")) == 2  # no duplicate of C1
    assert [w[0] for w in crm.writes] == ["create"]


def test_edit_on_one_side_flows_to_the_other_and_no_echo_comes_back(store, crm, erp):
    rid = crm.put("clients", {"customer_number": "C1", "company": "Aryan Co", "city": "Tehran"})
    engine = engine_for(store, crm, erp)
    engine.run("clients")
    erp_id = erp.rows("clients")[0]["id"]

    crm.put("clients", {"city": "شیراز"}, rid)
    result = engine.run("clients")
    assert result.counts["updated"] == 1
    assert erp.rows("clients")[0]["city"] == "شیراز"

    erp_writes, crm_writes = len(erp.writes), len(crm.writes)
    again = engine.run("clients")  # the ERP now shows our own write as a change: it must be skipped
    assert again.counts["updated"] == again.counts["inserted"] == 0
    assert (len(erp.writes), len(crm.writes)) == (erp_writes, crm_writes)

    erp.put("clients", {"name": "Aryan Trading Co"}, erp_id)
    engine.run("clients")
    assert crm.rows("clients")[0]["company"] == "Aryan Trading Co"


def _conflicting_pair(store, crm, erp, policy):
    rid = crm.put("clients", {"customer_number": "C1", "company": "Alpha", "city": "Berlin"})
    engine = engine_for(store, crm, erp, policy=policy)
    engine.run("clients")
    eid = erp.rows("clients")[0]["id"]
    return engine, rid, eid


@pytest.mark.parametrize("policy, winner", [("crm_wins", "CRM city"), ("erp_wins", "ERP city")])
def test_conflict_fixed_policies(store, crm, erp, policy, winner):
    engine, rid, eid = _conflicting_pair(store, crm, erp, policy)
    crm.put("clients", {"city": "CRM city"}, rid)
    erp.put("clients", {"city": "ERP city"}, eid)

    engine.run("clients")

    assert crm.rows("clients")[0]["city"] == winner
    assert erp.rows("clients")[0]["city"] == winner


def test_conflict_newest_wins_takes_the_later_edit(store, crm, erp):
    engine, rid, eid = _conflicting_pair(store, crm, erp, "newest_wins")
    erp.put("clients", {"city": "older"}, eid)
    crm.put("clients", {"city": "newer"}, rid)  # the fakes share no clock, so bump the CRM's further
    crm.tables["clients"][rid]["updated_at"] = erp.tables["clients"][eid]["updated_at"] + timedelta(minutes=5)

    engine.run("clients")

    assert erp.rows("clients")[0]["city"] == "newer"


def test_conflict_manual_is_queued_with_both_sides_and_nothing_written(store, crm, erp):
    engine, rid, eid = _conflicting_pair(store, crm, erp, "manual")
    crm.put("clients", {"city": "Cluj"}, rid)
    erp.put("clients", {"city": "Timișoara"}, eid)
    writes = (len(crm.writes), len(erp.writes))

    result = engine.run("clients")

    assert result.status == "partial" and result.counts["conflicts"] == 1
    assert (len(crm.writes), len(erp.writes)) == writes
    with store.session() as s:
        conflict = s.scalars(select(ConflictRow)).one()
    assert conflict.crm_values["city"] == "Cluj" and conflict.erp_values["city"] == "Timișoara"
    assert links(store)[0].state == "conflict"


def test_dry_run_writes_nothing_and_shows_field_changes(store, crm, erp):
    erp.put("clients", {"number": "C1", "name": "Neu", "city": "Graz"})
    rid = crm.put("clients", {"customer_number": "C9", "company": "Alt", "city": "Wien"})
    engine = engine_for(store, crm, erp)

    result = engine.run("clients", dry_run=True)

    assert result.dry_run and {i.action for i in result.plan} == {Action.CREATE}
    created_on_erp = next(i for i in result.plan if i.source.id == rid)
    assert {(c.field, c.after) for c in created_on_erp.changes} >= {("name", "Alt"), ("city", "Wien")}
    assert crm.writes == [] and erp.writes == []
    assert links(store) == []
    with store.session() as s:
        assert s.scalars(select(CursorRow)).all() == []


def test_create_with_unknown_outcome_is_reconciled_not_duplicated(store, crm, erp):
    crm.put("clients", {"customer_number": "C1", "company": "Gamma", "city": "Bonn"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)
    erp.drop_after_create = 1

    first = engine.run("clients")
    assert first.counts["failed"] == 1
    assert links(store)[0].state == "pending" and links(store)[0].create_unknown

    second = engine.run("clients")
    assert second.counts["failed"] == 0
    assert len(erp.rows("clients")) == 1  # found by our origin marker, linked, not created again
    assert links(store)[0].state == "synced" and links(store)[0].erp_id == erp.rows("clients")[0]["id"]


def test_a_bad_record_does_not_stop_the_batch_and_is_retried_later(store, crm, erp):
    for i in range(5):
        crm.put("clients", {"customer_number": f"C{i}", "company": f"Firma {i}", "city": "Iași"})
    erp.reject_values.add(("name", "Firma 2"))
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    first = engine.run("clients")
    assert first.status == "partial"
    assert first.counts["inserted"] == 4 and first.counts["failed"] == 1
    with store.session() as s:
        outcome = s.scalars(select(OutcomeRow).where(OutcomeRow.action == "failed")).one()
    assert "not accepted" in outcome.message and outcome.signature

    erp.reject_values.clear()
    second = engine.run("clients")  # nothing changed in the CRM: the failed record comes from the store
    assert second.counts["inserted"] == 1 and second.status == "success"
    assert len(erp.rows("clients")) == 5


def test_a_record_that_cannot_be_mapped_is_a_per_record_error(store, crm, erp):
    crm.put("clients", {"customer_number": "C1", "company": "", "city": "x"})
    crm.put("clients", {"customer_number": "C2", "company": "Ok", "city": "y"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    result = engine.run("clients")

    assert result.counts == {**result.counts, "inserted": 1, "failed": 1}
    failed = [link for link in links(store) if link.state == "failed"]
    assert len(failed) == 1 and "company" in failed[0].last_error


def test_cancel_stops_between_batches_and_keeps_finished_work(store, crm, erp):
    for i in range(30):
        erp.put("clients", {"number": f"C{i}", "name": f"N{i}", "city": "c"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=10)
    token = CancelToken()

    def stop_after_first_batch(event):
        if event.phase == "applying":
            token.cancel()

    result = engine.run("clients", progress=stop_after_first_batch, cancel=token)

    assert result.status == "cancelled"
    assert len(crm.rows("clients")) == 10
    rest = engine.run("clients")
    assert rest.counts["inserted"] == 20 and len(crm.rows("clients")) == 30


def test_auth_failure_mid_run_keeps_the_cursor_before_the_unfinished_batch(store, crm, erp):
    for i in range(20):
        erp.put("clients", {"number": f"C{i}", "name": f"N{i}", "city": "c"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=10)
    original = crm.create
    calls = {"n": 0}

    def failing_create(*args, **kw):
        calls["n"] += 1
        if calls["n"] > 10:
            raise AuthError("token expired", status=401)
        return original(*args, **kw)

    crm.create = failing_create
    result = engine.run("clients")
    assert result.status == "failed" and "token expired" in result.message

    crm.create = original
    again = engine.run("clients")
    assert again.status == "success"
    assert len(crm.rows("clients")) == 20  # nothing lost, nothing doubled


def test_target_down_mid_batch_trips_the_circuit_with_one_clear_error(store, crm, erp):
    for i in range(12):
        crm.put("clients", {"customer_number": f"C{i}", "company": f"N{i}", "city": "c"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    def down(*args, **kw):
        raise RetryableError("connection refused by erp:443")

    erp.create = down
    result = engine.run("clients")

    assert result.status == "failed"
    assert "in a row failed" in result.message
    assert result.counts["failed"] == 5  # stopped after five, not one error per record


def test_an_unknown_entity_or_missing_mapping_is_a_config_error(store, crm, erp):
    engine = engine_for(store, crm, erp)
    with pytest.raises(ConfigError):
        engine.run("invoices")
    with pytest.raises(ConfigError):
        engine_for(store, crm, erp, fields=()).run("clients")


def test_a_change_right_after_our_write_is_deferred_to_the_next_run(store, crm, erp):
    from datetime import UTC, datetime

    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    rid = crm.put("clients", {"customer_number": "C1", "company": "Delta", "city": "Arad"})
    engine = SyncEngine(store, make_profile(store), {Side.CRM: crm, Side.ERP: erp}, time_gate_s=10,
                        clock=lambda: now[0])
    engine.run("clients")
    eid = erp.rows("clients")[0]["id"]

    erp.put("clients", {"city": "Oradea"}, eid)  # lands on the side we just wrote, within the gate
    now[0] += timedelta(seconds=3)
    deferred = engine.run("clients")
    assert crm.rows("clients")[0]["city"] == "Arad"
    assert links(store)[0].state == "pending" and deferred.counts["updated"] == 0

    now[0] += timedelta(seconds=30)
    engine.run("clients")  # the waiting record is looked at again, no new change needed
    assert crm.rows("clients")[0]["city"] == "Oradea"
    assert rid == crm.rows("clients")[0]["id"]


def test_a_manual_conflict_from_a_first_match_is_never_written_over(store, crm, erp):
    crm.put("clients", {"customer_number": "C1", "company": "Alpha SRL", "city": "Cluj"})
    erp.put("clients", {"number": "C1", "name": "Alpha SA", "city": "Cluj"})
    engine = engine_for(store, crm, erp, policy="manual")

    for full in (False, False, True):  # the same run's other side, a re-run, a full re-read
        result = engine.run("clients", full=full)
        assert result.counts["updated"] == result.counts["inserted"] == 0
        assert crm.rows("clients")[0]["company"] == "Alpha SRL" and erp.rows("clients")[0]["name"] == "Alpha SA"
    assert links(store)[0].state == "conflict"

    erp.put("clients", {"city": "Arad"}, erp.rows("clients")[0]["id"])  # a new edit re-queues, still no write
    again = engine.run("clients")
    assert again.counts["conflicts"] == 1 and again.counts["updated"] == 0
    with store.session() as s:
        conflict = s.scalars(select(ConflictRow).where(ConflictRow.resolved_at.is_(None))).one()
    assert conflict.erp_values["city"] == "Arad"


def test_an_unconfirmed_create_that_cannot_be_looked_up_is_not_repeated(store, crm):
    erp = MemoryConnector(origin_marker=False)  # no marker on the target ...
    crm.put("clients", {"customer_number": None, "company": "Epsilon", "city": "Sibiu"})  # ... and no key value
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)
    erp.drop_after_create = 1

    engine.run("clients")
    second = engine.run("clients")

    assert len(erp.rows("clients")) == 1  # the first create did land; it is not made twice
    assert second.counts["failed"] == 1 and second.counts["inserted"] == 0
    with store.session() as s:
        last = s.scalars(select(OutcomeRow).order_by(OutcomeRow.id.desc())).first()
    assert last.error_kind == "outcome_unknown" and "not created again" in last.message


def test_an_unconfirmed_create_with_a_natural_key_is_reconciled(store, crm):
    erp = MemoryConnector(origin_marker=False)
    crm.put("clients", {"customer_number": "C7", "company": "Zeta", "city": "Deva"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)
    erp.drop_after_create = 1

    engine.run("clients")
    second = engine.run("clients")

    assert len(erp.rows("clients")) == 1 and second.counts["failed"] == 0
    assert links(store)[0].state == "synced"


def test_newest_wins_corrects_each_sides_clock_by_its_offset(store, erp):
    # the CRM's clock runs 120 s behind this PC's; its edit comes 1 s after the ERP's
    crm = MemoryConnector(start=erp._now - timedelta(seconds=120))
    engine, rid, eid = _conflicting_pair(store, crm, erp, "newest_wins")
    erp.put("clients", {"city": "ERP edit"}, eid)
    crm._now = erp._now - timedelta(seconds=120)
    crm.put("clients", {"city": "CRM edit, a second later"}, rid)
    profile = dataclasses.replace(engine.profile, crm=dataclasses.replace(engine.profile.crm, clock_offset_s=-120))
    skewed = SyncEngine(store, profile, {Side.CRM: crm, Side.ERP: erp}, time_gate_s=0)

    skewed.run("clients")

    assert erp.rows("clients")[0]["city"] == "CRM edit, a second later"


def test_newest_wins_without_the_offset_would_pick_the_older_edit(store, erp):
    crm = MemoryConnector(start=erp._now - timedelta(seconds=120))
    engine, rid, eid = _conflicting_pair(store, crm, erp, "newest_wins")
    erp.put("clients", {"city": "ERP edit"}, eid)
    crm._now = erp._now - timedelta(seconds=120)
    crm.put("clients", {"city": "CRM edit, a second later"}, rid)

    engine.run("clients")  # no offset configured: the raw clocks say the ERP edit is newer

    assert crm.rows("clients")[0]["city"] == "ERP edit"


class _Unreachable(MemoryConnector):
    """Every create fails as a server that is down would: a retryable error, nothing written."""

    def create(self, entity, payload, *, origin=None, txn_id=None):
        raise RetryableError("the server is unavailable (503)", status=503)


def test_a_run_stopped_mid_batch_counts_only_what_was_written(store, erp):
    crm = _Unreachable()
    for i in range(50):
        erp.put("clients", {"number": f"C{i:02d}", "name": f"Firma {i}", "city": "Arad"})
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=50)

    stopped = engine.run("clients")

    assert stopped.status == "failed" and stopped.counts["inserted"] == 0
    assert stopped.counts["failed"] >= 5
    assert not crm.rows("clients")
    rows = links(store)
    assert rows and all(link.state != "synced" for link in rows)  # none synced with a missing id
    assert all(link.crm_id is None for link in rows)
    with store.session() as s:
        from erpsync_gui.store.models import DailyStatRow

        assert sum(r.inserted for r in s.scalars(select(DailyStatRow))) == 0

    healthy = MemoryConnector()
    healthy.tables = crm.tables
    again = SyncEngine(store, engine.profile, {Side.CRM: healthy, Side.ERP: erp}, time_gate_s=0).run("clients")
    assert again.counts["inserted"] == 50 and again.status == "success"
    assert len(healthy.rows("clients")) == 50
