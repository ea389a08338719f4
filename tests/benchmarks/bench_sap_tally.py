"""Benchmark: a full read of N customers through the SAP Business One and the Tally connectors, each beside a
bare loop over the same fake (login + pages for SAP, one export for Tally), and prints both times.

Each fake runs in its own process, so the server's work does not share the reader's interpreter.

    python tests/benchmarks/bench_sap_tally.py [--records 10000] [--page 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[2]))


def _serve_sap(records: int, conn: multiprocessing.connection.Connection) -> None:
    from tests.fakes.sap_b1 import SapB1Fake

    with SapB1Fake() as fake:
        fake.bulk_add("BusinessPartners", ({"CardCode": f"C{n:06d}", "CardName": f"Customer {n}",
                                            "CardType": "cCustomer", "EmailAddress": f"c{n}@example.com",
                                            "FederalTaxID": f"VAT{n}"} for n in range(records)))
        conn.send((fake.url("v2"), fake.fingerprint))
        conn.recv()  # until told to stop


def _serve_tally(records: int, conn: multiprocessing.connection.Connection) -> None:
    from tests.fakes.tally import TallyFake

    with TallyFake() as fake:
        for n in range(records):
            fake.add_master("LEDGER", f"Customer {n}", PARENT="Sundry Debtors", EMAIL=f"c{n}@example.in",
                            OPENINGBALANCE=f"-{n}.00")
        conn.send((fake.url, fake.company.name))
        conn.recv()


def _timed(run: Callable[[], int], rounds: int, expected: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - started)
        if count != expected:
            raise SystemExit(f"read {count} records, expected {expected}")
    return statistics.median(times)


def sap_connector(url: str, fingerprint: str, page: int) -> int:
    from erpsync_gui.connectors.sap_b1 import SapB1Connector
    from erpsync_gui.profile import EndpointConfig
    from erpsync_gui.records import Side
    from tests.fakes.sap_b1 import COMPANY, PASSWORD, USER

    endpoint = EndpointConfig(Side.ERP, "sap_b1", url, auth="session", options={
        "username": USER, "company_db": COMPANY, "trust_cert_sha256": fingerprint, "max_page_size": page})
    connector = SapB1Connector(endpoint, {"password": PASSWORD})
    try:
        return sum(len(p.records) for p in connector.changes("clients", None, page))
    finally:
        connector.close()


def sap_bare(url: str, fingerprint: str, page: int) -> int:
    """What any script would do: log in, GET the customers with the page size asked, follow the links."""
    import httpx

    from erpsync_gui.http.cert_pin import pinned_context
    from tests.fakes.sap_b1 import COMPANY, PASSWORD, USER

    with httpx.Client(verify=pinned_context(fingerprint)) as client:
        login = client.post(url + "Login", json={"CompanyDB": COMPANY, "UserName": USER, "Password": PASSWORD})
        cookie = {"Cookie": f"B1SESSION={login.json()['SessionId']}"}
        headers = {**cookie, "Prefer": f"odata.maxpagesize={page}"}
        count = 0
        next_url: str | None = url + ("BusinessPartners?$select=CardCode,CardName,EmailAddress,FederalTaxID"
                                      "&$filter=CardType eq 'cCustomer'&$orderby=UpdateDate,UpdateTime,CardCode")
        while next_url:
            body = client.get(next_url, headers=headers).json()
            count += len(body["value"])
            link = body.get("@odata.nextLink")
            next_url = str(httpx.URL(url).join(link)) if link else None
        client.post(url + "Logout", headers=cookie)
    return count


def tally_connector(url: str, company: str, page: int) -> int:
    from erpsync_gui.connectors.tally import TallyConnector
    from erpsync_gui.profile import EndpointConfig
    from erpsync_gui.records import Side

    connector = TallyConnector(EndpointConfig(Side.ERP, "tally", url, options={"company": company}), {})
    try:
        return sum(len(p.records) for p in connector.changes("clients", None, page))
    finally:
        connector.close()


def tally_bare(url: str, company: str, page: int) -> int:
    """One export of the debtors' ledgers in UTF-16, parsed with lxml, the ledgers counted."""
    import httpx
    from lxml import etree

    request = etree.fromstring(
        "<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST><TYPE>Collection</TYPE>"
        "<ID>L</ID></HEADER><BODY><DESC><STATICVARIABLES><SVEXPORTFORMAT>$$SysName:XML</SVEXPORTFORMAT>"
        "<SVCURRENTCOMPANY/></STATICVARIABLES><TDL><TDLMESSAGE><COLLECTION NAME=\"L\"><TYPE>Ledger</TYPE>"
        "<CHILDOF>Sundry Debtors</CHILDOF><BELONGSTO>Yes</BELONGSTO><FETCH>GUID, MasterID, AlterID, Name, "
        "Parent, Email, OpeningBalance</FETCH></COLLECTION></TDLMESSAGE></TDL></DESC></BODY></ENVELOPE>")
    request.find("BODY/DESC/STATICVARIABLES/SVCURRENTCOMPANY").text = company
    body = etree.tostring(request, encoding="unicode").encode("utf-16-le")
    with httpx.Client() as client:
        reply = client.post(url, content=body, headers={"Content-Type": "text/xml;charset=utf-16"})
    root = etree.fromstring(reply.content.decode("utf-16-le").encode())
    return sum(1 for _ in root.iter("LEDGER"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for name, serve, connector, bare in (("SAP Business One", _serve_sap, sap_connector, sap_bare),
                                         ("Tally", _serve_tally, tally_connector, tally_bare)):
        ours, theirs = multiprocessing.Pipe()
        child = multiprocessing.Process(target=serve, args=(args.records, theirs), daemon=True)
        child.start()
        try:
            first, second = ours.recv()
            bare_s = _timed(lambda b=bare, a=first, c=second: b(a, c, args.page), args.rounds, args.records)
            conn_s = _timed(lambda f=connector, a=first, c=second: f(a, c, args.page), args.rounds, args.records)
        finally:
            ours.send("stop")
            child.join(timeout=30)
            if child.is_alive():
                child.terminate()
        rows.append((name, bare_s, conn_s))
    print(f"{args.records} records, page size {args.page}, median of {args.rounds} rounds")
    print(f"{'system':<18}{'bare loop':>12}{'connector':>12}{'ratio':>8}")
    for name, bare_s, conn_s in rows:
        print(f"{name:<18}{bare_s:>10.3f} s{conn_s:>10.3f} s{conn_s / bare_s:>7.2f}x")


if __name__ == "__main__":
    main()
