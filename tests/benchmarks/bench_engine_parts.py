"""Benchmark: where a first import's sync thread spends its CPU, part by part, without a profiler's cost per call.

Runs `erpsync sync` inside this process over the bench_import setup (the seeded sandbox ERP in a process of its
own, an empty SQLite CRM, the default client fields), with the collector held as the command holds it, and prints
the sync thread's CPU seconds in each engine part (wrapped once per batch, so the timing costs nothing
measurable): the batch, its plan, the applier with the target's creates, the store's commit, the safety nets
(merge bases, before-images) and the first import's key memory. Nothing is asserted: this prints.

    python tests/benchmarks/bench_engine_parts.py [--clients 20000] [--page 500]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))


class ThreadTimers:
    """The calling thread's CPU seconds and the calls of wrapped functions (the sync thread's own time: the
    read-ahead thread's work on the next pages is not counted in a part it overlaps)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, owner: object, name: str, label: str) -> None:
        real: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.calls[label] = self.calls.get(label, 0) + 1
            started = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.thread_time() - started

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()

    from tests.benchmarks import bench_import as setup

    with tempfile.TemporaryDirectory(prefix="erpsync-parts-") as folder:
        tmp = Path(folder)
        # the throwaway file keyring of the tests: never the machine's own
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
               "ERPSYNC_TEST_KEYRING_FILE": str(tmp / "keyring.json"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        os.environ.update(env)
        with setup.sandbox_process(tmp, args.clients) as url:
            work = tmp / "work"
            work.mkdir()
            crm = work / "crm.sqlite"
            setup.fresh_crm(crm)
            (work / "profile.toml").write_text(setup.profile_text(url, crm, args.page))
            subprocess.run(setup._erpsync_argv(work / "data", "config", "import", str(work / "profile.toml")),
                           check=True, env=env, capture_output=True)
            subprocess.run(setup._erpsync_argv(work / "data", "secret", "set", "erp.token"), input=setup.DEMO_TOKEN,
                           check=True, env=env, capture_output=True, text=True)

            from erpsync_gui import cli
            from erpsync_gui.app import startup_gc
            from erpsync_gui.engine import applier, before_images, fresh, runner
            from erpsync_gui.store import sync_state

            timers = ThreadTimers()
            parts = [
                (runner._Run, "_batch", "batch (all of it)"),
                (runner, "plan_batch", "  plan_batch"),
                (applier.Applier, "apply", "  Applier.apply"),
                (applier.Applier, "_create", "    of which the creates (connector)"),
                (sync_state.SyncState, "commit", "  SyncState.commit"),
                (runner._Run, "_safety_nets", "  safety nets"),
                (runner, "snapshots_of", "    of which merge.snapshots_of"),
                (before_images, "rows", "    of which before_images.rows"),
                (fresh.FreshTarget, "remember", "  FreshTarget.remember"),
            ]
            for owner, name, label in parts:
                timers.wrap(owner, name, label)
            startup_gc.hold()  # as the command's own process holds it
            started = time.thread_time()
            cli.main(["--data-dir", str(work / "data"), "sync", "--entity", "clients", "--yes"])
            total = time.thread_time() - started
    print(f"\nsync thread CPU {total:.2f} s for {args.clients} clients at page {args.page}")
    for _owner, _name, label in parts:
        if label in timers.seconds:
            seconds = timers.seconds[label]
            print(f"  {label:40s} {timers.calls[label]:6d} calls  {seconds:6.3f} s  "
                  f"{seconds / args.clients * 1e6:6.1f} us/record")


if __name__ == "__main__":
    main()
