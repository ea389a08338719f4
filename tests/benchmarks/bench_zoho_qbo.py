"""Benchmark: a full read of N records through the Zoho CRM and QuickBooks Online connectors, beside a bare
httpx loop paging through the same fake the plain way (Zoho: `page` then `page_token`; QuickBooks:
STARTPOSITION), and prints both times, the requests each made and records/s.

    python tests/benchmarks/bench_zoho_qbo.py [--records 10000] [--rounds 3]

The connectors go through the product's HTTP layer (auth, rate limits, retries, redaction) and read in
Modified_Time / LastUpdatedTime order starting again from the newest change each page (so edits meanwhile are
not skipped); the bare loops do none of that. The QuickBooks connector also keeps its 10-requests-a-second limit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))

import httpx  # noqa: E402
import keyring  # noqa: E402

from erpsync_gui.connectors.quickbooks import QuickBooksConnector  # noqa: E402
from erpsync_gui.connectors.zoho import ZohoConnector  # noqa: E402
from erpsync_gui.connectors.zoho.modules import MODULES  # noqa: E402
from erpsync_gui.profile import EndpointConfig  # noqa: E402
from erpsync_gui.records import Side  # noqa: E402
from erpsync_gui.secrets import SecretStore  # noqa: E402
from tests.fakes.quickbooks import QuickBooksFake  # noqa: E402
from tests.fakes.zoho import ZohoFake  # noqa: E402
from tests.memory_keyring import MemoryKeyring  # noqa: E402


def _timed(run: Callable[[], int], rounds: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), count


def zoho(records: int, rounds: int) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    with ZohoFake(("eu",), home_dc="eu") as fake:
        fake.seed("Contacts", records, per_second=3)
        fake.state.refresh_tokens["1000.bench"] = "eu"
        endpoint = EndpointConfig(Side.CRM, "zoho", fake.api_url("eu"), auth="oauth2", options={
            "client_id": fake.state.client_id, "accounts_server": fake.accounts_url("eu")})
        secrets = {"client_secret": fake.state.client_secret, "refresh_token": "1000.bench"}
        fields = ",".join(MODULES["Contacts"].api_fields)

        def connector_read() -> int:
            connector = ZohoConnector(endpoint, secrets)
            try:
                return sum(len(p.records) for p in connector.changes("Contacts", None, 200))
            finally:
                connector.close()

        def bare_read() -> int:
            token = httpx.post(f"{fake.accounts_url('eu')}/oauth/v2/token", data={
                "grant_type": "refresh_token", "refresh_token": "1000.bench", "client_id": fake.state.client_id,
                "client_secret": fake.state.client_secret}).json()["access_token"]
            count, page, page_token = 0, 1, None
            with httpx.Client(base_url=fake.api_url("eu"), headers={"Authorization": f"Zoho-oauthtoken {token}"}) as c:
                while True:
                    params = {"fields": fields, "per_page": 200, "sort_by": "Modified_Time", "sort_order": "asc"}
                    params.update({"page_token": page_token} if page_token else {"page": page})
                    reply = c.get("/crm/v8/Contacts", params=params)
                    if reply.status_code == 204:
                        return count
                    body = reply.json()
                    count += len(body["data"])
                    if not body["info"]["more_records"]:
                        return count
                    page += 1
                    if page > 10:
                        page_token = body["info"]["next_page_token"]

        before = len(fake.api_calls())
        own = _timed(connector_read, rounds)
        own_calls = (len(fake.api_calls()) - before) // rounds
        before = len(fake.api_calls())
        bare = _timed(bare_read, rounds)
        bare_calls = (len(fake.api_calls()) - before) // rounds
        return (*own, own_calls), (*bare, bare_calls)


def quickbooks(records: int, rounds: int, *, paced: bool = True) -> tuple[tuple[float, int, int],
                                                                        tuple[float, int, int]]:
    with QuickBooksFake() as fake:
        fake.seed("Customer", records, per_second=3)
        limits = {} if paced else {"rate_limits": {"per_second": None}}
        endpoint = EndpointConfig(Side.ERP, "quickbooks", fake.url, auth="oauth2", options={
            "client_id": fake.state.client_id, "token_url": fake.token_url, "realm_id": fake.state.realm_id, **limits})

        def connector_read() -> int:
            fake.state.refresh_tokens["AB-bench"] = fake.state.clock() + 86400
            secrets = SecretStore()  # rotated refresh tokens are kept as the product keeps them
            secrets.set("bench", Side.ERP, "refresh_token", "AB-bench")
            connector = QuickBooksConnector(endpoint, secrets.endpoint("bench", Side.ERP, {
                "client_secret": fake.state.client_secret}))
            try:
                return sum(len(p.records) for p in connector.changes("Customer", None, 1000))
            finally:
                connector.close()

        def bare_read() -> int:
            fake.state.refresh_tokens["AB-bare"] = fake.state.clock() + 86400
            token = httpx.post(fake.token_url, auth=(fake.state.client_id, fake.state.client_secret), data={
                "grant_type": "refresh_token", "refresh_token": "AB-bare"}).json()["access_token"]
            count, start = 0, 1
            base = f"{fake.url}/v3/company/{fake.state.realm_id}/query"
            with httpx.Client(headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}) as c:
                while True:
                    query = (f"SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY MetaData.LastUpdatedTime"
                             f" STARTPOSITION {start} MAXRESULTS 1000")
                    items = c.get(base, params={"query": query, "minorversion": 75}).json()["QueryResponse"].get(
                        "Customer", [])
                    count += len(items)
                    if len(items) < 1000:
                        return count
                    start += 1000

        before = len(fake.api_calls())
        own = _timed(connector_read, rounds)
        own_calls = (len(fake.api_calls()) - before) // rounds
        before = len(fake.api_calls())
        bare = _timed(bare_read, rounds)
        bare_calls = (len(fake.api_calls()) - before) // rounds
        return (*own, own_calls), (*bare, bare_calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="median of this many reads")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())  # never the machine's own keyring
    print(f"full read of {args.records} records, median of {args.rounds}")
    print(f"{'system':<20}{'reader':<12}{'records':>9}{'seconds':>10}{'records/s':>12}{'requests':>10}")
    runs: list[tuple[str, Callable[[int, int], tuple[tuple[float, int, int], tuple[float, int, int]]]]] = [
        ("Zoho CRM", zoho), ("QuickBooks Online", quickbooks),
        ("QuickBooks, no 10/s", lambda n, r: quickbooks(n, r, paced=False))]
    for name, bench in runs:
        own, bare = bench(args.records, args.rounds)
        for reader, (seconds, count, calls) in (("connector", own), ("bare httpx", bare)):
            print(f"{name:<20}{reader:<12}{count:>9}{seconds:>10.2f}{count / seconds:>12.0f}{calls:>10}")
        print(f"{'':<20}{'ratio':<12}{'':>9}{own[0] / bare[0]:>10.2f}x")
    print("QuickBooks keeps Intuit's 10 requests a second: 11 requests cannot take less than a second; the last "
          "rows lift that limit to show the connector's own cost.")


if __name__ == "__main__":
    main()
