"""Benchmark P1: a full import of N clients from a generic-REST ERP into a SQLite CRM, timed as whole commands.

Three peers read the same ERP (the sandbox server, paged by its `cursor`, so that no peer pays for the server's
OFFSET scans) into fresh CRM files:
- floor: a bare loop, httpx plus `sqlite3.executemany`, no logic at all;
- dlt: dlt's `rest_api` source merging into SQLite (the `bench` extra installs it);
- erpsync: `erpsync sync --entity clients --direction import`, the command a user runs, in a fresh data dir.

Each repetition runs the three in turn (interleaved, so a drift of the shared machine hits all alike); the table
gives min / median wall and CPU seconds of each, the ratios, and the load average around each run. The figures
go to bench-results.json (or --out). Nothing is asserted: this prints.

    python tests/benchmarks/bench_import.py [--clients 100000] [--pages 50,500] [--reps 3] [--quick]

`--quick` is the CI size: 10,000 clients, three repetitions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN as DEMO_TOKEN

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

CLIENTS_PATH = "index.php/api/clients"
PEERS = ("floor", "dlt", "erpsync")
#: the CRM columns both the floor and the import fill, from the ERP's fields
_FLOOR_COLUMNS = ("company", "customer_number", "vat", "city", "phonenumber", "address", "zip", "state",
                  "country", "external_id", "external_channel", "datecreated")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the sandbox did not start")


@contextmanager
def sandbox_process(folder: Path, clients: int) -> Iterator[str]:
    """The sandbox ERP seeded with `clients` clients, served by its own process (as a remote ERP is) while the
    block runs; gives its URL."""
    from erpsync_gui.sandbox.server import SandboxServer

    erp_db = folder / "erp.sqlite"
    SandboxServer(erp_db, seed={"clients": clients}).storage.close()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "erpsync_gui.sandbox", "--port", str(port), "--db", str(erp_db)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(10)


def fresh_crm(path: Path) -> None:
    """A demo CRM without clients: Perfex's reference rows (countries, options) and the four currencies the
    mapping names, with the customer-number index a CRM has."""
    from sqlalchemy import create_engine, insert, text

    from erpsync_gui.sandbox import demo_crm_schema as schema
    from erpsync_gui.sandbox.demo_crm_perfex import seed_reference_rows

    engine = create_engine(f"sqlite:///{path}")
    schema.create_schema(engine)
    with engine.begin() as conn:
        seed_reference_rows(conn)
        conn.execute(insert(schema.CURRENCIES), [
            {"symbol": sym, "name": code, "decimal_separator": ".", "thousand_separator": ",",
             "placement": "before", "isdefault": int(code == "RON")}
            for code, sym in (("RON", "lei"), ("EUR", "€"), ("USD", "$"), ("IRR", "﷼"))])
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_bench_cn ON tblclients (customer_number)"))
    engine.dispose()


# -- the peers, each run as its own process -----------------------------------------------------------
def floor(url: str, crm: Path, page: int) -> int:
    """What any script would do: fetch every page, insert every row with executemany."""
    import sqlite3
    from datetime import UTC, datetime

    import httpx

    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN

    db = sqlite3.connect(crm)
    sql = f"INSERT INTO tblclients ({', '.join(_FLOOR_COLUMNS)}) VALUES ({', '.join('?' * len(_FLOOR_COLUMNS))})"
    n, cursor = 0, None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEMO_AUTH_TOKEN}"}) as http:
        while True:
            params = {"per_page": page, **({"cursor": cursor} if cursor else {})}
            body = http.get(CLIENTS_PATH, params=params).json()
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
            rows = [(r["company"], r["customer_number"], r.get("vat"), r.get("city"), r.get("phone"),
                     r.get("address"), r.get("zip"), r.get("county"), r.get("country"), str(r["id"]), "erpsync",
                     now) for r in body["data"]]
            if not rows:
                break
            with db:
                db.executemany(sql, rows)
            n += len(rows)
            cursor = body["meta"].get("next_cursor")
            if not cursor:
                break
    db.close()
    return n


def dlt_peer(url: str, target: Path, page: int) -> int:
    """dlt's rest_api source, merging on the id into a SQLite file through its SQLAlchemy destination."""
    import dlt
    from dlt.sources.rest_api import rest_api_source

    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN

    source = rest_api_source({
        "client": {
            "base_url": url,
            "auth": {"type": "bearer", "token": DEMO_AUTH_TOKEN},
            "paginator": {"type": "cursor", "cursor_path": "meta.next_cursor", "cursor_param": "cursor"},
        },
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [{"name": "clients", "endpoint": {"path": CLIENTS_PATH, "data_selector": "data",
                                                       "params": {"per_page": page}}}],
    })
    pipeline = dlt.pipeline(pipeline_name="bench", pipelines_dir=str(target.parent / "dlt-pipelines"),
                            destination=dlt.destinations.sqlalchemy(credentials=f"sqlite:///{target}"),
                            dataset_name="main")
    pipeline.run(source)
    import sqlite3

    with sqlite3.connect(target) as db:
        return int(db.execute("SELECT count(*) FROM clients").fetchone()[0])


CUSTOMER_NUMBER = ({"crm": "customer_number", "erp": "customer_number", "type": "text"},)


def profile_text(url: str, crm: Path, page: int) -> str:
    """The import a user would set up: the default client fields and the customer number they match on (the
    seeded VAT numbers repeat at 10,000 clients, and a repeated key is rightly refused as a second twin)."""
    from erpsync_gui.app.config_file import dump_profile
    from erpsync_gui.mapping.defaults import default_fields
    from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
    from erpsync_gui.records import Direction, Side

    return dump_profile(ProfileConfig(
        name="bench",
        crm=EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm}", batch_size=page, options={"preset": "perfex"}),
        erp=EndpointConfig(Side.ERP, "rest", url, auth="bearer", batch_size=page, options={"paging": "cursor"}),
        entities=(EntityConfig("clients", direction=Direction.IMPORT, policy="erp_wins",
                               match_keys=("customer_number",), fields=(*CUSTOMER_NUMBER, *default_fields("clients")),
                               currency_mapping={"1": 1, "2": 2, "3": 3, "4": 4}),),
    ))


# -- timing --------------------------------------------------------------------------------------------
def _timed(argv: list[str], env: dict[str, str]) -> dict:
    """One whole process: wall seconds, its CPU seconds (the kernel's accounting) and the load around it."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()  # small: the peers print one line
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}):\n{err[-3000:]}{out[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "load": (load_before + os.getloadavg()[0]) / 2, "output": out.strip()}


def _erpsync_argv(data: Path, *args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("erpsync")), "--data-dir", str(data), *args]


def profile_erpsync(url: str, tmp: Path, page: int, env: dict[str, str], out: Path) -> None:
    """One more import under cProfile: where the whole command's time goes, printed by own time."""
    import pstats

    work = tmp / f"profile-{page}"
    work.mkdir()
    crm = work / "crm.sqlite"
    fresh_crm(crm)
    (work / "profile.toml").write_text(profile_text(url, crm, page))
    subprocess.run(_erpsync_argv(work / "data", "config", "import", str(work / "profile.toml")),
                   check=True, env=env, capture_output=True)
    subprocess.run(_erpsync_argv(work / "data", "secret", "set", "erp.token"), input=DEMO_TOKEN,
                   check=True, env=env, capture_output=True, text=True)
    # --yes: the profile's first sync, approved as a user does after its review (else it waits, held)
    argv = _erpsync_argv(work / "data", "sync", "--entity", "clients", "--yes")
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), *argv], check=True, env=env,
                   capture_output=True)
    print(f"\nprofile of the import at page size {page} ({out}):")
    pstats.Stats(str(out)).sort_stats("tottime").print_stats(25)
    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(40)


def one_rep(url: str, tmp: Path, page: int, rep: int, env: dict[str, str],
            peers: tuple[str, ...] = PEERS, before: Path | None = None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for peer in peers:
        work = tmp / f"{peer}-{page}-{rep}"
        work.mkdir()
        if peer == "floor":
            crm = work / "crm.sqlite"
            fresh_crm(crm)
            result = _timed([sys.executable, str(HERE), "--peer", "floor", url, str(crm), str(page)], env)
        elif peer == "dlt":
            result = _timed([sys.executable, str(HERE), "--peer", "dlt", url, str(work / "dlt.sqlite"),
                             str(page)], env)
        else:
            crm = work / "crm.sqlite"
            fresh_crm(crm)
            (work / "profile.toml").write_text(profile_text(url, crm, page))
            subprocess.run(_erpsync_argv(work / "data", "config", "import", str(work / "profile.toml")),
                           check=True, env=env, capture_output=True)
            subprocess.run(_erpsync_argv(work / "data", "secret", "set", "erp.token"), input=DEMO_TOKEN,
                           check=True, env=env, capture_output=True, text=True)
            run_env = env
            if peer == "erpsync-before" and before is not None:  # the same command from an older source tree
                run_env = {**env, "PYTHONPATH": os.pathsep.join([str(before), env["PYTHONPATH"]])}
            # --yes approves the first sync (held for review otherwise, waiting for an answer on the terminal)
            result = _timed(_erpsync_argv(work / "data", "sync", "--entity", "clients", "--json", "--yes"), run_env)
            result["output"] = _sync_summary(result["output"])
        out[peer] = result
    return out


def _sync_summary(text: str) -> str:
    """The run's status and counts (a run that did not import everything makes its time meaningless)."""
    try:
        runs = json.loads(text)
    except ValueError:
        return text[-300:]
    runs = runs if isinstance(runs, list) else [runs]
    return "; ".join(f"{r.get('status')} {r.get('counts')}" for r in runs)


def summarize(reps: list[dict[str, dict]]) -> dict[str, dict]:
    figures: dict[str, dict] = {}
    peers = tuple(reps[0])
    for peer in peers:
        walls = [r[peer]["wall"] for r in reps]
        cpus = [r[peer]["cpu"] for r in reps]
        figures[peer] = {"wall_min": min(walls), "wall_median": statistics.median(walls),
                         "cpu_min": min(cpus), "cpu_median": statistics.median(cpus),
                         "peak_mb": max(r[peer]["peak_mb"] for r in reps)}
    f, d, e = figures["floor"], figures["dlt"], figures["erpsync"]
    figures["ratios"] = {
        "erpsync_over_floor_min": e["wall_min"] / f["wall_min"],
        "erpsync_over_floor_median": e["wall_median"] / f["wall_median"],
        "dlt_over_erpsync_min": d["wall_min"] / e["wall_min"],
        "dlt_over_erpsync_median": d["wall_median"] / e["wall_median"],
    }
    if "erpsync-before" in figures:
        b = figures["erpsync-before"]
        figures["ratios"]["before_over_erpsync_median"] = b["wall_median"] / e["wall_median"]
        figures["ratios"]["before_over_floor_median"] = b["wall_median"] / f["wall_median"]
    figures["load"] = [round(r[p]["load"], 2) for r in reps for p in peers]
    return figures


def print_table(clients: int, results: dict[int, dict]) -> None:
    print(f"\nP1: full import of {clients} clients, whole commands, wall seconds min / median (CPU median)")
    print("| page size | bare floor | dlt | ERPSync | ERPSync ÷ floor | dlt ÷ ERPSync | load |")
    print("|---|---|---|---|---|---|---|")
    for page, fig in results.items():
        cell = {p: f"{fig[p]['wall_min']:.1f} / {fig[p]['wall_median']:.1f} s ({fig[p]['cpu_median']:.1f})"
                for p in fig if p not in ("ratios", "load")}
        r = fig["ratios"]
        load = f"{min(fig['load']):.1f}–{max(fig['load']):.1f}"
        print(f"| {page} | {cell['floor']} | {cell['dlt']} | {cell['erpsync']} | "
              f"{r['erpsync_over_floor_min']:.1f} / {r['erpsync_over_floor_median']:.1f}× | "
              f"{r['dlt_over_erpsync_min']:.2f} / {r['dlt_over_erpsync_median']:.2f}× | {load} |")
    for page, fig in results.items():
        if "erpsync-before" in fig:
            r = fig["ratios"]
            print(f"page {page}: ERPSync before {cell_of(fig['erpsync-before'])} = "
                  f"{r['before_over_floor_median']:.1f}× the floor; now {r['before_over_erpsync_median']:.1f}× faster")


def cell_of(fig: dict) -> str:
    return f"{fig['wall_min']:.1f} / {fig['wall_median']:.1f} s"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=100_000)
    p.add_argument("--pages", default="50,500")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="the CI size: 10,000 clients")
    p.add_argument("--only", default=",".join(PEERS), help="peers to run (default: all three)")
    p.add_argument("--out", type=Path, default=Path("bench-results.json"))
    p.add_argument("--before", type=Path, help="also time erpsync from this older source tree (before / after)")
    p.add_argument("--profile", type=Path, help="afterwards, profile one import into this file and print it")
    p.add_argument("--peer", nargs=4, metavar=("KIND", "URL", "TARGET", "PAGE"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.peer:
        kind, url, target, page = args.peer
        n = (floor if kind == "floor" else dlt_peer)(url, Path(target), int(page))
        print(json.dumps({"records": n}))
        return
    if args.quick:
        args.clients = 10_000
    peers = tuple(x for x in PEERS if x in args.only.split(","))
    if args.before:
        peers += ("erpsync-before",)

    with tempfile.TemporaryDirectory(prefix="erpsync-bench-") as tmp:
        tmp_path = Path(tmp)
        # the throwaway file keyring of the tests: never the machine's own
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
               "ERPSYNC_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               "RUNTIME__DLTHUB_TELEMETRY": "false"}
        # an installed app has its modules compiled (pip and the freezer write the bytecode): a shell that
        # turned bytecode files off would add compiling every module of the package to each timed command
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        results: dict[int, dict] = {}
        raw: dict[int, list] = {}
        with sandbox_process(tmp_path, args.clients) as url:
            pages = [int(x) for x in args.pages.split(",")]
            for rep in range(args.reps):  # repetitions outermost: every page size sees the same drift
                for page in pages:
                    r = one_rep(url, tmp_path, page, rep, env, peers, args.before)
                    raw.setdefault(page, []).append(r)
                    print(f"rep {rep + 1} page {page}: " + ", ".join(
                        f"{k} {v['wall']:.2f} s (cpu {v['cpu']:.2f}, load {v['load']:.1f})" for k, v in r.items()),
                        flush=True)
            if args.profile:
                profile_erpsync(url, tmp_path, pages[0], env, args.profile)
    results = {page: summarize(reps) for page, reps in raw.items()} if set(PEERS) <= set(peers) else {}
    if results:
        print_table(args.clients, results)
    report = {"benchmark": "P1 full import", "clients": args.clients, "reps": args.reps,
              "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "summary": {str(k): v for k, v in results.items()},
              "runs": {str(k): v for k, v in raw.items()}}
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
