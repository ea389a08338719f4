"""What the store says waits for a person: open errors and conflicts per entity, runs that failed as a whole
(closed by a later run that gets through; previews never count), the newest run; group titles without a
record's id; resolving with undo; a reset that keeps open errors and the runs they belong to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from erpsync_gui.app.attention import attention_items, status_line
from erpsync_gui.app.demo import demo_profile
from erpsync_gui.store import queries
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.models import ConflictRow, LinkRow, OutcomeRow, RunRow
from erpsync_gui.store.open_work import open_work, run_failures

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def filled(store, tmp_path):
    profile = ConfigRepo(store).save_profile(demo_profile(tmp_path))
    pid = profile.id
    with store.session() as s:
        def run(entity, status, hours, kind="incremental", message=None):
            row = RunRow(profile_id=pid, entity=entity, direction="both", trigger="scheduled", kind=kind,
                         status=status, started_at=NOW - timedelta(hours=hours), message=message)
            s.add(row)
            s.flush()
            return row

        ok = run("clients", "partial", 5)
        run("invoices", "success", 6)
        run("invoices", "failed", 4, message="connection refused by erp:443")
        run("invoices", "failed", 3, message="connection refused by erp:443")
        run("invoices", "success", 1, kind="dry-run")  # a preview: it does not close the failure
        run("leads", "failed", 2, message="401")
        run("leads", "success", 1)  # got through: the failure is closed
        for n in range(2):
            s.add(OutcomeRow(run_id=ok.id, profile_id=pid, entity="clients", crm_id=f"{40 + n}", action="failed",
                             target_side="erp", error_kind="mapping", message=f"client {7 + n} is not synced yet",
                             signature="sig-lookup", resolution="open", created_at=NOW - timedelta(hours=5)))
        s.add(OutcomeRow(run_id=ok.id, profile_id=pid, entity="clients", crm_id="50", erp_id="9", action="create",
                         target_side="erp", created_at=NOW - timedelta(hours=5)))
        link = LinkRow(profile_id=pid, entity="clients", crm_id="60", erp_id="61", state="conflict")
        s.add(link)
        s.flush()
        s.add(ConflictRow(profile_id=pid, entity="clients", link_id=link.id, crm_values={}, erp_values={},
                          reason="both changed", created_at=NOW))
        s.commit()
    return store, pid


def test_open_work_counts_from_the_store(filled):
    store, pid = filled
    work = open_work(store, pid)
    assert (work.open_errors, work.open_conflicts) == (2, 1)
    assert dict(work.errors_by_entity) == {"clients": 2} and dict(work.conflicts_by_entity) == {"clients": 1}
    assert [(f.entity, f.count) for f in work.run_failures] == [("invoices", 2)]
    assert work.last_run is not None and work.last_run.entity == "leads"  # the newest real run, not the preview
    line = status_line(work, now=NOW)
    assert line.startswith("Invoices failed · 1 conflict waits · 2 errors open · last run ") and line.endswith(
        " success")
    assert [item.page for item in attention_items(work)] == ["errors", "errors", "conflicts"]


def test_a_run_that_gets_through_closes_the_failure(filled):
    store, pid = filled
    assert [f.entity for f in run_failures(store, pid)] == ["invoices"]
    with store.session() as s:
        s.add(RunRow(profile_id=pid, entity="invoices", direction="both", trigger="manual", kind="incremental",
                     status="partial", started_at=NOW))
        s.commit()
    assert run_failures(store, pid) == []


def test_runs_stopped_by_a_quota_wait_apart_from_failures_until_one_gets_through(filled):
    store, pid = filled
    with store.session() as s:
        for hours in (2, 1):  # two days in a row the quota ran out before the clients were all read
            s.add(RunRow(profile_id=pid, entity="clients", direction="import", trigger="scheduled",
                         kind="incremental", status="partial", error_kind="quota_exhausted",
                         message="50 requests per day used up; resumes after 09:00", started_at=NOW - timedelta(
                             hours=hours, minutes=30)))
        s.commit()
    work = open_work(store, pid)
    quota = next(f for f in work.run_failures if f.entity == "clients")
    assert quota.quota and quota.count == 2 and "resumes after 09:00" in quota.message
    assert [f.quota for f in work.run_failures if f.entity == "invoices"] == [False]
    assert status_line(work, now=NOW).startswith("Invoices failed · Clients paused by a quota · ")
    with store.session() as s:  # a partial run that ran to its end (records failed) closes the wait
        s.add(RunRow(profile_id=pid, entity="clients", direction="import", trigger="scheduled", kind="incremental",
                     status="partial", started_at=NOW))
        s.commit()
    assert [f.entity for f in run_failures(store, pid)] == ["invoices"]


def test_a_group_title_names_no_record(filled):
    store, pid = filled
    group = next(g for g in queries.grouped_errors(store, pid) if g.signature == "sig-lookup")
    assert group.message == "client 8 is not synced yet" and group.title == "The client is not synced yet"
    assert queries.group_title("ISO 3166 code; HTTP 422") == "ISO 3166 code; HTTP 422"


def test_resolving_can_be_undone(filled):
    store, pid = filled
    ids = [e.id for e in queries.errors_in_group(store, pid, "sig-lookup")]
    previous = queries.resolve_for_undo(store, ids)
    assert set(previous) == set(ids) and set(previous.values()) == {"open"}
    assert queries.resolve_for_undo(store, ids) == {}  # resolved already: nothing to undo twice
    assert queries.grouped_errors(store, pid) == []
    assert queries.reopen(store, previous) == 2
    assert [g.count for g in queries.grouped_errors(store, pid)] == [2]


def test_a_reset_keeps_open_errors_and_their_runs_unless_asked(filled):
    store, pid = filled
    counts = queries.reset_counts(store, pid, keep_open_errors=True)
    assert (counts.open_errors, counts.runs_kept, counts.outcomes) == (2, 1, 1)
    queries.reset_statistics(store, pid, keep_open_errors=True)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(OutcomeRow)) == 2
        assert s.scalar(select(func.count()).select_from(RunRow)) == 1
        assert s.scalar(select(func.count()).select_from(ConflictRow)) == 1
    queries.reset_statistics(store, pid)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(OutcomeRow)) == 0
