"""Benchmark: the mapping layer's cost per record in an import of clients, part by part.

The import's mapping (the customer number and the default client fields) over the sandbox's clients: mapping an
ERP record to the CRM payload, each side's canonical form, the checksum of it, the merge snapshot's field
digests and the common form the review shows. Each part runs over all records several times; the table gives
the best CPU microseconds per record. Nothing is asserted: this prints.

    python tests/benchmarks/bench_mapping.py [--records 20000] [--reps 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from erpsync_gui.mapping import EntityMapping, parse_fields
from erpsync_gui.mapping.checksum import checksum_of, field_digest
from erpsync_gui.mapping.defaults import default_fields
from erpsync_gui.records import Side
from erpsync_gui.sandbox.seed_data import overlap_clients


def import_mapping() -> EntityMapping:
    """The mapping the import benchmark sets up (tests/benchmarks/bench_import.py)."""
    rows = [{"crm": "customer_number", "erp": "customer_number", "type": "text"}, *default_fields("clients")]
    return EntityMapping("clients", parse_fields(rows), {"1": 1, "2": 2, "3": 3, "4": 4})


def _best_us(part: Callable[[], Any], count: int, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        part()
        best = min(best, time.process_time() - start)
    return best / count * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=20_000)
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args()
    mapping = import_mapping()
    erp = overlap_clients(args.records)
    crm = [{"userid": n, **mapping.map_record(data, to=Side.CRM)} for n, data in enumerate(erp, start=1)]
    erp_canon = [mapping.canonical(Side.ERP, data) for data in erp]
    crm_canon = [mapping.canonical(Side.CRM, data) for data in crm]
    parts: dict[str, Callable[[], Any]] = {
        "map_record ERP -> CRM": lambda: [mapping.map_record(data, to=Side.CRM) for data in erp],
        "canonical ERP": lambda: [mapping.canonical(Side.ERP, data) for data in erp],
        "canonical CRM": lambda: [mapping.canonical(Side.CRM, data) for data in crm],
        "checksum_of (both sides)": lambda: [(checksum_of(a), checksum_of(b)) for a, b in zip(erp_canon, crm_canon,
                                                                                           strict=True)],
        "field digests (both sides)": lambda: [([field_digest(v) for v in a.values()],
                                                [field_digest(v) for v in b.values()])
                                               for a, b in zip(erp_canon, crm_canon, strict=True)],
        "to_common (both sides)": lambda: [(mapping.to_common(Side.ERP, a), mapping.to_common(Side.CRM, b))
                                           for a, b in zip(erp, crm, strict=True)],
    }
    total = 0.0
    print(f"mapping cost per record, {args.records} clients, best of {args.reps} (CPU us):")
    for name, part in parts.items():
        cost = _best_us(part, args.records, args.reps)
        if not name.startswith("to_common"):  # the review's form; an import does not take it per record
            total += cost
        print(f"  {name:<28} {cost:8.2f}")
    print(f"  {'import path (all but to_common)':<28} {total:8.2f}")


if __name__ == "__main__":
    main()
