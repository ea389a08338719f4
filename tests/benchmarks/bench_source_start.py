"""Start-up time of the app run from source (`python -m erpsync_gui`): from starting the process to the main
window's first paint (the app logs "Main window shown" then, as the frozen benchmark reads it), and to the window
filled (it logs "Main window ready" once the state database is open and the pages are built).

    python tests/benchmarks/bench_source_start.py [--runs 6] [--offscreen] [--checkout DIR ...]

Each --checkout is a source tree to time with this interpreter (default: this one); several are timed interleaved,
launch by launch, e.g. a worktree of the main branch beside this one for a before and after. Bytecode is cached
in a temporary folder (PYTHONDONTWRITEBYTECODE is dropped): the first start of each tree compiles it, as the first
start after an install does, and is reported apart. The first start is also the one on a new data directory (state
database created and migrated), the later ones on the same directory. Under Xvfb with the real X11 platform plugin
when Xvfb is installed, else offscreen. Prints the machine's load before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

from tests.benchmarks.bench_frozen_start import SHOWN, launch_to_lines, start_xvfb  # noqa: E402

READY = "Main window ready"


def _logs_ready(tree: Path) -> bool:
    """Whether that tree's app says when its window is filled (one that builds everything before showing the
    window does not: there, shown is filled)."""
    return READY in (tree / "erpsync_gui" / "ui" / "app.py").read_text(encoding="utf-8")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    each = ", ".join(f"{v:.2f}" for v in values)
    return f"median {statistics.median(values):.2f} s, best {min(values):.2f} s ({each})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=6, help="launches of each tree, the first on a new data directory")
    p.add_argument("--offscreen", action="store_true", help="use the offscreen platform even where Xvfb exists")
    p.add_argument("--checkout", type=Path, action="append", help="a source tree to time (repeatable)")
    args = p.parse_args(argv)
    trees = [t.resolve() for t in (args.checkout or [HERE.parents[2]])]
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "PYTHON_KEYRING_BACKEND", "ERPSYNC_DATA_DIR")}
    xvfb = None if args.offscreen else start_xvfb()
    if xvfb is not None:
        env.update(QT_QPA_PLATFORM="xcb", DISPLAY=xvfb[1])
        platform = f"xcb on Xvfb {xvfb[1]}"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
        platform = "offscreen"
    load_before = _load()
    results: dict[Path, list[dict[str, float]]] = {tree: [] for tree in trees}
    try:
        with tempfile.TemporaryDirectory(prefix="erpsync-bench-source-") as tmp:
            for _run in range(max(1, args.runs)):
                for number, tree in enumerate(trees):
                    tree_env = dict(env, XDG_CONFIG_HOME=f"{tmp}/config-{number}",
                                    PYTHONPYCACHEPREFIX=f"{tmp}/pycache-{number}")
                    data = Path(tmp) / f"data-{number}"
                    command = [sys.executable, "-m", "erpsync_gui", "--data-dir", str(data)]
                    lines = (SHOWN, READY) if _logs_ready(tree) else (SHOWN,)
                    results[tree].append(launch_to_lines(command, data, tree_env, lines, cwd=tree))
    finally:
        if xvfb is not None:
            xvfb[0].terminate()
            xvfb[0].wait(timeout=10)
    print(f"python: {sys.executable}")
    print(f"platform: {platform}; cores: {os.cpu_count()}; load before: {load_before}, after: {_load()}")
    for tree, times in results.items():
        print(f"{tree}:")
        first, later = times[0], times[1:]
        ready = f", window filled {first[READY]:.2f} s" if READY in first else ""
        print(f"  first start (compiles, new data directory): window shown {first[SHOWN]:.2f} s{ready}")
        print(f"  later starts, window shown: {_summary([t[SHOWN] for t in later])}")
        print(f"  later starts, window filled: {_summary([t[READY] for t in later if READY in t])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
