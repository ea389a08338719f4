"""Benchmark: throughput of the service's workers. 20 profiles x 5 entities, each profile its own sandbox ERP with
latency injected and its own CRM file; one scheduled trigger of every profile; 1, 2 and 3 worker processes
(`erpsync service run --worker-only`, 2 syncs each side by side). Prints runs per minute for each.

    python tests/benchmarks/bench_service.py [--profiles 20] [--clients 20] [--latency-ms 20] [--workers 1,2,3]

Uses $ERPSYNC_TEST_POSTGRES_URL, or starts a throwaway PostgreSQL cluster as the test suite does.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402


def _server_url() -> tuple[str, object | None]:
    given = os.environ.get("ERPSYNC_TEST_POSTGRES_URL")
    if given:
        return given, None
    from tests.conftest import _Cluster, _pg_bin_dir

    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        sys.exit("no PostgreSQL: set ERPSYNC_TEST_POSTGRES_URL or install the server")
    cluster = _Cluster(bin_dir)
    cluster.start()
    return cluster.url, cluster


def _database(server: str) -> str:
    name = f"erpsync_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def scenario(server: str, workers: int, profiles: int, clients: int, latency_ms: float) -> tuple[int, float]:
    import keyring

    from erpsync_gui.app.headless import jobs
    from erpsync_gui.app.headless.queue import client_app, ensure_schema
    from erpsync_gui.sandbox.server import SandboxServer
    from erpsync_gui.secrets import SecretStore
    from erpsync_gui.store.db import open_store
    from tests.file_keyring import ENV, FileKeyring
    from tests.service.fleet import Workers, make_profile, runs_of, wait_until

    root = Path(tempfile.mkdtemp(prefix="erpsync-bench-"))
    os.environ[ENV] = str(root / "keyring.json")
    keyring.set_keyring(FileKeyring())
    url = _database(server)
    store = open_store(url)
    client = client_app(url)
    ensure_schema(store, client)
    erps = []
    names = [f"office-{n:02d}" for n in range(profiles)]
    for name in names:
        erp = SandboxServer(seed=False).start()
        erp.faults.configure(latency_ms=latency_ms)
        erps.append(erp)
        make_profile(store, SecretStore(), root, name, erp, clients=clients)
    fleet = Workers(root / "workers", url, root / "keyring.json")
    try:
        for n in range(workers):
            fleet.start(f"w{n + 1}")
        started = time.monotonic()
        for name in names:
            client.configure_task(jobs.SCHEDULE_TASK, queueing_lock=f"schedule:{name}").defer(timestamp=0,
                                                                                              profile=name)
        expected = profiles * 5
        wait_until(lambda: not jobs.queued_runs(client) and len(runs_of(store)) >= expected, 1800, "every run",
                   poll=0.1)
        elapsed = time.monotonic() - started
        return len(runs_of(store)), elapsed
    finally:
        fleet.stop_all()
        client.close()
        store.close()
        for erp in erps:
            erp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    server, cluster = _server_url()
    try:
        rows = []
        for count in (int(w) for w in args.workers.split(",")):
            runs, seconds = scenario(server, count, args.profiles, args.clients, args.latency_ms)
            rows.append((count, runs, seconds))
            print(f"{count} worker(s): {runs} runs in {seconds:.1f} s", flush=True)
        base = rows[0][1] / rows[0][2]
        print(f"\n{args.profiles} profiles x 5 entities, {args.clients} clients each, {args.latency_ms:g} ms latency, "
              "2 syncs per worker")
        print("| workers | runs | seconds | runs/min | speed-up |")
        print("|---|---|---|---|---|")
        for count, runs, seconds in rows:
            print(f"| {count} | {runs} | {seconds:.1f} | {runs / seconds * 60:.0f} | {runs / seconds / base:.2f}x |")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
