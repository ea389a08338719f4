"""Benchmark: the engine's per-batch bookkeeping after the target write, in one process over in-memory systems.

Imports N clients, then updates them all, then re-syncs with nothing changed, and prints for each run the CPU
time and call counts of the bookkeeping parts (the state store's batch commit with its links, snapshots and
rows, the applier's recording, the merge snapshots and before-images), per batch and per record, from a
cProfile of the run. Nothing is asserted: this prints.

    python tests/benchmarks/bench_bookkeeping.py [--clients 20000] [--batch 500]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

class Timers:
    """CPU seconds and calls of wrapped functions (each called once or a few times per batch, so the wrapping
    costs nothing measurable; a profiler's cost per call would hide the differences)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.order: list[str] = []

    def wrap(self, owner: object, name: str, label: str, *, count_only: bool = False) -> None:
        real = getattr(owner, name)

        def timed(*args, **kwargs):
            self.calls[label] = self.calls.get(label, 0) + 1
            if count_only:
                return real(*args, **kwargs)
            started = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.process_time() - started

        self.order.append(label)
        setattr(owner, name, timed)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # never the machine's keyring or data: the suite's in-memory keyring and a throwaway data directory
        os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
        os.environ["ERPSYNC_DATA_DIR"] = str(Path(tmp) / "data")
        from erpsync_gui.config.kinds import register_kind
        from erpsync_gui.records import Direction
        from erpsync_gui.store.db import open_store
        from tests.fakes.memory import KIND, MemoryConnector
        from tests.unit.test_engine import engine_for

        register_kind(KIND)
        logging.getLogger("erpsync").setLevel(logging.ERROR)
        store = open_store(f"sqlite:///{Path(tmp) / 'state.db'}")
        crm, erp = MemoryConnector(), MemoryConnector()
        for i in range(args.clients):
            erp.put("clients", {"number": f"C{i:06d}", "name": f"Firma {i}", "city": ("Brașov", "Köln", "Iași")[i % 3]})
        engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=args.batch)
        batches = -(-args.clients // args.batch)

        from erpsync_gui.engine import applier, before_images, merge, runner
        from erpsync_gui.store import sync_state

        timers = Timers()
        timers.wrap(sync_state.SyncState, "commit", "SyncState.commit (the batch's store transaction)")
        timers.wrap(sync_state.SyncState, "persist_new_links", "SyncState.persist_new_links (write-ahead)")
        timers.wrap(applier.Applier, "apply", "Applier.apply (writes + recording)")
        timers.wrap(MemoryConnector, "create_many", "  of which the target's create_many")
        timers.wrap(MemoryConnector, "update", "  of which the target's updates")
        timers.wrap(runner, "snapshots_of", "merge.snapshots_of")
        timers.wrap(before_images, "rows", "before_images.rows")
        timers.wrap(before_images, "capture", "before_images.capture")
        timers.wrap(merge, "field_digest", "field_digest (calls)", count_only=True)

        def run(label: str) -> None:
            timers.reset()
            cpu = time.process_time()
            result = engine.run("clients", full=True)
            cpu = time.process_time() - cpu
            print(f"\n{label}: {result.status}, {result.counts['processed']} records in {batches} batches, "
                  f"run CPU {cpu:.2f} s")
            for key in (label for label in timers.order if label in timers.calls):
                calls = timers.calls[key]
                if key not in timers.seconds:
                    print(f"  {key:52s} {calls:8d} calls  {calls / args.clients:5.1f} per record")
                    continue
                seconds = timers.seconds[key]
                print(f"  {key:52s} {calls:8d} calls  {seconds:6.3f} s CPU  {seconds / batches * 1e3:7.2f} ms/batch"
                      f"  {seconds / args.clients * 1e6:6.1f} us/record")

        run("import")
        for record in list(erp.rows("clients")):
            erp.put("clients", {"city": record["city"] + " Nord"}, record_id=record["id"])
        run("update")
        run("no-op re-sync")
        store.close()


if __name__ == "__main__":
    main()
