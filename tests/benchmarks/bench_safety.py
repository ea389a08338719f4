"""Benchmark: what the safety nets cost a run, on the sync harness (sandbox ERP over HTTP, SQLite CRM).

For N linked clients: an export that updates K of them, without and with the brake's preview pass, and the
state database's extra rows (merge bases and before-images) per written record. Prints seconds and rows.

    python tests/benchmarks/bench_safety.py [--clients 2000] [--changed 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

from sqlalchemy import func, select  # noqa: E402

from erpsync_gui.records import Direction  # noqa: E402
from erpsync_gui.store.safety_models import BeforeImageRow, LinkSnapshotRow  # noqa: E402
from tests.sync_harness import Harness  # noqa: E402


def _count(harness: Harness, model) -> int:
    with harness.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _round(harness: Harness, ids: list[str], changed: int, tag: str, brake: bool) -> float:
    for crm_id in ids[:changed]:
        harness.crm_edit(crm_id, city=f"{tag}")
    harness.advance(60)
    started = time.perf_counter()
    result = harness.sync(direction=Direction.EXPORT, batch=200, brake=brake, approved=True)
    took = time.perf_counter() - started
    assert result.counts["updated"] == changed, result.counts
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--changed", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        harness = Harness(Path(root))
        try:
            ids = [harness.crm_create(customer_number=f"C{i:06d}", company=f"Firma {i}", city="Brașov")
                   for i in range(args.clients)]
            started = time.perf_counter()
            harness.sync(direction=Direction.EXPORT, batch=200)
            print(f"first export of {args.clients} clients: {time.perf_counter() - started:.2f} s; "
                  f"merge bases {_count(harness, LinkSnapshotRow)}, before-images {_count(harness, BeforeImageRow)}")
            harness.advance(60)
            plain = _round(harness, ids, args.changed, "A", brake=False)
            braked = _round(harness, ids, args.changed, "B", brake=True)
            print(f"export updating {args.changed} of {args.clients}: {plain:.2f} s without the brake, "
                  f"{braked:.2f} s with its preview pass ({braked / plain:.2f}x)")
            print(f"before-images after both: {_count(harness, BeforeImageRow)} "
                  f"({args.clients} creates + {2 * args.changed} updates)")
        finally:
            harness.close()


if __name__ == "__main__":
    main()
