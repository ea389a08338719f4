"""Run every proof suite and print one table.

    python -m tests.reliability [--full] [--seed N]

The suites of tests/reliability (faults, crashes, concurrency, secrets, every connector), the live Tryton
connector suite, the model-based test of whole histories and the fuzz suite of bad input
(tests/integration/test_bad_input_fuzz.py) run in one pytest session; each suite's figures are collected and
printed as a Markdown table: load held, faults injected by kind, kills survived, bad inputs tried, canary hits,
duplicates, lost records. `--full` runs the by-hand sizes (10,000 records, 20 kills, more histories and
fuzz inputs).
Exits with pytest's status.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from tests.reliability.figures import FIGURES_ENV
from tests.reliability.sizes import FULL_ENV

ROOT = Path(__file__).resolve().parents[2]
SUITES = ["tests/reliability", "tests/integration/tryton/test_tryton_reliability.py",
          "tests/integration/test_sync_model.py"]
FUZZ_GLOB = "tests/integration/test_bad_input_fuzz.py"
FULL_HISTORIES = "3000"
FULL_FUZZ = "400"
HEADER = ("suite", "result", "load held", "faults injected", "kills survived", "bad inputs tried", "canary hits",
          "duplicates", "lost")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the by-hand sizes instead of CI's")
    parser.add_argument("--seed", type=int, help="the seed of every fault and kill (default 1)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (e.g. -x)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="erpsync-proof-") as work:
        figures_file, junit = Path(work) / "figures.jsonl", Path(work) / "junit.xml"
        env = {**os.environ, FIGURES_ENV: str(figures_file), "QT_QPA_PLATFORM": "offscreen"}
        if args.full:
            env[FULL_ENV] = "1"
            env.setdefault("ERPSYNC_MODEL_HISTORIES", FULL_HISTORIES)
            env.setdefault("ERPSYNC_FUZZ_EXAMPLES", FULL_FUZZ)
        if args.seed is not None:
            env["ERPSYNC_PROOF_SEED"] = str(args.seed)
        fuzz = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(FUZZ_GLOB))
        command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", f"--junitxml={junit}",
                   *SUITES, *fuzz, *args.pytest_args]
        print("running:", " ".join(command[2:]), flush=True)
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, check=False)
        output = done.stdout
        log = Path(tempfile.gettempdir()) / "erpsync-proof.log"
        log.write_text(output, encoding="utf-8")
        summary = [line for line in output.splitlines()
                   if line.startswith(("FAILED", "ERROR")) or re.search(r"\d+ (passed|failed|error)", line)]
        print("\n".join(summary[-20:]) or output[-3000:])
        print(f"pytest's whole output: {log}")
        figures = [json.loads(line) for line in figures_file.read_text().splitlines()] if figures_file.exists() \
            else []
        results = _results(junit)
    rows = _rows(figures, results, fuzz)
    print()
    print(render(rows))
    return done.returncode


def _results(junit: Path) -> dict[str, str]:
    """Each test case's outcome, keyed by its file and name."""
    if not junit.exists():
        return {}
    outcomes: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        key = f"{case.get('classname', '')}::{case.get('name', '')}"
        kinds = {child.tag for child in case}
        outcomes[key] = "FAILED" if kinds & {"failure", "error"} else ("skipped" if "skipped" in kinds else "passed")
    return outcomes


def _outcome(results: dict[str, str], *parts: str) -> str:
    found = [v for k, v in results.items() if all(p in k for p in parts)]
    if not found:
        return "not run"
    return "FAILED" if "FAILED" in found else ("skipped" if set(found) == {"skipped"} else "passed")


def _kinds(faults: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in faults.items()) if faults else "-"


def _rows(figures: list[dict], results: dict[str, str], fuzz: list[str]) -> list[tuple]:
    rows: list[tuple] = []
    for f in figures:
        suite = f["suite"]
        if suite == "faults":
            rows.append(("faults (sandbox, two-way)", _outcome(results, "test_faults"),
                         f"{f['records']:,} records, {f['requests']:,} requests, {f['runs']} runs; equal to a clean "
                         f"sync ({f['differ_from_clean']} differ)", _kinds(f["faults"]), "-", "-", "-",
                         f["duplicates"], f["lost"]))
        elif suite == "crash":
            rows.append(("crashes (SIGKILL, restart)", _outcome(results, "test_crash"),
                         f"{f['records']:,} records, {f['restarts']} starts; no run left running",
                         "-", f"{f['kills']} ({_kinds(f['kinds'])})", "-", "-", f["duplicates"], f["lost"]))
        elif suite == "concurrency-postgres":
            rows.append(("concurrency (2 processes, PostgreSQL)", _outcome(results, "postgresql_store"),
                         f"{f['attempts']} attempts: {f['runs']} runs, {f['refused']} refused, "
                         f"{f['overlapping']} overlapping", "-", "-", "-", "-", "-", "-"))
        elif suite == "concurrency-manual-scheduled":
            rows.append(("concurrency (manual + scheduled)", _outcome(results, "manual_and_a_scheduled"),
                         f"{f['runs']} runs, at most {f['most_at_once']} at once, {f['overlapping']} overlapping",
                         "-", "-", "-", "-", "-", "-"))
        elif suite == "secrets":
            rows.append(("secrets (canaries)", _outcome(results, "test_secrets"),
                         f"{f['features']} features, {f['files']} files ({f['bytes']:,} bytes), "
                         f"{f['gui_texts']:,} GUI texts", _kinds({"5xx quoting headers": f["faults"]}), "-", "-",
                         f["hits"], "-", "-"))
        elif suite.startswith("connector "):
            name = suite.split(" ", 1)[1]
            where = ("test_tryton_reliability",) if name == "Tryton" else ("test_connectors", f"[{_kind(name)}]")
            rows.append((f"connector {name}", _outcome(results, *where),
                         f"{f['records']:,} records, {f['requests']:,} requests, {f['runs']} runs",
                         _kinds(f["faults"]), "-", "-", "-", f["duplicates"], f["lost"]))
    model = [f for f in figures if f["suite"] == "model-based"]
    if model:
        histories, seconds = model[-1]["histories"], model[-1]["seconds"]
        outcome = _outcome(results, "test_sync_model")
        clean = 0 if outcome == "passed" else "see failure"
        rows.append(("model-based histories", outcome, f"{int(histories):,} histories in {seconds} s",
                     "5xx, 429, lost replies, bad ids", "-", f"{int(histories):,} histories", "-", clean, clean))
    if fuzz:
        outcome = _outcome(results, "test_bad_input_fuzz")
        tried = sum(f["inputs"] for f in figures if f["suite"] == "bad-input")
        rows.append(("bad input fuzz", outcome, f"{tried:,} profile files, field rows, currency mappings, replies",
                     "-", "-", f"{tried:,}", "-", "-", "-"))
    else:
        rows.append(("bad input fuzz", "not present", f"no {FUZZ_GLOB}", "-", "-", "-", "-", "-", "-"))
    rows.sort(key=_order)
    rows.append(_total(figures, model))
    return rows


def _order(row: tuple) -> int:
    """Faults first, then crashes, concurrency, secrets, the connectors and bad input."""
    for n, start in enumerate(("faults", "crashes", "concurrency", "secrets", "connector", "model", "bad input")):
        if row[0].startswith(start):
            return n
    return len(HEADER)


def _kind(name: str) -> str:
    return {"Zoho CRM": "zoho", "QuickBooks Online": "quickbooks", "SAP B1": "sap_b1", "Tally": "tally",
            "Payamgostar": "payamgostar", "Siagh": "siagh"}.get(name, name.lower())


def _total(figures: list[dict], model: list[dict]) -> tuple:
    faults: Counter[str] = Counter()
    for f in figures:
        faults.update(f.get("faults") if isinstance(f.get("faults"), dict) else {})
    kills = sum(f.get("kills", 0) for f in figures if f["suite"] == "crash")
    hits = sum(f.get("hits", 0) for f in figures if f["suite"] == "secrets")
    duplicates = sum(f.get("duplicates", 0) for f in figures)
    lost = sum(f.get("lost", 0) for f in figures)
    histories = int(model[-1]["histories"]) if model else 0
    fuzzed = sum(f.get("inputs", 0) for f in figures if f["suite"] == "bad-input")
    return ("**total**", "", f"{len(figures)} suites with figures", f"{sum(faults.values()):,}", kills,
            f"{histories + fuzzed:,}", hits, duplicates, lost)


def render(rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
