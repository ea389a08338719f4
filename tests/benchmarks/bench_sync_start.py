"""The fixed cost of `erpsync sync`: the whole command on a tiny import (100 clients from the sandbox ERP into a
fresh SQLite CRM), where nearly all the time is what the command pays before and after the records flow: the
interpreter, the imports, the keyring, the state store, the profile, the connectors, the run's start and finish.

    python tests/benchmarks/bench_sync_start.py [--runs 5] [--clients 100] [--checkout DIR ...] [--keyring-detection]

A profile is prepared once per tree as `bench_import.py` does (a fresh CRM, `erpsync config import`, `erpsync
secret set erp.token`, untimed); each run starts from a fresh copy of it and times `erpsync --data-dir D sync
--entity clients --yes` (the profile's first sync): wall and CPU seconds (the kernel's accounting of the child),
min and median. Each --checkout is a source tree run with this interpreter (default: this one), timed interleaved
run by run, e.g. an older tree beside this one for a before and after; every tree gets one untimed run first,
which compiles its bytecode. Secrets live in the tests' throwaway file keyring.

`--keyring-detection` also times, inside a process of its own, the choice of the OS keyring backend the product
makes when none is configured (PYTHON_KEYRING_BACKEND unset): it reads and writes no entry. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_import import _timed, fresh_crm, profile_text, sandbox_process  # noqa: E402

#: what the keyring detection process runs: the product's own choice of backend (no entry read), timed inside
_DETECT = """import json, time
from erpsync_gui.secrets import SecretStore
cpu, wall = time.process_time(), time.perf_counter()
SecretStore().available()
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}))
"""


def _erpsync(data: Path, *args: str) -> list[str]:
    """The `erpsync` command as its script runs it (-P: the working directory is not put on the path, so the
    tree first on PYTHONPATH is the one that runs)."""
    return [sys.executable, "-P", "-c", "import sys; from erpsync_gui.cli import main; sys.exit(main())",
            "--data-dir", str(data), *args]


def _tree_env(env: dict[str, str], tree: Path) -> dict[str, str]:
    return {**env, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT), *filter(None, [os.environ.get(
        "PYTHONPATH")])])}


def prepare(url: str, work: Path, template: Path, tree: Path, env: dict[str, str]) -> None:
    """A profile set up as a user does (a fresh CRM, `config import`, `secret set`) in `work`, kept in `template`:
    each timed run starts from a copy of it at the same place (the profile names its CRM file by path)."""
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN

    work.mkdir()
    crm = work / "crm.sqlite"
    fresh_crm(crm)
    (work / "profile.toml").write_text(profile_text(url, crm, 500))
    run_env = _tree_env(env, tree)
    subprocess.run(_erpsync(work / "data", "config", "import", str(work / "profile.toml")),
                   check=True, env=run_env, capture_output=True)
    subprocess.run(_erpsync(work / "data", "secret", "set", "erp.token"), input=DEMO_AUTH_TOKEN,
                   check=True, env=run_env, capture_output=True, text=True)
    shutil.copytree(work, template)


def one_sync(work: Path, template: Path, tree: Path, env: dict[str, str], clients: int) -> dict:
    """The profile's first sync, timed, from a fresh copy of the prepared profile and CRM."""
    shutil.rmtree(work)
    shutil.copytree(template, work)
    result = _timed(_erpsync(work / "data", "sync", "--entity", "clients", "--yes", "--json"), _tree_env(env, tree))
    runs = json.loads(result.pop("output"))
    counts = runs[0]["counts"]
    if runs[0]["status"] != "success" or counts.get("inserted") != clients:
        raise SystemExit(f"the sync did not import the {clients} clients: {runs[0]['status']} {counts}")
    return result


def detect_keyring(tree: Path, env: dict[str, str]) -> dict:
    """A process that only picks the keyring backend, with none configured in the environment: the time of
    that choice, measured inside the process (its imports of erpsync_gui.secrets excluded)."""
    bare = {k: v for k, v in _tree_env(env, tree).items()
            if k not in ("PYTHON_KEYRING_BACKEND", "ERPSYNC_TEST_KEYRING_FILE")}
    done = subprocess.run([sys.executable, "-P", "-c", _DETECT], env=bare, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _figures(values: list[dict]) -> dict:
    walls, cpus = [v["wall"] for v in values], [v["cpu"] for v in values]
    return {"wall_min": min(walls), "wall_median": statistics.median(walls), "cpu_min": min(cpus),
            "cpu_median": statistics.median(cpus), "runs": values}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--checkout", type=Path, action="append", help="a source tree to time (repeatable)")
    p.add_argument("--keyring-detection", action="store_true",
                   help="also time the keyring backend's detection when none is configured (reads no entry)")
    p.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    trees = [t.resolve() for t in (args.checkout or [ROOT])]

    results: dict[str, dict[str, list[dict]]] = {str(t): {"sync": [], "keyring": []} for t in trees}
    with tempfile.TemporaryDirectory(prefix="erpsync-bench-start-") as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
               "ERPSYNC_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode compiled
        print(f"load before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with sandbox_process(tmp_path, args.clients) as url:
            for i, tree in enumerate(trees):  # an untimed first run compiles each tree's bytecode
                prepare(url, tmp_path / f"tree-{i}", tmp_path / f"template-{i}", tree, env)
                one_sync(tmp_path / f"tree-{i}", tmp_path / f"template-{i}", tree, env, args.clients)
            for run in range(args.runs):
                for i, tree in enumerate(trees):
                    r = one_sync(tmp_path / f"tree-{i}", tmp_path / f"template-{i}", tree, env, args.clients)
                    results[str(tree)]["sync"].append(r)
                    line = f"run {run + 1} {tree.name}: sync {r['wall']:.3f} s (cpu {r['cpu']:.3f})"
                    if args.keyring_detection:
                        k = detect_keyring(tree, env)
                        results[str(tree)]["keyring"].append(k)
                        line += f", keyring detection {k['wall']:.3f} s (cpu {k['cpu']:.3f})"
                    print(f"{line}, load {r['load']:.2f}", flush=True)
    print(f"\nfixed cost of `erpsync sync` ({args.clients} clients), min / median of {args.runs}:")
    summary: dict[str, dict] = {}
    for tree, got in results.items():
        summary[tree] = {"sync": _figures(got["sync"])}
        s = summary[tree]["sync"]
        print(f"  {tree}: wall {s['wall_min']:.3f} / {s['wall_median']:.3f} s, "
              f"cpu {s['cpu_min']:.3f} / {s['cpu_median']:.3f} s")
        if got["keyring"]:
            summary[tree]["keyring"] = k = _figures(got["keyring"])
            print(f"    keyring detection (none configured): wall {k['wall_min']:.3f} / {k['wall_median']:.3f} s, "
                  f"cpu {k['cpu_min']:.3f} / {k['cpu_median']:.3f} s")
    print(f"load after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.out:
        args.out.write_text(json.dumps({"benchmark": "fixed cost of erpsync sync", "clients": args.clients,
                                        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                        "cpus": os.cpu_count(), "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
