"""Faults: a two-way sync of many records (half created in each system, then a fifth of them edited) while a
fifth of the ERP requests meet a fault (5xx, 429 with Retry-After, dropped connections, replies lost after the
write was applied, read timeouts after the write was applied). Afterwards neither side has a duplicate, no
record is missing, and both sides hold exactly what the same sync without faults leaves.

Size: ERPSYNC_PROOF_RECORDS (1,000; 10,000 with --full), ERPSYNC_PROOF_FAULT_RATE (0.2), ERPSYNC_PROOF_SEED."""

from __future__ import annotations

import time

import pytest

from tests.reliability import sizes
from tests.reliability.fault_proxy import FaultPlan
from tests.reliability.figures import report
from tests.reliability.systems import (
    FaultedHarness,
    census,
    edit_some,
    links_consistent,
    number,
    seed_both,
    sync_until_settled,
)


def _history(h: FaultedHarness, count: int, seed: int, rate: float) -> list:
    """The same history with or without faults: seed, sync, edit, sync, each sync repeated until settled."""
    seed_both(h, count)
    h.plan.configure(rate, seed=seed)
    runs = sync_until_settled(h, max_runs=40)
    edit_some(h, count, seed)
    runs += sync_until_settled(h, max_runs=40)
    h.plan.configure(0.0)
    runs += sync_until_settled(h, max_runs=3)  # what a fault left waiting is settled; nothing else may change
    return runs


@pytest.mark.slow
def test_faults_neither_duplicate_nor_lose_and_end_where_a_clean_sync_ends(tmp_path) -> None:
    count, rate, seed = sizes.records(), sizes.fault_rate(), sizes.seed()
    started = time.monotonic()
    clean = FaultedHarness(tmp_path / "clean")
    try:
        _history(clean, count, seed, 0.0)
        reference = census(clean, map(number, range(count)))
    finally:
        clean.close()
    faulted = FaultedHarness(tmp_path / "faulted", FaultPlan(seed=seed))
    try:
        runs = _history(faulted, count, seed, rate)
        after = census(faulted, map(number, range(count)))
        broken_links = links_consistent(faulted)
        plan = faulted.plan
    finally:
        faulted.close()
    differ = sum(1 for side, ref in ((after.crm, reference.crm), (after.erp, reference.erp))
                 for key in set(side) | set(ref) if side.get(key) != ref.get(key))
    report("faults", records=count, fault_rate=rate, requests=plan.requests, writes=plan.writes,
           faults=dict(sorted(plan.injected.items())), runs=len(runs), duplicates=after.duplicates, lost=after.lost,
           differ_from_clean=differ, broken_links=broken_links, seconds=round(time.monotonic() - started, 1))
    assert reference.duplicates == reference.lost == 0
    assert sum(plan.injected.values()) > 0 and set(plan.injected) == {"5xx", "429", "drop", "lost_reply", "timeout"}
    assert after.duplicates == 0
    assert after.lost == 0
    assert broken_links == 0
    assert after.crm == reference.crm and after.erp == reference.erp
