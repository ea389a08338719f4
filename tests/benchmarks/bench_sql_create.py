"""The CRM's SQL write path of a first import on its own: `SqlConnector.create_many` of N clients, 500 a batch,
into a fresh demo CRM (SQLite), with payloads shaped as the default client mapping gives them.

Prints the CPU seconds per record (min and median over the batches) and the Python function calls per record
(cProfile's count: a figure that a busy machine does not move). Nothing is asserted.

    python tests/benchmarks/bench_sql_create.py [--clients 20000] [--batch 500]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

from erpsync_gui.connectors.sql_db import SqlConnector  # noqa: E402
from erpsync_gui.profile import EndpointConfig  # noqa: E402
from erpsync_gui.records import Origin, Side  # noqa: E402
from tests.benchmarks.bench_import import fresh_crm  # noqa: E402

COUNTRIES = ("RO", "DE", "FR", "AT")


def payload(n: int) -> dict:
    """A client as the default mapping writes it: text fields, a country code and a currency id."""
    return {"customer_number": f"C{n:06d}", "company": f"Firma {n} SRL", "vat": f"RO{10_000_000 + n}",
            "phonenumber": f"+40 7{n % 100:02d} {n % 1000:03d} {n % 997:03d}", "address": f"Strada Mare {n % 300}",
            "city": ("Iași", "Köln", "Lyon", "Wien")[n % 4], "state": "", "country": COUNTRIES[n % 4],
            "zip": f"{700_000 + n % 999}", "default_currency": 1 + n % 4}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=500)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="erpsync-bench-sql-") as tmp:
        crm = Path(tmp) / "crm.sqlite"
        fresh_crm(crm)
        connector = SqlConnector(EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm}", options={"preset": "perfex"}),
                                 {})
        def batch(start: int, size: int) -> tuple[list[dict], list[Origin]]:
            numbers = range(start, start + size)
            return [payload(n) for n in numbers], [Origin("erpsync", str(n)) for n in numbers]

        warm, warm_origins = batch(10**8, 1)
        connector.create_many("clients", warm, origins=warm_origins)  # the first call reads the schema
        cpu: list[float] = []
        for start in range(0, args.clients, args.batch):
            payloads, origins = batch(start, min(args.batch, args.clients - start))
            began = time.process_time()
            results = connector.create_many("clients", payloads, origins=origins)
            cpu.append((time.process_time() - began) / len(payloads))
            assert all(r.error is None for r in results), results[0].error
        # a few batches more under cProfile, for the count of Python calls
        profile = cProfile.Profile()
        for k in range(4):
            payloads, origins = batch(10**7 + k * args.batch, args.batch)
            profile.enable()
            connector.create_many("clients", payloads, origins=origins)
            profile.disable()
        connector.close()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    print(f"create_many of {args.clients} clients, {args.batch} a batch, into a fresh SQLite CRM:")
    print(f"  CPU per record: min {min(cpu) * 1e6:.1f} us, median {statistics.median(cpu) * 1e6:.1f} us")
    print(f"  Python calls per record: {calls / (4 * args.batch):.1f}")


if __name__ == "__main__":
    main()
