"""Crashes: a two-way sync runs in a process of its own (the product's SyncService, as `erpsync sync` runs it)
and is SIGKILLed at moments a seeded RNG picks among measured points: after the Nth request the ERP applied
(mid-batch), after the Nth create the ERP applied but before its reply went back (a create whose reply never
arrived), or inside the Nth state-store commit. Each time people add records on both sides and the sync is
started again. At the end no record is duplicated or missing, every link agrees with both systems, and no
run is left "running": each killed run was closed as interrupted by the next start.

Size: ERPSYNC_PROOF_KILLS (5; 20 with --full), ERPSYNC_PROOF_CRASH_RECORDS (records added between kills in
all: 300; 2,000 with --full), ERPSYNC_PROOF_SEED."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.models import OutcomeRow, RunRow
from tests.packaging_tools import ROOT
from tests.reliability import sizes
from tests.reliability.figures import report
from tests.reliability.systems import FaultedHarness, census, links_consistent, number
from tests.sync_harness import EDITABLE

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
KINDS = ("mid-batch", "create-reply-lost", "mid-commit")


class Killer:
    """Counts what the ERP applied for the running child and kills it at the chosen point."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.child: subprocess.Popen | None = None
        self.kind: str | None = None
        self.at = 0
        self.seen = 0
        self.killed = False

    def arm(self, child: subprocess.Popen, kind: str | None, at: int) -> None:
        with self.lock:
            self.child, self.kind, self.at, self.seen, self.killed = child, kind, at, 0, False

    def applied(self, method: str, path: str) -> None:
        with self.lock:
            if self.child is None or self.killed or self.kind not in ("mid-batch", "create-reply-lost"):
                return
            if self.kind == "create-reply-lost" and method != "POST":
                return
            self.seen += 1
            if self.seen == self.at:
                os.kill(self.child.pid, signal.SIGKILL)  # before the reply leaves the ERP
                self.killed = True


def _child(h: FaultedHarness, data_dir, commit_at: int = 0) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.reliability.crash_child", h.store.url, str(data_dir), h.profile.name]
    if commit_at:
        args.append(str(commit_at))
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _add(h: FaultedHarness, start: int, count: int) -> None:
    for n in range(start, start + count):
        values = {"customer_number": number(n), "company": f"Company {n}", "city": "Iași"}
        if n % 2:
            h.erp_create(**{EDITABLE.get(k, k): v for k, v in values.items()})
        else:
            h.crm_create(**values)


@pytest.mark.slow
def test_killed_syncs_leave_no_duplicate_no_lost_record_and_no_run_running(tmp_path) -> None:
    kills, total, seed = sizes.kills(), sizes.crash_records(), sizes.seed()
    rng = random.Random(seed)
    started = time.monotonic()
    h = FaultedHarness(tmp_path / "crash")
    killer = Killer()
    h.proxy.on_applied = killer.applied
    h.profile = ConfigRepo(h.store).save_profile(h.profile)  # the child reads it: ERP traffic through the proxy
    data_dir = tmp_path / "data"
    per_cycle = max(20, total // max(1, kills))
    made, landed, attempts, by_kind = 0, 0, 0, dict.fromkeys(KINDS, 0)
    try:
        while landed < kills and attempts < kills * 4:
            attempts += 1
            _add(h, made, per_cycle)
            made += per_cycle
            kind = rng.choice(KINDS)
            # a point inside the run's work: the CRM's half of the new records are creates in the ERP
            at = rng.randint(1, per_cycle // 2) if kind != "mid-commit" else rng.randint(2, 8)
            child = _child(h, data_dir, commit_at=at if kind == "mid-commit" else 0)
            killer.arm(child, kind, at)
            out, err = child.communicate(timeout=300)
            killer.arm(None, None, 0)
            if child.returncode == -signal.SIGKILL:
                landed += 1
                by_kind[kind] += 1
            else:
                assert child.returncode == 0, err[-3000:]
        settles = 0
        for _ in range(4):  # restarted without a kill: it closes the last killed run and finishes the work
            settles += 1
            child = _child(h, data_dir)
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0, err[-3000:]
            result = json.loads(out.strip().splitlines()[-1])
            if result["status"] == "success" and not result["counts"]["failed"] and \
                    not any(link.state in ("pending", "failed") for link in h.links()):
                break
        after = census(h, map(number, range(made)))
        broken = links_consistent(h)
        with h.store.session() as s:
            statuses = dict(s.execute(select(RunRow.status, func.count()).group_by(RunRow.status)).all())
            interrupted = list(s.scalars(select(RunRow).where(RunRow.status == "interrupted")))
            outcomes = dict(s.execute(select(OutcomeRow.run_id, func.count()).group_by(OutcomeRow.run_id)).all())
    finally:
        h.close()
    report("crash", kills=landed, kinds=by_kind, records=made, restarts=attempts + settles,
           runs=dict(sorted(statuses.items())), duplicates=after.duplicates, lost=after.lost, broken_links=broken,
           seconds=round(time.monotonic() - started, 1))
    assert landed == kills, f"only {landed} of {kills} kills landed in {attempts} attempts"
    assert statuses.get("running", 0) == 0
    assert len(interrupted) == landed
    assert all(run.processed == outcomes.get(run.id, 0) for run in interrupted)
    assert after.duplicates == 0
    assert after.lost == 0
    assert broken == 0
