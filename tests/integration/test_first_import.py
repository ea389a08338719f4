"""A first import into an empty CRM: each link written once in its final state, creates counted in the run, the
CRM rows not read back, no twin lookups that cannot find anything, and still no duplicate when a key repeats or
the process dies between the CRM's commit and the state store's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select

from erpsync_gui.connectors import sql_db
from erpsync_gui.errors import StoreError
from erpsync_gui.records import Direction
from erpsync_gui.store.models import OutcomeRow, RunRow
from erpsync_gui.store.sync_state import SyncState
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _link_statements(harness: Harness) -> list[str]:
    """Every INSERT or UPDATE the state store receives for the links table, from now on."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        words = statement.split(None, 3)
        if words and words[0] in ("INSERT", "UPDATE") and " links " in f" {statement.split('(')[0]} ":
            seen.append(words[0])

    event.listen(harness.store.engine, "before_cursor_execute", record)
    return seen


def _outcome_actions(harness: Harness) -> list[str]:
    with harness.store.session() as s:
        return list(s.scalars(select(OutcomeRow.action)))


def test_each_link_is_written_once_synced_and_creates_are_counted_in_the_run(harness):
    for n in range(120):
        harness.erp_create(customer_number=f"K{n}", company=f"Firma {n}", city="Iași")
    statements = _link_statements(harness)
    result = harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=50)
    assert result.status == "success" and result.counts["inserted"] == 120
    # the three pages of 50 are written together (an SQL CRM takes 500 rows a transaction): one insert, no
    # write-ahead row, no update after it
    assert statements == ["INSERT"]
    links = harness.links()
    assert len(links) == 120 and {link.state for link in links} == {"synced"}
    assert all(link.crm_checksum and link.erp_checksum for link in links)
    assert _outcome_actions(harness) == []  # routine creates make no outcome row each
    with harness.store.session() as s:
        assert s.scalar(select(RunRow.inserted).where(RunRow.id == result.run_id)) == 120
    assert len(harness.crm_rows()) == 120


def test_the_crm_checksum_taken_from_the_written_row_matches_the_row_as_read(harness):
    for n in range(30):
        harness.erp_create(customer_number=f"K{n}", company=f" Firma {n} ", city="Cluj", phone=f"07{n}")
    harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=10)
    harness.advance(60)
    writes = harness.writes()
    again = harness.sync(direction=Direction.BOTH, policy="manual", full=True)
    # both sides read again in full: every pair is unchanged, so nothing is written and nothing conflicts
    assert again.counts["updated"] == again.counts["conflicts"] == again.counts["inserted"] == 0
    assert again.counts["skipped"] == 60
    assert harness.writes() == writes


def test_a_key_met_again_later_in_the_first_import_is_looked_up_not_created_twice(harness):
    harness.erp_create(customer_number="K1", company="Alfa")
    harness.erp_create(customer_number="K2", company="Beta")
    harness.erp_create(customer_number=" K1 ", company="Alfa again")
    result = harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=1)
    numbers = sorted(row["customer_number"] for row in harness.crm_rows().values())
    assert numbers == ["K1", "K2"]  # the third record's key names the CRM record this run made for the first
    assert result.counts["inserted"] == 2 and result.counts["failed"] == 1


def test_a_stop_between_the_crm_commit_and_the_store_commit_leaves_no_duplicate(harness, monkeypatch):
    for n in range(120):
        harness.erp_create(customer_number=f"K{n}", company=f"Firma {n}")
    real_commit = SyncState.commit

    def lost(self, batch):
        if batch.links:
            raise StoreError("the state database went away")
        return real_commit(self, batch)

    monkeypatch.setattr(SyncState, "commit", lost)
    monkeypatch.setattr(sql_db, "SQL_WRITE_BATCH", 0)  # a page a batch: the first 50 reach the CRM, then the stop
    first = harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=50)
    assert first.status == "failed"
    assert len(harness.crm_rows()) == 50 and harness.links() == []  # written in the CRM, unknown to the store
    monkeypatch.setattr(SyncState, "commit", real_commit)
    second = harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=50)
    assert second.status == "success"
    assert second.counts["linked"] == 50 and second.counts["inserted"] == 70  # found again by the origin marker
    assert len(harness.crm_rows()) == 120 and len(harness.links()) == 120
    with harness.store.session() as s:
        assert s.scalar(select(func.count()).select_from(OutcomeRow).where(OutcomeRow.action == "link")) == 50


def test_a_complete_read_turns_only_the_links_it_did_not_meet_into_links(harness):
    from erpsync_gui.records import Side
    from erpsync_gui.store.sync_state import SyncState

    ids = [harness.erp_create(customer_number=f"K{n}", company=f"Firma {n}") for n in range(6)]
    harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=50)
    state = SyncState(harness.store, harness.profile.id, "clients")
    missing = state.linked_except(Side.ERP, set(ids[:4]))
    assert sorted(link.erp_id for link in missing) == sorted(ids[4:])
    assert all(link.crm_id and link.state == "synced" for link in missing)
    assert state.linked_except(Side.ERP, set(ids)) == []
    assert len(state.linked_except(Side.CRM, set())) == 6
