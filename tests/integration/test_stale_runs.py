"""A run left "running" by a process that is gone is closed as interrupted when the app starts, with its counts
rebuilt from the outcomes it recorded; a run whose process lives is left alone, a reused process id is not
taken for the run's process, and `erpsync status` shows the interrupted run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from erpsync_gui.app.service import SyncService
from erpsync_gui.app.stale_runs import StaleRunCloser, process_alive
from erpsync_gui.cli import main
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import DailyStatRow, OutcomeRow, RunRow
from erpsync_gui.store.sync_state import SyncState, this_process
from tests.packaging_tools import ROOT

#: a process that starts a run, records two creates and a failure, and is killed before it finishes
_DIES_MID_RUN = textwrap.dedent("""
    import os, signal, sys
    from datetime import UTC, datetime
    from sqlalchemy import insert
    from erpsync_gui.store.db import open_store
    from erpsync_gui.store.models import OutcomeRow
    from erpsync_gui.store.sync_state import SyncState
    store = open_store(sys.argv[1])
    state = SyncState(store, int(sys.argv[2]), "clients")
    run_id = state.start_run("both", "cli", "full")
    now = datetime.now(UTC)
    rows = [dict(run_id=run_id, profile_id=int(sys.argv[2]), entity="clients", crm_id=str(n), erp_id=str(n),
                 action=action, created_at=now) for n, action in enumerate(("create", "create", "failed", "update"))]
    with store.session() as s, s.begin():
        s.execute(insert(OutcomeRow.__table__), rows)
    print(run_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.fixture
def demo_dir(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "demo", "--no-sync"]) == 0
    capsys.readouterr()
    return tmp_path


def _killed_run(url: str, profile_id: int) -> int:
    done = subprocess.run([sys.executable, "-c", _DIES_MID_RUN, url, str(profile_id)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == -9, done.stderr
    return int(done.stdout.strip())


def _run(store, run_id: int) -> RunRow:
    with store.session() as s:
        return s.get(RunRow, run_id)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_run_is_closed_as_interrupted_with_the_counts_it_recorded(demo_dir, capsys):
    store = open_store(data_dir=demo_dir)
    url = str(store.url)
    profile = SyncService(store, SecretStore(), demo_dir).profile()
    run_id = _killed_run(url, profile.id)
    before = _run(store, run_id)
    assert before.status == "running" and before.pid and before.host == this_process()[0]

    SyncService(store, SecretStore(), demo_dir)  # the app starts

    run = _run(store, run_id)
    assert run.status == "interrupted" and run.finished_at is not None
    assert (run.processed, run.inserted, run.updated, run.failed) == (4, 2, 1, 1)
    assert f"pid {before.pid}" in run.message
    with store.session() as s:
        day = s.scalar(select(DailyStatRow).where(DailyStatRow.entity == "clients"))
    assert day is not None and day.runs == 1 and day.inserted == 2
    store.close()

    code = main(["--data-dir", str(demo_dir), "status"])
    out = capsys.readouterr().out
    assert code == 0
    line = next(line for line in out.splitlines() if line.strip().startswith("clients"))
    assert "interrupted" in line and "2 created" in line


def test_a_run_whose_process_lives_is_left_running(store):
    profile_id = _profile(store)
    run_id = SyncState(store, profile_id, "clients").start_run("both", "manual", "full")  # this very process

    assert StaleRunCloser(store).close() == []
    assert _run(store, run_id).status == "running"


def test_a_reused_process_id_does_not_keep_a_dead_run_open(store):
    profile_id = _profile(store)
    run_id = SyncState(store, profile_id, "clients").start_run("both", "manual", "full")
    newer = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        # the run names a living process, but one that started long after the run did
        with store.session() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run_id).values(
                pid=newer.pid, started_at=datetime.now(UTC) - timedelta(hours=1)))
        assert process_alive(newer.pid)
        closed = StaleRunCloser(store).close()
    finally:
        newer.stdin.close()
        newer.wait(timeout=30)
    assert [c.run_id for c in closed] == [run_id]
    assert _run(store, run_id).status == "interrupted"


def test_a_run_of_another_host_is_left_alone_on_a_store_without_database_locks(store):
    profile_id = _profile(store)
    run_id = SyncState(store, profile_id, "clients").start_run("both", "manual", "full")
    with store.session() as s, s.begin():
        s.execute(update(RunRow).where(RunRow.id == run_id).values(host="another-pc", pid=1))

    assert StaleRunCloser(store).close() == []  # nothing here can tell whether that PC still runs it
    assert _run(store, run_id).status == "running"


def test_only_one_of_two_closers_closes_a_run(store):
    profile_id = _profile(store)
    state = SyncState(store, profile_id, "clients")
    run_id = state.start_run("both", "manual", "full")
    with store.session() as s, s.begin():
        s.execute(insert(OutcomeRow.__table__), [dict(run_id=run_id, profile_id=profile_id, entity="clients",
                                                      action="create", created_at=datetime.now(UTC))])

    assert state.close_interrupted(run_id, "interrupted: test")["inserted"] == 1
    assert state.close_interrupted(run_id, "interrupted: test") is None


def _profile(store) -> int:
    from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
    from erpsync_gui.records import Side
    from erpsync_gui.store.config_repo import ConfigRepo

    profile = ConfigRepo(store).save_profile(ProfileConfig(
        name="stale", crm=EndpointConfig(Side.CRM, "sql", "sqlite://"),
        erp=EndpointConfig(Side.ERP, "rest", "http://127.0.0.1:9/"), entities=(EntityConfig("clients"),)))
    return profile.id
