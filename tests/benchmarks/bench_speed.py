"""The speed goals in one command: P1 (a full import beside the bare floor and dlt), P3 (exports under a rate
limit), P5 (the GUI thread's stalls during a sync from the window) and P6 (launch to the main window), each timed
as the user meets it, with the machine's load; every figure goes into one `bench-results.json`.

    python tests/benchmarks/bench_speed.py [--quick] [--only p1,p3,p5,p6] [--out bench-results.json]

Each goal's own benchmark runs in a process of its own (so one's imports and memory do not colour the next), with
`--out` to a file of its own; this command gathers them under the goal's name, beside the load before and after
it and the machine's core count. `--quick` is CI's size (10,000 clients for P1 and P5). Nothing is asserted: the
figures are printed by each benchmark as it goes, and the goals are compared in the summary at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: goal -> (script, its arguments at the full size, at the quick size)
GOALS: dict[str, tuple[str, list[str], list[str]]] = {
    "p1": ("bench_import.py", [], ["--quick"]),
    "p3": ("bench_export_rate.py", [], ["--quick"]),
    "p5": ("bench_gui_stall.py", [], ["--quick"]),
    "p6": ("bench_source_start.py", [], ["--runs", "4"]),
}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_goal(goal: str, quick: bool, folder: Path) -> dict:
    script, full, small = GOALS[goal]
    out = folder / f"{goal}.json"
    command = [sys.executable, str(HERE / script), *(small if quick else full), "--out", str(out)]
    print(f"\n== {goal.upper()}: {' '.join(command[1:])}", flush=True)
    load_before, started = _load(), time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    figures: dict = {"command": command[1:], "load_before": load_before, "load_after": _load(),
                     "seconds": round(time.perf_counter() - started, 1), "exit_code": done.returncode}
    if out.exists():
        figures["results"] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def summary_lines(results: dict[str, dict]) -> list[str]:
    """One line per goal, from the figures its benchmark wrote (what is missing is said, not guessed)."""
    lines = []
    for goal, fig in results.items():
        data = fig.get("results")
        if data is None:
            lines.append(f"{goal.upper()}: no figures (exit code {fig['exit_code']})")
            continue
        lines.append(f"{goal.upper()}: {_describe(goal, data)}")
    return lines


def _describe(goal: str, data: dict) -> str:
    if goal == "p1":
        parts = []
        for page, fig in data.get("summary", {}).items():
            r = fig.get("ratios", {})
            if "erpsync_over_floor_median" in r:
                parts.append(f"page {page}: {r['erpsync_over_floor_median']:.2f}x the floor (goal <= 2), "
                             f"dlt / ERPSync {r.get('dlt_over_erpsync_median', 0):.2f} (goal >= 3)")
        return "; ".join(parts) or "no ratios"
    if goal == "p3":
        cases = [f"{case}: {fig['posts']} POST + {fig['gets']} GET in {fig['seconds']:.1f} s, "
                 f"{fig['ratio']:.2f}x its requests / rate (goal <= 1.1)"
                 for case, fig in data.get("cases", {}).items()]
        return "\n    ".join(["", *cases]) if cases else "no cases"
    if goal == "p5":
        reps = [rep for rep in data.get("reps", []) if "worst_ms" in rep]
        if not reps:
            return "no repetitions"
        worst = max(reps, key=lambda rep: rep["worst_ms"])
        return (f"worst GUI stall {worst['worst_ms']:.1f} ms (goal <= 50), p99 {worst['p99_ms']:.1f} ms, "
                f"{worst['over_50ms']} over 50 ms, at load {worst.get('load', 0):.1f}")
    if goal == "p6":
        shown = data.get("later_shown_median_s")
        return f"launch to the window, median {shown:.2f} s (goal <= 1.5)" if shown is not None else "no launches"
    return ""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI's size (10,000 clients)")
    p.add_argument("--only", default=",".join(GOALS), help="goals to run, comma-separated")
    p.add_argument("--out", type=Path, default=Path("bench-results.json"))
    args = p.parse_args()
    goals = [g.strip().lower() for g in args.only.split(",") if g.strip()]
    unknown = [g for g in goals if g not in GOALS]
    if unknown:
        p.error(f"unknown goal(s) {', '.join(unknown)}: choose from {', '.join(GOALS)}")
    report: dict = {"benchmark": "speed goals P1-P6", "quick": args.quick, "cpus": os.cpu_count(),
                    "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "goals": {}}
    with tempfile.TemporaryDirectory(prefix="erpsync-bench-speed-") as tmp:
        for goal in goals:
            report["goals"][goal] = run_goal(goal, args.quick, Path(tmp))
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print("\nSummary")
    for line in summary_lines(report["goals"]):
        print(f"  {line}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
