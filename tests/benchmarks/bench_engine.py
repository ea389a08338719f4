"""Benchmark: full import of N clients from the sandbox ERP into a SQLite CRM database, then a no-op re-sync.

Compares the engine with a bare fetch-and-insert loop over the same data, at page sizes 50 and 500, and prints
records/s and peak memory. Each scenario runs in its own process (the sandbox in another), so peak memory is
the scenario's own. Aims: the engine within 2x of the bare loop; a no-op re-sync under 5% of the full import.

    python tests/benchmarks/bench_engine.py [--clients 100000] [--pages 50,500]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_mb() -> float:
    """This process's own peak (VmHWM; ru_maxrss would carry the parent's peak across exec on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fresh_crm(path: Path) -> None:
    from sqlalchemy import create_engine, text

    from erpsync_gui.sandbox.demo_crm_perfex import seed_reference_rows
    from erpsync_gui.sandbox.demo_crm_schema import create_schema

    engine = create_engine(f"sqlite:///{path}")
    create_schema(engine)
    with engine.begin() as conn:  # a CRM indexes its customer number; the marker index is ours to suggest
        seed_reference_rows(conn)  # Perfex's countries (clients keep a tblcountries id), statuses, ...
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_bench_cn ON tblclients (customer_number)"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_bench_ext ON tblclients (external_id)"))
    engine.dispose()


def child_baseline(url: str, crm: Path, page: int) -> dict:
    """What any script would do: fetch every page, insert every row."""
    import httpx
    from sqlalchemy import create_engine, insert

    from erpsync_gui.sandbox.demo_crm_schema import METADATA
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN

    engine = create_engine(f"sqlite:///{crm}")
    table = METADATA.tables["tblclients"]
    from datetime import UTC, datetime

    start, n, cursor = time.perf_counter(), 0, None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEMO_AUTH_TOKEN}"}) as http:
        while True:
            params = {"per_page": page, **({"cursor": cursor} if cursor else {})}
            body = http.get("index.php/api/clients", params=params).json()
            rows = [{"company": r["company"], "customer_number": r["customer_number"], "vat": r.get("vat"),
                     "city": r.get("city"), "phonenumber": r.get("phone"), "address": r.get("address"),
                     "zip": r.get("zip"), "state": r.get("county"), "external_id": str(r["id"]),
                     "external_channel": "erpsync", "datecreated": datetime.now(UTC).replace(tzinfo=None),
                     "country": r.get("country")} for r in body["data"]]
            if rows:
                with engine.begin() as conn:
                    conn.execute(insert(table), rows)
                n += len(rows)
            cursor = body["meta"].get("next_cursor")
            if not cursor or not rows:
                break
    return {"records": n, "seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def child_engine(url: str, crm: Path, page: int, data_dir: Path) -> dict:
    from erpsync_gui.app.connectors import build_connector
    from erpsync_gui.engine.runner import SyncEngine
    from erpsync_gui.mapping.defaults import default_fields
    from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
    from erpsync_gui.records import Direction, Side
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.config_repo import ConfigRepo
    from erpsync_gui.store.db import open_store

    store = open_store(data_dir=data_dir)
    profile = ConfigRepo(store).save_profile(ProfileConfig(
        name="demo", demo=True,
        crm=EndpointConfig(Side.CRM, "sql", f"sqlite:///{crm}", batch_size=page, options={"preset": "perfex"}),
        erp=EndpointConfig(Side.ERP, "rest", url, auth="bearer", batch_size=page, options={"paging": "cursor"}),
        entities=(EntityConfig("clients", direction=Direction.IMPORT, policy="erp_wins",
                               match_keys=("customer_number",),
                               # the demo CRM keeps the ERP's customer number (the CRM module's column)
                               fields=({"crm": "customer_number", "erp": "customer_number", "type": "text"},
                                       *default_fields("clients")),
                               currency_mapping={"1": 1, "2": 2, "3": 3, "4": 4}),),
    ))
    secrets = SecretStore(demo_values={"erp.token": DEMO_AUTH_TOKEN})
    connectors = {side: build_connector(profile, profile.endpoint(side), secrets) for side in Side}
    engine = SyncEngine(store, profile, connectors)
    start = time.perf_counter()
    full = engine.run("clients", trigger="cli")
    full_s = time.perf_counter() - start
    start = time.perf_counter()
    noop = engine.run("clients", trigger="cli")
    noop_s = time.perf_counter() - start
    start = time.perf_counter()  # no cursor: every record read again and compared by checksum
    compare = engine.run("clients", trigger="cli", full=True)
    compare_s = time.perf_counter() - start
    return {"records": full.counts["inserted"], "status": full.status, "seconds": full_s,
            "noop_seconds": noop_s, "noop_written": noop.counts["inserted"] + noop.counts["updated"],
            "compare_seconds": compare_s,
            "compare_written": compare.counts["inserted"] + compare.counts["updated"], "peak_mb": _peak_mb()}


def _run_child(*args: str) -> dict:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    out = subprocess.run([sys.executable, str(HERE), "--child", *args], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"scenario {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", type=int, default=100_000)
    p.add_argument("--pages", default="50,500")
    p.add_argument("--child", nargs="+")
    args = p.parse_args()
    if args.child:
        kind, url, crm, page, *rest = args.child
        fn = child_baseline if kind == "baseline" else child_engine
        result = fn(url, Path(crm), int(page), *(Path(r) for r in rest))
        print(json.dumps(result))
        return

    from erpsync_gui.sandbox.server import SandboxServer

    with tempfile.TemporaryDirectory(prefix="erpsync-bench-") as tmp:
        tmp_path = Path(tmp)
        erp_db = tmp_path / "erp.sqlite"
        t0 = time.perf_counter()
        SandboxServer(erp_db, seed={"clients": args.clients}).storage.close()
        print(f"seeded {args.clients} clients in {time.perf_counter() - t0:.1f} s")
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "erpsync_gui.sandbox", "--port", str(port),
                                   "--db", str(erp_db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait(port)
            print(f"{'page':>5} {'scenario':<9} {'records':>8} {'seconds':>8} {'rec/s':>8} {'peak MB':>8}  notes")
            for page in (int(x) for x in args.pages.split(",")):
                base_crm, eng_crm = tmp_path / f"base-{page}.sqlite", tmp_path / f"engine-{page}.sqlite"
                _fresh_crm(base_crm)
                _fresh_crm(eng_crm)
                base = _run_child("baseline", url, str(base_crm), str(page))
                eng = _run_child("engine", url, str(eng_crm), str(page), str(tmp_path / f"data-{page}"))
                _row(page, "bare loop", base, "")
                ratio = eng["seconds"] / base["seconds"]
                noop_share = eng["noop_seconds"] / eng["seconds"] * 100
                _row(page, "engine", eng, f"{ratio:.2f}x the bare loop ({eng['status']})")
                print(f"{page:>5} {'no-op':<9} {'':>8} {eng['noop_seconds']:>8.2f} {'':>8} {'':>8}  "
                      f"{noop_share:.1f}% of the full import, {eng['noop_written']} writes (from the cursor)")
                share = eng["compare_seconds"] / eng["seconds"] * 100
                print(f"{page:>5} {'compare':<9} {eng['records']:>8} {eng['compare_seconds']:>8.2f} {'':>8} {'':>8}  "
                      f"{share:.1f}% of the full import, {eng['compare_written']} writes (--full: all read again)")
        finally:
            server.terminate()
            server.wait(10)


def _row(page: int, name: str, r: dict, note: str) -> None:
    rate = r["records"] / r["seconds"] if r["seconds"] else 0
    print(f"{page:>5} {name:<9} {r['records']:>8} {r['seconds']:>8.2f} {rate:>8.0f} {r['peak_mb']:>8.0f}  {note}")


def _wait(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the sandbox did not start")


if __name__ == "__main__":
    main()
