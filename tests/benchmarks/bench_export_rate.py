"""Benchmark P3: exporting new CRM clients to a generic-REST ERP under the endpoint's rate limit.

The CRM is a SQLite database read by the SQL connector, the ERP the sandbox server on a loopback port, the run the
real engine (tests/sync_harness.py); the ERP endpoint's `rate_limits` allow 10 requests a second. Two tasks:
- export N new clients (default 1,000) into an ERP holding 300, one create per POST (batches of 100), then with
  list creates (`list_create`: 100 records a POST in batches of 100, and 250 in batches of 250);
- export 200 new clients into an ERP holding 20,000, one that honours the lookup filters and one that ignores
  them (it answers `?external_id=` and `?customer_number=` with its whole list).

For each run it prints the requests the ERP received (POST / GET), the run's seconds, the floor = the fewest
requests any mode of the task made ÷ the rate, the run's ratio to that floor (the aim: at most 1.1x), and its
ratio to its own requests ÷ the rate (how well the run keeps the limit busy). The
seconds are the run's own (the engine's start and its read of the CRM included, the process start not). It
asserts nothing.

    python tests/benchmarks/bench_export_rate.py [--clients 1000] [--rate 10] [--quick]

`--quick` is a size for seconds: 40 clients into 300, 20 into 2,000.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

from sqlalchemy import insert  # noqa: E402

from erpsync_gui.records import Direction  # noqa: E402
from erpsync_gui.sandbox import demo_crm_schema as schema  # noqa: E402
from tests.sync_harness import Harness  # noqa: E402

LIST_MAX = 100
#: a larger list and batch, for an ERP that takes it: the lookups of a batch still go in one request each
BIG_LIST = 250


@dataclass(frozen=True)
class Figures:
    task: str
    mode: str
    posts: int
    gets: int
    seconds: float
    status: str

    @property
    def requests(self) -> int:
        return self.posts + self.gets


def _run(root: Path, task: str, mode: str, *, clients: int, erp_holds: int, rate: int, lists: int,
         ignore_filters: bool) -> Figures:
    """One export run: `lists` records a list POST and a batch (0: one create a POST, batches of LIST_MAX)."""
    options: dict = {"rate_limits": {"per_second": rate}}
    if lists:
        options |= {"list_create": True, "list_create_max": lists}
    harness = Harness(root / f"{task}-{mode}".replace(" ", "_").replace(",", ""), erp_options=options)
    try:
        harness.sandbox.api.list_create_max = max(lists, LIST_MAX)
        harness.sandbox.storage.insert_many("clients", [{"customer_number": f"E{n}", "company": f"Older {n}"}
                                                        for n in range(erp_holds)])
        with harness.crm_db.begin() as conn:
            conn.execute(insert(schema.CLIENTS), [
                {"customer_number": f"C{n}", "company": f"Firma {n}", "city": "Graz",
                 "datecreated": datetime(2026, 5, 1)} for n in range(clients)])
        harness.sandbox.api.ignore_filters = ignore_filters
        harness.sandbox.faults.reset_counts()
        started = time.perf_counter()
        result = harness.sync(direction=Direction.EXPORT, batch=lists or LIST_MAX)
        seconds = time.perf_counter() - started
        faults = harness.sandbox.faults
        return Figures(task, mode, faults.count("POST"), faults.count("GET"), seconds, result.status)
    finally:
        harness.close()


def _table(rows: list[Figures], rate: int) -> None:
    print(f"{'task':<38} {'mode':<22} {'POST':>5} {'GET':>5} {'req':>5} {'seconds':>8} {'floor s':>8} {'ratio':>6}"
          f" {'own floor':>9} {'ratio':>6}")
    fewest: dict[str, int] = {}
    for row in rows:
        fewest[row.task] = min(fewest.get(row.task, row.requests), row.requests)
    for row in rows:
        floor, own = fewest[row.task] / rate, row.requests / rate
        status = "" if row.status == "success" else f"  ({row.status})"
        print(f"{row.task:<38} {row.mode:<22} {row.posts:>5} {row.gets:>5} {row.requests:>5} {row.seconds:>8.1f} "
              f"{floor:>8.1f} {row.seconds / floor:>5.2f}x {own:>9.1f} {row.seconds / own:>5.2f}x{status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=10, help="the endpoint's requests per second")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    clients, big_erp, few = (40, 2000, 20) if args.quick else (args.clients, 20_000, 200)
    rows: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        root = Path(tmp)
        task = f"{clients:,} new into 300"
        modes = (("one create a POST", 0), (f"lists of {LIST_MAX}", LIST_MAX), (f"lists of {BIG_LIST}", BIG_LIST))
        for mode, lists in modes:
            rows.append(_run(root, task, mode, clients=clients, erp_holds=300, rate=args.rate, lists=lists,
                             ignore_filters=False))
        for ignoring in (False, True):
            task = f"{few:,} new into {big_erp:,}, " + ("ignores filters" if ignoring else "filters")
            for mode, lists in modes[:2]:
                rows.append(_run(root, task, mode, clients=few, erp_holds=big_erp, rate=args.rate, lists=lists,
                                 ignore_filters=ignoring))
    print(f"rate limit {args.rate} requests/s; seconds: the run; floor = the fewest requests any mode of the task "
          "made / rate; own floor = the run's own requests / rate")
    _table(rows, args.rate)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
