"""The PostgreSQL advisory lock per (profile, entity), with real processes: while one holds an entity another
cannot take it (other entities and profiles stay free), the lock goes when its holder is killed, and a run of
another PC whose entity nobody holds any more is closed as interrupted at start (one whose lock is held is not)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import update

from erpsync_gui.app.db_lock import EntityDbLock, advisory_key
from erpsync_gui.app.stale_runs import StaleRunCloser
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import RunRow
from erpsync_gui.store.sync_state import SyncState
from tests.packaging_tools import ROOT

pytestmark = pytest.mark.postgres

HOLDER = textwrap.dedent("""
    import sys
    from erpsync_gui.app.db_lock import EntityDbLock
    from erpsync_gui.store.db import open_store
    lock = EntityDbLock(open_store(sys.argv[1]), int(sys.argv[2]), "clients")
    print("held" if lock.acquire() else "busy", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def pg_store(pg_store_url):
    store = open_store(pg_store_url)
    yield store
    store.close()


def _profile(store) -> int:
    return ConfigRepo(store).save_profile(ProfileConfig(
        name="shared", crm=EndpointConfig(Side.CRM, "sql", "sqlite://"),
        erp=EndpointConfig(Side.ERP, "rest", "http://127.0.0.1:9/"), entities=(EntityConfig("clients"),))).id


def _holder(url: str, profile_id: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLDER, url, str(profile_id)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def _free_soon(lock: EntityDbLock, patience_s: float = 30.0) -> bool:
    """The server notices a killed client's session end when its socket closes: ask until it has."""
    deadline = time.monotonic() + patience_s
    while not lock.is_free():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_an_entity_locked_by_another_process_is_refused_until_it_dies(pg_store, pg_store_url):
    profile_id = _profile(pg_store)
    holder = _holder(pg_store_url, profile_id)
    mine = EntityDbLock(pg_store, profile_id, "clients")
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not mine.acquire()
        others = [EntityDbLock(pg_store, profile_id, "invoices"), EntityDbLock(pg_store, profile_id + 1, "clients")]
        assert all(lock.acquire() for lock in others)
        for lock in others:
            lock.release()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert _free_soon(mine)
    assert mine.acquire()
    second = _holder(pg_store_url, profile_id)
    try:
        assert second.stdout.readline().strip() == "busy"
    finally:
        second.stdin.close()
        second.wait(timeout=30)
        mine.release()


def test_keys_differ_by_profile_and_entity_and_stay_the_same():
    assert advisory_key(1, "clients") == advisory_key(1, "clients")
    assert len({advisory_key(1, "clients"), advisory_key(2, "clients"), advisory_key(1, "invoices")}) == 3
    assert -(2**63) <= advisory_key(1, "clients") < 2**63


def test_a_run_of_another_pc_is_closed_only_when_nobody_holds_its_entity(pg_store, pg_store_url):
    profile_id = _profile(pg_store)
    run_id = SyncState(pg_store, profile_id, "clients").start_run("both", "cli", "full")
    with pg_store.session() as s, s.begin():
        s.execute(update(RunRow).where(RunRow.id == run_id).values(host="other-pc", pid=4242))
    holder = _holder(pg_store_url, profile_id)
    try:
        assert holder.stdout.readline().strip() == "held"  # that PC's run is still going on
        assert StaleRunCloser(pg_store).close() == []
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert _free_soon(EntityDbLock(pg_store, profile_id, "clients"))
    closed = StaleRunCloser(pg_store).close()
    assert [c.run_id for c in closed] == [run_id]
    assert "other-pc" in closed[0].message


def test_a_run_of_another_pc_is_closed_by_the_run_that_holds_its_entity_now(pg_store):
    profile_id = _profile(pg_store)
    run_id = SyncState(pg_store, profile_id, "clients").start_run("both", "cli", "full")
    with pg_store.session() as s, s.begin():
        s.execute(update(RunRow).where(RunRow.id == run_id).values(host="other-pc", pid=4242))
    mine = EntityDbLock(pg_store, profile_id, "clients")
    assert mine.acquire()
    try:
        closer = StaleRunCloser(pg_store)
        assert closer.close() == []  # seen from outside, the lock is taken: it may still be running
        closed = closer.close(profile_id, "clients", held=True)  # we hold it: nobody else can be running it
    finally:
        mine.release()
    assert [c.run_id for c in closed] == [run_id]
