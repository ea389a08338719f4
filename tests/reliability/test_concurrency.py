"""Concurrency: one run per (profile, entity) at a time. In one process a manual run and a scheduled run of the
same entity are serialized (the scheduled one waits, then runs); two processes with data directories of their
own (two PCs) on one PostgreSQL state store never run the same entity at once: while one runs it the other is
refused by the database's advisory lock, and the runs table shows no two runs of the entity overlapping."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync_gui.app.run_manager import RunManager
from erpsync_gui.app.scheduled_run import ScheduledRunner
from erpsync_gui.app.service import SyncService
from erpsync_gui.records import Side
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store, open_store
from erpsync_gui.store.models import RunRow
from tests.packaging_tools import ROOT
from tests.reliability.figures import report
from tests.reliability.systems import FaultedHarness, seed_both

ROUNDS = 6
WAIT_S = 120


def _overlaps(store: Store) -> tuple[int, int]:
    """How many runs of `clients` there are, and how many started before the one before them finished."""
    with store.session() as s:
        runs = list(s.execute(select(RunRow.started_at, RunRow.finished_at, RunRow.status)
                              .where(RunRow.entity == "clients").order_by(RunRow.started_at, RunRow.id)))
    overlapping = sum(1 for before, after in itertools.pairwise(runs)
                      if before.finished_at is None or after.started_at < before.finished_at)
    return len(runs), overlapping


def _child(url: str, data_dir: Path, profile: str, rounds: int, hold: bool = False) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.reliability.concurrent_child", url, str(data_dir), profile, str(rounds)]
    if hold:
        args.append("hold")
    return subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _result(child: subprocess.Popen) -> dict:
    out, err = child.communicate(timeout=WAIT_S)
    assert child.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.postgres
@pytest.mark.slow
def test_two_processes_on_one_postgresql_store_never_run_an_entity_at_once(tmp_path, pg_store_url) -> None:
    h = FaultedHarness(tmp_path / "systems")
    pg = open_store(pg_store_url)
    try:
        seed_both(h, 200)
        profile = ConfigRepo(pg).save_profile(dataclasses.replace(h.profile, id=None))
        first = _child(pg_store_url, tmp_path / "pc1", profile.name, 1, hold=True)
        assert first.stdout.readline().strip() == "holding"  # pc1 is inside its run, holding the entity
        second = _result(_child(pg_store_url, tmp_path / "pc2", profile.name, 1))
        first.stdin.write("\n")
        first.stdin.flush()
        held = _result(first)
        assert second == {"ran": 0, "busy": 1, "messages": second["messages"]}
        assert "another PC" in second["messages"][0]
        assert held["ran"] == 1
        # then both at once, round after round
        both = [_child(pg_store_url, tmp_path / f"pc{n}", profile.name, ROUNDS) for n in (1, 2)]
        results = [_result(child) for child in both]
        runs, overlapping = _overlaps(pg)
    finally:
        pg.close()
        h.close()
    ran = sum(r["ran"] for r in results) + held["ran"]
    refused = sum(r["busy"] for r in results) + second["busy"]
    report("concurrency-postgres", processes=2, attempts=2 * ROUNDS + 2, runs=ran, refused=refused,
           overlapping=overlapping)
    assert runs == ran and ran >= 2
    assert overlapping == 0


@pytest.mark.slow
def test_a_manual_and_a_scheduled_run_of_one_entity_are_serialized(tmp_path, data_dir) -> None:
    h = FaultedHarness(tmp_path / "systems")
    seed_both(h, 100)
    secrets = SecretStore()
    secrets.set(h.profile.name, Side.ERP, "token", DEMO_AUTH_TOKEN)
    secrets.set(h.profile.name, Side.ERP, "client_token", DEMO_CLIENT_TOKEN)
    h.profile = ConfigRepo(h.store).save_profile(h.profile)
    service = SyncService(h.store, secrets, data_dir, time_gate_s=0)
    runs = RunManager(service)
    release, refused = threading.Event(), threading.Event()
    active, most = [0], [0]
    guard = threading.Lock()
    real_start = runs.start

    def start(*args, **kwargs) -> bool:
        started = real_start(*args, **kwargs)
        if not started:
            refused.set()  # the scheduled run met the manual one
        return started

    def on_started(_key, trigger: str) -> None:
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
        if trigger == "manual":
            release.wait(WAIT_S)

    def on_finished(_key, _result) -> None:
        with guard:
            active[0] -= 1

    runs.start = start
    runs.listeners.started.append(on_started)
    runs.listeners.finished.append(on_finished)
    scheduled = ScheduledRunner(runs, threading.Event(), busy_wait_s=WAIT_S)
    outcome = {}
    try:
        assert runs.start(h.profile.name, "clients", trigger="manual")
        worker = threading.Thread(target=lambda: outcome.update(done=scheduled.run_profile(h.profile)))
        worker.start()
        assert refused.wait(WAIT_S)
        release.set()
        worker.join(WAIT_S)
        runs.wait(WAIT_S)
        total, overlapping = _overlaps(h.store)
        with h.store.session() as s:
            triggers = [r.trigger for r in s.scalars(select(RunRow).order_by(RunRow.id))]
    finally:
        scheduled.close()
        runs.shutdown()
        service.close()
        h.close()
    report("concurrency-manual-scheduled", runs=total, most_at_once=most[0], overlapping=overlapping)
    assert triggers == ["manual", "scheduled"]
    assert "clients" in outcome["done"].results and not outcome["done"].skipped
    assert most[0] == 1 and overlapping == 0


