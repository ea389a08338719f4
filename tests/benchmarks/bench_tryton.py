"""Benchmark: import N parties from a live Tryton server into a SQLite table, through the connector's
changes feed, beside the bare floor measured in the same run (raw JSON-RPC `search_read` paged by id, and
the same SQLite inserts).

The server is the tests' own (tests/tryton_server.py: trytond on SQLite, needs the `tryton` extra); the
parties, each with an address and an e-mail, are seeded with one `create` call. Prints records/s of both
and the connector's share of the floor's speed.

    python tests/benchmarks/bench_tryton.py [--parties 10000] [--pages 200,1000]
"""

from __future__ import annotations

import argparse
import base64
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

COLUMNS = ("id", "name", "code", "email", "street", "city", "zip", "updated_at")
FIELDS = ["id", "name", "code", "write_date", "create_date", "addresses.street", "addresses.city",
          "addresses.postal_code", "contact_mechanisms.type", "contact_mechanisms.value"]


def _table(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE clients ({', '.join(COLUMNS)})")
    return db


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> None:
    db.executemany(f"INSERT INTO clients VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    db.commit()


def seed(server, count: int) -> float:
    admin = server.admin(timeout=3600)
    started = time.perf_counter()
    admin.create("party.party", *({
        "name": f"Party {n:06d}",
        "addresses": [["create", [{"street": f"Street {n}", "city": "Gent", "postal_code": "9000"}]]],
        "contact_mechanisms": [["create", [{"type": "email", "value": f"p{n}@bench.test"}]]],
    } for n in range(count)))
    admin.close()
    return time.perf_counter() - started


def floor(server, page: int, out: Path) -> tuple[int, float]:
    """What any script would do: log in, page through search_read by id, insert each page."""
    import httpx

    url = f"{server.url}{server.database}/rpc/"
    http = httpx.Client(timeout=300)
    db = _table(out)
    started = time.perf_counter()

    def call(method: str, params: list, auth: str | None = None):
        headers = {"Content-Type": "application/json", **({"Authorization": auth} if auth else {})}
        reply = http.post(url, content=json.dumps({"id": 1, "method": method, "params": params}), headers=headers)
        return reply.json()["result"]

    uid, session, *_ = call("common.db.login", ["admin", {"password": server.password}, "en"])
    auth = "Session " + base64.b64encode(f"admin:{uid}:{session}".encode()).decode()
    context = call("model.res.user.get_preferences", [True, {}], auth)
    last, total = 0, 0
    while True:
        rows = call("model.party.party.search_read",
                    [[["id", ">", last]], 0, page, [["id", "ASC"]], FIELDS, context], auth)
        if not rows:
            break
        batch = []
        for row in rows:
            address = (row.get("addresses.") or [{}])[0]
            email = next((m["value"] for m in row.get("contact_mechanisms.") or [] if m["type"] == "email"), None)
            stamp = row.get("write_date") or row.get("create_date")
            batch.append((row["id"], row["name"], row["code"], email, address.get("street"), address.get("city"),
                          address.get("postal_code"), json.dumps(stamp)))
        _insert(db, batch)
        total += len(rows)
        last = rows[-1]["id"]
    elapsed = time.perf_counter() - started
    db.close()
    http.close()
    return total, elapsed


def connector_import(server, page: int, out: Path) -> tuple[int, float]:
    """The connector's full read (cursor None) through `changes()`, each page inserted."""
    from erpsync_gui.connectors.tryton import TrytonConnector
    from erpsync_gui.profile import EndpointConfig
    from erpsync_gui.records import Side

    endpoint = EndpointConfig(Side.ERP, "tryton", server.url, auth="session", timeout=300,
                              options={"database": server.database, "page_size": page})
    connector = TrytonConnector(endpoint, {"password": server.password})
    db = _table(out)
    started = time.perf_counter()
    total = 0
    for batch in connector.changes("clients", None, page):
        rows = [(int(r.id), r.data["name"], r.data["code"], r.data["email"], r.data["street"], r.data["city"],
                 r.data["zip"], r.updated_at.isoformat() if r.updated_at else None) for r in batch.records]
        _insert(db, rows)
        total += len(rows)
    elapsed = time.perf_counter() - started
    db.close()
    connector.close()
    return total, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parties", type=int, default=10_000)
    parser.add_argument("--pages", default="200,1000", help="page sizes to measure, comma-separated")
    args = parser.parse_args()
    from tests.tryton_server import missing, running

    reason = missing()
    if reason:
        sys.exit(f"cannot run: {reason}")
    with running() as server, tempfile.TemporaryDirectory() as tmp:
        print(f"seeding {args.parties} parties in one create call: {seed(server, args.parties):.1f} s")
        expected = args.parties + 1  # and the company's own party
        print(f"{'page':>6} {'floor rec/s':>12} {'connector rec/s':>16} {'share of floor':>15}")
        for n, page in enumerate(int(p) for p in args.pages.split(",")):
            floor(server, page, Path(tmp) / f"warm{n}.db")  # warm the server's caches for both
            base_count, base_time = floor(server, page, Path(tmp) / f"floor{n}.db")
            count, spent = connector_import(server, page, Path(tmp) / f"conn{n}.db")
            assert base_count == count == expected, (base_count, count, expected)
            base_rate, rate = base_count / base_time, count / spent
            print(f"{page:>6} {base_rate:>12.0f} {rate:>16.0f} {rate / base_rate:>14.0%}")


if __name__ == "__main__":
    main()
