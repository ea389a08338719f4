"""Benchmark: the state store's batch commit alone, over batches shaped like a run's, into a fresh SQLite store.

Three runs of N records in batches: a first import into an SQL CRM (new synced links, their merge bases and
before-images), an update of every pair (links written again with their ids, merge bases replaced, outcomes,
before-images with the old values, conflicts resolved) and a first import through write-ahead links (pending
links made synced, their earlier errors settled). Prints the CPU time of `SyncState.commit` per batch and per
record, the best of --reps (the machine is shared: the best is the least disturbed). Nothing is asserted.

    python tests/benchmarks/bench_store_commit.py [--records 20000] [--batch 500] [--reps 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

FIELDS = ("customer_number", "company", "vat", "phonenumber", "address", "city", "state", "country", "zip",
          "default_currency")


def _hex(text: str, size: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _values(i: int, tag: str) -> dict:
    return {name: (2 if name == "default_currency" else f"{name} {i} {tag}") for name in FIELDS}


def _snapshot(i: int, tag: str, when: datetime):
    from erpsync_gui.store.snapshots import Snapshot, stamp

    digests = {name: _hex(f"{name}{i}{tag}", 16) for name in FIELDS}
    return Snapshot(stamp(when), {"crm": dict(digests), "erp": dict(digests)})


def _image(state, run_id: int, i: int, when: datetime, action: str, before: dict | None, after: dict) -> dict:
    return {"run_id": run_id, "profile_id": state.profile_id, "entity": state.entity, "created_at": when,
            "side": "crm", "record_id": str(i), "action": action, "before": before, "after": after}


def import_batches(state, run_id: int, records: int, batch: int, start: datetime):
    from erpsync_gui.records import Side
    from erpsync_gui.store.link import Link
    from erpsync_gui.store.sync_state import BatchCommit

    txn = str(uuid.uuid4())
    for first in range(0, records, batch):
        now = start + timedelta(seconds=first)
        links, snaps, images = [], [], []
        for i in range(first, min(records, first + batch)):
            link = Link(state.profile_id, state.entity, crm_id=str(i + 1), erp_id=str(i + 1),
                        crm_checksum=_hex(f"c{i}", 64), erp_checksum=_hex(f"e{i}", 64), erp_version="1",
                        erp_updated_at=start - timedelta(microseconds=i * 37), last_txn_id=txn,
                        last_written_side="crm", last_synced_at=now, state="synced")
            links.append(link)
            snaps.append((link, _snapshot(i, "", now)))
            images.append(_image(state, run_id, i + 1, now, "create", None, _values(i, "")))
        yield BatchCommit(links=links, snapshots=snaps, before_images=images, cursor=(Side.ERP, now.isoformat()))


def update_batches(state, run_id: int, records: int, batch: int, start: datetime):
    from erpsync_gui.records import Side
    from erpsync_gui.store.sync_state import BatchCommit

    for first in range(0, records, batch):
        now = start + timedelta(seconds=first)
        ids = [str(i + 1) for i in range(first, min(records, first + batch))]
        found = state.links_by_ids(Side.ERP, ids)
        links, snaps, images, outcomes = [], [], [], []
        for record_id in ids:
            link, i = found[record_id], int(record_id) - 1
            link.crm_checksum, link.erp_checksum = _hex(f"c{i}u", 64), _hex(f"e{i}u", 64)
            link.crm_version, link.erp_version = "2", "2"
            link.crm_updated_at = link.erp_updated_at = now - timedelta(microseconds=i)
            link.last_synced_at = now
            links.append(link)
            snaps.append((link, _snapshot(i, "u", now)))
            images.append(_image(state, run_id, i + 1, now, "update", {"city": f"city {i}"}, {"city": f"city {i} u"}))
            outcomes.append({"run_id": run_id, "profile_id": state.profile_id, "entity": state.entity,
                             "crm_id": record_id, "erp_id": record_id, "action": "update", "target_side": "crm",
                             "error_kind": None, "message": "changed since the last sync", "signature": None,
                             "payload_excerpt": None, "resolution": None, "created_at": now})
        yield BatchCommit(links=links, snapshots=snaps, before_images=images, outcomes=outcomes,
                          resolved_conflict_links=[link.id for link in links], cursor=(Side.ERP, now.isoformat()))


def write_ahead_batches(state, run_id: int, records: int, batch: int, start: datetime):
    """Each batch's links are recorded pending first (not timed), as a create through write-ahead does."""
    from erpsync_gui.records import Side
    from erpsync_gui.store.link import Link

    for commit in import_batches(state, run_id, records, batch, start):
        ahead = [Link(state.profile_id, state.entity, erp_id=link.erp_id, state="pending", pending_side="erp",
                      create_unknown=True) for link in commit.links]
        state.persist_new_links(ahead)
        for pending, link in zip(ahead, commit.links, strict=True):
            link.id = pending.id
        commit.settled = {Side.ERP: [link.erp_id for link in commit.links]}
        commit.resolved_conflict_links = [link.id for link in commit.links]
        yield commit


def one_rep(records: int, batch: int) -> dict[str, float]:
    from erpsync_gui.store.db import open_store
    from erpsync_gui.store.sync_state import SyncState
    from tests.fakes.memory import MemoryConnector
    from tests.unit.test_engine import engine_for

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ERPSYNC_DATA_DIR"] = str(Path(tmp) / "data")
        store = open_store(f"sqlite:///{Path(tmp) / 'state.db'}")
        try:
            profile_id = engine_for(store, MemoryConnector(), MemoryConnector()).profile.id
            start = datetime(2026, 3, 1, 9, 0, 0, 1, tzinfo=UTC)
            for label, entity, batches in (("import", "clients", import_batches), ("update", "clients", update_batches),
                                           ("write-ahead import", "contacts", write_ahead_batches)):
                state = SyncState(store, profile_id, entity)
                run_id = state.start_run("import", "manual", "full")
                spent = 0.0
                for commit in batches(state, run_id, records, batch, start):
                    began = time.process_time()
                    state.commit(commit)
                    spent += time.process_time() - began
                out[label] = spent
        finally:
            store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    from erpsync_gui.config.kinds import register_kind
    from tests.fakes.memory import KIND

    register_kind(KIND)
    best: dict[str, float] = {}
    for _ in range(args.reps):
        for label, spent in one_rep(args.records, args.batch).items():
            best[label] = min(best.get(label, spent), spent)
    batches = -(-args.records // args.batch)
    print(f"SyncState.commit, {args.records} records in {batches} batches of {args.batch} (best of {args.reps}):")
    for label, spent in best.items():
        print(f"  {label:20s} {spent:6.3f} s CPU  {spent / batches * 1e3:6.2f} ms/batch  "
              f"{spent / args.records * 1e6:5.1f} us/record")


if __name__ == "__main__":
    main()
