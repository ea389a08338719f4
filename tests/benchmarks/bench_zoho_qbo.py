"""Benchmark: a full read of N records through the Zoho CRM and QuickBooks Online connectors, beside a bare
httpx loop paging through the same fake the plain way (Zoho: `page` then `page_token`; QuickBooks:
STARTPOSITION), and prints both times, the requests each made and records/s.

    python tests/benchmarks/bench_zoho_qbo.py [--records 10000] [--rounds 5]

Each fake runs in its own process, so the reader and the server do not share one interpreter. The connectors
go through the product's HTTP layer (auth, rate limits, retries, redaction), turn every object into a flat
Record and read in Modified_Time / LastUpdatedTime order starting again from the newest change each page (so
edits meanwhile are not skipped); the bare loops do none of that. The QuickBooks connector also keeps Intuit's
10 requests a second, so its 11 requests cannot take less than a second; a third pair of rows lifts that limit.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

import httpx  # noqa: E402
import keyring  # noqa: E402

from erpsync_gui.profile import EndpointConfig  # noqa: E402
from erpsync_gui.records import Side  # noqa: E402
from erpsync_gui.secrets import SecretStore  # noqa: E402
from tests.memory_keyring import MemoryKeyring  # noqa: E402

REFRESHES = 40  # QuickBooks refresh tokens work once: the server side hands out this many


def serve(system: str, records: int) -> None:
    """The child: a seeded fake; prints where it is, then serves until stdin closes."""
    if system == "zoho":
        from tests.fakes.zoho import ZohoFake

        fake: Any = ZohoFake(("eu",), home_dc="eu")
        fake.seed("Contacts", records, per_second=3)
        fake.state.refresh_tokens["1000.bench"] = "eu"
        where = {"api": fake.api_url("eu"), "accounts": fake.accounts_url("eu"), "client_id": fake.state.client_id,
                 "client_secret": fake.state.client_secret}
    else:
        from tests.fakes.quickbooks import QuickBooksFake

        fake = QuickBooksFake()
        fake.seed("Customer", records, per_second=3)
        for i in range(REFRESHES):
            fake.state.refresh_tokens[f"AB-bench-{i}"] = fake.state.clock() + 86400
        where = {"api": fake.url, "token_url": fake.token_url, "realm_id": fake.state.realm_id,
                 "client_id": fake.state.client_id, "client_secret": fake.state.client_secret}
    print(json.dumps(where), flush=True)
    sys.stdin.read()
    fake.close()


class Counted:
    """Counts the API requests httpx sends (token requests aside)."""

    def __init__(self) -> None:
        self.calls = 0
        self._send = httpx.Client.send

    def __enter__(self) -> Counted:
        counter = self

        def send(client: httpx.Client, request: httpx.Request, **kw: Any) -> httpx.Response:
            if "/token" not in request.url.path:
                counter.calls += 1
            return counter._send(client, request, **kw)

        httpx.Client.send = send  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        httpx.Client.send = self._send  # type: ignore[method-assign]


def _timed(run: Callable[[], int], rounds: int) -> tuple[float, int, int]:
    times, count, calls = [], 0, 0
    for _ in range(rounds):
        with Counted() as counted:
            started = time.perf_counter()
            count = run()
            times.append(time.perf_counter() - started)
        calls = counted.calls
    return statistics.median(times), count, calls


def zoho(where: dict[str, str], rounds: int) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    from erpsync_gui.connectors.zoho import ZohoConnector
    from erpsync_gui.connectors.zoho.modules import MODULES

    endpoint = EndpointConfig(Side.CRM, "zoho", where["api"], auth="oauth2", options={
        "client_id": where["client_id"], "accounts_server": where["accounts"]})
    fields = ",".join(MODULES["Contacts"].api_fields)

    def connector_read() -> int:
        connector = ZohoConnector(endpoint, {"client_secret": where["client_secret"], "refresh_token": "1000.bench"})
        try:
            return sum(len(p.records) for p in connector.changes("Contacts", None, 200))
        finally:
            connector.close()

    def bare_read() -> int:
        token = httpx.post(f"{where['accounts']}/oauth/v2/token", data={
            "grant_type": "refresh_token", "refresh_token": "1000.bench", "client_id": where["client_id"],
            "client_secret": where["client_secret"]}).json()["access_token"]
        count, page, page_token = 0, 1, None
        with httpx.Client(base_url=where["api"], headers={"Authorization": f"Zoho-oauthtoken {token}"}) as client:
            while True:
                params: dict[str, Any] = {"fields": fields, "per_page": 200, "sort_by": "Modified_Time",
                                          "sort_order": "asc"}
                params.update({"page_token": page_token} if page_token else {"page": page})
                reply = client.get("/crm/v8/Contacts", params=params)
                if reply.status_code == 204:
                    return count
                body = reply.json()
                count += len(body["data"])
                if not body["info"]["more_records"]:
                    return count
                page += 1
                if page > 10:
                    page_token = body["info"]["next_page_token"]

    return _timed(connector_read, rounds), _timed(bare_read, rounds)


def quickbooks(where: dict[str, str], rounds: int, *, paced: bool = True,
               first_token: int = 0) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    from erpsync_gui.connectors.quickbooks import QuickBooksConnector

    limits = {} if paced else {"rate_limits": {"per_second": None}}
    endpoint = EndpointConfig(Side.ERP, "quickbooks", where["api"], auth="oauth2", options={
        "client_id": where["client_id"], "token_url": where["token_url"], "realm_id": where["realm_id"], **limits})
    tokens = iter(f"AB-bench-{i}" for i in range(first_token, REFRESHES))

    def connector_read() -> int:
        secrets = SecretStore()  # a rotated refresh token is kept as the product keeps it
        secrets.set("bench", Side.ERP, "refresh_token", next(tokens))
        connector = QuickBooksConnector(endpoint, secrets.endpoint("bench", Side.ERP, {
            "client_secret": where["client_secret"]}))
        try:
            return sum(len(p.records) for p in connector.changes("Customer", None, 1000))
        finally:
            connector.close()

    def bare_read() -> int:
        token = httpx.post(where["token_url"], auth=(where["client_id"], where["client_secret"]), data={
            "grant_type": "refresh_token", "refresh_token": next(tokens)}).json()["access_token"]
        count, start = 0, 1
        url = f"{where['api']}/v3/company/{where['realm_id']}/query"
        with httpx.Client(headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}) as client:
            while True:
                query = (f"SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY MetaData.LastUpdatedTime"
                         f" STARTPOSITION {start} MAXRESULTS 1000")
                reply = client.get(url, params={"query": query, "minorversion": 75}).json()
                items = reply["QueryResponse"].get("Customer", [])
                count += len(items)
                if len(items) < 1000:
                    return count
                start += 1000

    return _timed(connector_read, rounds), _timed(bare_read, rounds)


def _with_server(system: str, records: int, work: Callable[[dict[str, str]], Any]) -> Any:
    child = subprocess.Popen([sys.executable, str(HERE), "--serve", system, "--records", str(records)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        return work(json.loads(child.stdout.readline()))
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="median of this many reads")
    parser.add_argument("--serve", choices=("zoho", "quickbooks"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.records)
        return
    keyring.set_keyring(MemoryKeyring())  # never the machine's own keyring
    rounds = min(args.rounds, REFRESHES // 4)
    print(f"full read of {args.records} records, median of {rounds}; each fake in its own process")
    print(f"{'system':<21}{'reader':<12}{'records':>9}{'seconds':>10}{'records/s':>12}{'requests':>10}")
    runs = [("Zoho CRM", _with_server("zoho", args.records, lambda w: zoho(w, rounds)))]
    paced, free = _with_server("quickbooks", args.records, lambda w: (
        quickbooks(w, rounds), quickbooks(w, rounds, paced=False, first_token=2 * rounds)))
    runs += [("QuickBooks Online", paced), ("QuickBooks, no 10/s", free)]
    for name, (own, bare) in runs:
        for reader, (seconds, count, calls) in (("connector", own), ("bare httpx", bare)):
            print(f"{name:<21}{reader:<12}{count:>9}{seconds:>10.2f}{count / seconds:>12.0f}{calls:>10}")
        print(f"{'':<21}{'ratio':<12}{'':>9}{own[0] / bare[0]:>10.2f}x")


if __name__ == "__main__":
    main()
