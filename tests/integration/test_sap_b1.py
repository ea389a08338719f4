"""The SAP Business One connector against the fake Service Layer over HTTPS (tests/fakes/sap_b1.py)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from erpsync_gui.config.kinds import kinds
from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.sap_b1 import SapB1Connector
from erpsync_gui.errors import ConfigError, NotFoundError, PermanentError, StaleVersionError
from erpsync_gui.http.session_auth import set_cookies
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.fakes.sap_b1 import COMPANY, PASSWORD, USER, SapB1Fake

Make = Callable[..., SapB1Connector]


class Clock:
    """The fake's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.now

    def tick(self, seconds: float = 1) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sap(clock: Clock) -> Iterator[SapB1Fake]:
    with SapB1Fake(clock=clock) as fake:
        yield fake


@pytest.fixture
def make(sap: SapB1Fake) -> Iterator[Make]:
    made: list[SapB1Connector] = []

    def build(version: str = "v2", pin: bool = True, **options: Any) -> SapB1Connector:
        opts = {"username": USER, "company_db": COMPANY, "timezone": "Europe/Berlin", **options}
        if pin:
            opts["trust_cert_sha256"] = sap.fingerprint
        endpoint = EndpointConfig(Side.ERP, "sap_b1", sap.url(version), auth="session", retries=1, options=opts)
        connector = SapB1Connector(endpoint, {"password": PASSWORD})
        made.append(connector)
        return connector

    yield build
    for connector in made:
        connector.close()


def _customers(sap: SapB1Fake, count: int, clock: Clock, start: int = 1) -> None:
    for n in range(start, start + count):
        sap.add("BusinessPartners", {"CardCode": f"C{n:05d}", "CardName": f"Customer {n}", "CardType": "cCustomer",
                                     "FederalTaxID": f"VAT{n}", "EmailAddress": f"c{n}@example.com",
                                     "ContactEmployees": [{"Name": f"Person {n}", "E_Mail": f"p{n}@example.com"}]})
        clock.tick()


def _all(pages: Iterator[Any]) -> list[Any]:
    return [r for page in pages for r in page.records]


# -- login, cookies, paging --------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["v1", "v2"])
def test_first_read_pages_by_next_link_and_keeps_the_pathless_session_cookie(
        sap: SapB1Fake, make: Make, clock: Clock, version: str) -> None:
    _customers(sap, 45, clock)
    sap.add("BusinessPartners", {"CardCode": "S1", "CardName": "A supplier", "CardType": "cSupplier"})
    connector = make(version)
    assert isinstance(connector, Connector)
    pages = list(connector.changes("clients", None, 20))
    records = [r for p in pages for r in p.records]
    assert [len(p.records) for p in pages] == [20, 20, 5]
    assert sorted(r.id for r in records) == [f"C{n:05d}" for n in range(1, 46)]  # customers only
    assert pages[-1].complete and not pages[0].complete
    first = records[0]
    assert first.data["CardName"] == "Customer 1" and first.data["contacts"][0]["Name"] == "Person 1"
    # UpdateDate/UpdateTime are the server's local time (Europe/Berlin is UTC+1 in March)
    assert first.updated_at == datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)
    reads = [(path, h) for method, path, h in sap.requests if method == "GET"]
    assert all(h.get("prefer") == "odata.maxpagesize=20" for _p, h in reads)
    assert all("B1SESSION=" in h.get("cookie", "") and "ROUTEID=.node1" in h.get("cookie", "") for _p, h in reads)
    assert "%24skip=20" in reads[1][0] or "$skip=20" in reads[1][0]  # the server's own next link was followed
    assert len(sap.logins) == 1 and sap.logins[0] == {"CompanyDB": COMPANY, "UserName": USER}
    connector.close()
    assert sap.logouts == 1


def test_the_real_set_cookie_forms_are_kept() -> None:
    request = httpx.Request("POST", "https://b1:50000/b1s/v2/Login")
    reply = httpx.Response(200, request=request, headers=[
        ("Set-Cookie", "B1SESSION=PTRzIjYK-weN6-1Lx1-ZG0J-3ARxfjcU0Shy;HttpOnly;"),
        ("Set-Cookie", "ROUTEID=.node3; path=/b1s")])
    assert set_cookies(reply) == {"B1SESSION": "PTRzIjYK-weN6-1Lx1-ZG0J-3ARxfjcU0Shy", "ROUTEID": ".node3"}


def test_the_page_size_can_be_asked_with_the_b1s_header(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 7, clock)
    connector = make(page_size_header="b1s")
    assert [len(p.records) for p in connector.changes("clients", None, 3)] == [3, 3, 1]
    assert all(h.get("b1s-pagesize") == "3" for m, _p, h in sap.requests if m == "GET")


def test_natural_key_lookups_quote_their_values(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 30, clock)
    sap.add("BusinessPartners", {"CardCode": "O'BRIEN", "CardName": "O'Brien & Sons", "CardType": "cCustomer"})
    connector = make(lookup_chunk=4)
    found = connector.find_by_keys("clients", "FederalTaxID", ["VAT3", "VAT17", "VAT99", "VAT29", "VAT1", "VAT2"])
    assert {k: [r.id for r in v] for k, v in found.items()} == {
        "VAT3": ["C00003"], "VAT17": ["C00017"], "VAT29": ["C00029"], "VAT1": ["C00001"], "VAT2": ["C00002"]}
    many = connector.get_many("clients", ["O'BRIEN", "C00010", "NOPE"])
    assert set(many) == {"O'BRIEN", "C00010"} and many["O'BRIEN"].data["CardName"] == "O'Brien & Sons"


# -- incremental reads --------------------------------------------------------------------------------------

def test_changes_since_the_cursor_come_from_the_servers_own_stamps(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 10, clock)
    connector = make()
    pages = list(connector.changes("clients", None, 4))
    cursor = pages[-1].cursor
    assert cursor is not None and '"k":"C00010"' in cursor
    assert _all(connector.changes("clients", cursor, 4))[-1].id == "C00010"  # the boundary second is inclusive
    clock.tick(120)
    sap.edit("BusinessPartners", "C00004", CardName="Renamed in SAP")  # a person edits in SAP
    again = _all(connector.changes("clients", cursor, 4))
    assert [r.id for r in again] == ["C00010", "C00004"]
    assert again[-1].data["CardName"] == "Renamed in SAP"


def test_a_record_that_moves_during_a_read_is_not_passed_over(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 12, clock)
    connector = make()
    edited: list[int] = []

    def person_edits(page: int) -> None:  # after the first page, someone edits a record already read
        if not edited:
            edited.append(page)
            clock.tick(60)
            sap.edit("BusinessPartners", "C00002", CardName="Edited during the read")

    sap.after_page = person_edits
    pages = list(connector.changes("clients", None, 4))
    ids = [r.id for p in pages for r in p.records]
    # without the restart the record at the first page boundary (C00005) would be skipped
    assert set(ids) == {f"C{n:05d}" for n in range(1, 13)}
    assert ids.count("C00002") >= 2
    final = pages[-1].cursor
    assert final is not None and '"k":"C00002"' in final


# -- writes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["v1", "v2"])
def test_edits_go_both_ways_with_the_etag(sap: SapB1Fake, make: Make, clock: Clock, version: str) -> None:
    _customers(sap, 3, clock)
    connector = make(version)
    created = connector.create("clients", {"CardCode": "N1", "CardName": "New one", "EmailAddress": "n@x.org"})
    assert created.id == "N1" and created.version and sap.get("BusinessPartners", "N1")["CardType"] == "cCustomer"
    current = connector.get_many("clients", ["C00002"])["C00002"]
    if version == "v1":  # v1 collection entries carry no ETag: read it from the entity itself
        current = connector.update("clients", "C00002", {}, version=None)
    updated = connector.update("clients", "C00002", {"CardName": "Changed by the sync"}, version=current.version)
    assert sap.get("BusinessPartners", "C00002")["CardName"] == "Changed by the sync"
    assert updated.data["CardName"] == "Changed by the sync" and updated.version != current.version
    clock.tick(5)
    sap.edit("BusinessPartners", "C00002", Phone1="555-0100")  # a person edits it meanwhile
    with pytest.raises(StaleVersionError, match="changed in SAP Business One"):
        connector.update("clients", "C00002", {"CardName": "Late"}, version=updated.version)
    assert sap.get("BusinessPartners", "C00002")["CardName"] == "Changed by the sync"
    with pytest.raises(NotFoundError):
        connector.update("clients", "NOPE", {"CardName": "x"})
    patch = [h for m, p, h in sap.requests if m == "PATCH" and "C00002" in p][-1]
    assert patch["if-match"] == updated.version


def test_master_data_is_deleted_or_archived_and_documents_are_refused(sap: SapB1Fake, make: Make,
                                                                       clock: Clock) -> None:
    _customers(sap, 3, clock)
    connector = make()
    caps = connector.capabilities("clients")
    assert (caps.delete, caps.archive) == (True, True)
    assert not connector.capabilities("orders").delete
    connector.delete("clients", "C00001")
    assert sap.get("BusinessPartners", "C00001") is None
    connector.delete("clients", "C00001")  # already gone: the delete's aim holds
    archived = connector.archive("clients", "C00002")
    assert archived.data["Frozen"] == "tYES" and sap.get("BusinessPartners", "C00002")["Frozen"] == "tYES"
    order = connector.create("orders", {"CardCode": "C00003", "DocDate": "2026-03-02",
                                        "lines": [{"ItemCode": "A1", "Quantity": 1, "UnitPrice": 1}]})
    with pytest.raises(PermanentError, match="used in documents"):
        connector.delete("clients", "C00003")  # SAP keeps a partner its documents name
    assert sap.get("BusinessPartners", "C00003") is not None
    with pytest.raises(PermanentError, match="close or cancel"):
        connector.delete("orders", order.id)
    assert [m for m, p, _h in sap.requests if m == "DELETE"] == ["DELETE"] * 3


def test_documents_keep_their_lines(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 1, clock)
    connector = make()
    order = connector.create("orders", {"CardCode": "C00001", "DocDate": "2026-03-02", "lines": [
        {"ItemCode": "A1", "Quantity": 2, "UnitPrice": 10.5}, {"ItemCode": "B2", "Quantity": 1, "UnitPrice": 3}]})
    assert order.data["DocNum"] and [line["LineNum"] for line in order.data["lines"]] == [0, 1]
    stored = sap.get("Orders", int(order.id))
    assert [line["ItemCode"] for line in stored["DocumentLines"]] == ["A1", "B2"]
    read = connector.find_by_keys("orders", "DocNum", [order.data["DocNum"]])
    assert list(read) == [str(order.data["DocNum"])] and read[str(order.data["DocNum"])][0].id == order.id
    with pytest.raises(Exception, match=r"Item number is missing.*line: 1"):
        connector.create("invoices", {"CardCode": "C00001", "lines": [{"Quantity": 1}]})


def test_item_prices_and_stock_per_warehouse(sap: SapB1Fake, make: Make) -> None:
    sap.add("Items", {"ItemCode": "I1", "ItemName": "Bolt", "ItemsGroupCode": 100, "ItemPrices": [
        {"PriceList": 1, "Price": 2.5, "Currency": "EUR"}, {"PriceList": 2, "Price": None, "Currency": None}],
        "ItemWarehouseInfoCollection": [{"WarehouseCode": "01", "InStock": 7, "Committed": 1, "Ordered": 0},
                                        {"WarehouseCode": "02", "InStock": 3, "Committed": 0, "Ordered": 5}]})
    connector = make()
    item = _all(connector.changes("products", None, 10))[0]
    assert item.data["Price_1"] == 2.5 and item.data["Currency_1"] == "EUR" and "Price_2" not in item.data
    stock = {r.id: r.data for r in _all(connector.changes("stock", None, 10))}
    assert stock['["I1","02"]'] == {"ItemCode": "I1", "WarehouseCode": "02", "InStock": 3, "Committed": 0,
                                    "Ordered": 5}
    connector.update("products", "I1", {"Price_1": 3.0, "Currency_1": "EUR"})
    assert sap.get("Items", "I1")["ItemPrices"] == [{"PriceList": 1, "Price": 3.0, "Currency": "EUR"}]
    assert {r.id for r in _all(connector.changes("warehouses", None, 10))} == {"01", "02"}


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_a_failing_batch_changeset_keeps_its_good_records(sap: SapB1Fake, make: Make, version: str) -> None:
    sap.reject("BusinessPartners", "CardName", "Bad one", "Invalid BP name [OCRD.CardName]")
    connector = make(version, batch_size=10)
    payloads = [{"CardCode": f"B{n}", "CardName": "Bad one" if n == 3 else f"Good {n}"} for n in range(1, 7)]
    results = connector.create_many("clients", payloads)
    assert [r.index for r in results] == list(range(6))
    assert [r.record.id if r.record else None for r in results] == ["B1", "B2", None, "B4", "B5", "B6"]
    assert "Invalid BP name [OCRD.CardName]" in str(results[2].error)
    assert sorted(r["CardCode"] for r in sap.records("BusinessPartners")) == ["B1", "B2", "B4", "B5", "B6"]
    posts = [p for m, p, _h in sap.requests if m == "POST" and not p.endswith(("Login", "Logout"))]
    assert posts[0].endswith("$batch") and len(posts) == 1 + 6  # the changeset, then one by one

    clean = connector.create_many("clients", [{"CardCode": f"K{n}", "CardName": f"K {n}"} for n in range(3)])
    assert all(r.record is not None for r in clean)
    assert [p for m, p, _h in sap.requests if m == "POST"][-1].endswith("$batch")  # all in one changeset


# -- sessions ------------------------------------------------------------------------------------------------

def test_a_session_that_expires_mid_read_is_survived_with_one_login(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 50, clock)
    connector = make()
    pages = connector.changes("clients", None, 10)
    first = next(pages)
    sap.expire_after(1)  # the next page still works, then the session is gone
    rest = [r for p in pages for r in p.records]
    assert len(first.records) + len(rest) == 50
    assert len(sap.logins) == 2


def test_a_session_that_timed_out_between_reads_is_replaced(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    _customers(sap, 2, clock)
    connector = make()
    list(connector.changes("clients", None, 10))
    clock.tick(31 * 60)  # past the server's SessionTimeout of 30 minutes
    assert len(_all(connector.changes("clients", None, 10))) == 2
    assert len(sap.logins) == 2


# -- connection test, options, registry ------------------------------------------------------------------------

def test_check_reports_an_untrusted_certificate_with_its_fingerprint(sap: SapB1Fake, make: Make) -> None:
    result = make(pin=False).check()
    assert not result.ok and not result.authenticated
    assert sap.fingerprint in result.message and f"certificate_sha256: {sap.fingerprint}" in result.details
    assert sap.logins == []  # nothing was sent to the untrusted server
    trusted = make().check()
    assert trusted.ok and trusted.authenticated and trusted.server_time is not None
    assert trusted.server is not None and "1000190" in trusted.server


def test_wrong_password_is_a_failed_check(sap: SapB1Fake) -> None:
    endpoint = EndpointConfig(Side.ERP, "sap_b1", sap.url(), auth="session", options={
        "username": USER, "company_db": COMPANY, "trust_cert_sha256": sap.fingerprint})
    connector = SapB1Connector(endpoint, {"password": "wrong"})
    result = connector.check()
    connector.close()
    assert not result.ok and result.reachable and "Login failed" in result.message


def test_options_problems_are_listed_with_their_paths(sap: SapB1Fake) -> None:
    endpoint = EndpointConfig(Side.ERP, "sap_b1", sap.url(), auth="session", options={
        "username": USER, "timezone": "Mars/Olympus", "batch_size": 0, "version": "v3"})
    with pytest.raises(ConfigError) as caught:
        SapB1Connector(endpoint, {"password": PASSWORD})
    for path in ("timezone", "batch_size", "version"):
        assert f"{path}:" in caught.value.message


def test_the_kind_is_registered() -> None:
    assert "sap_b1" in kinds()


# -- volume ----------------------------------------------------------------------------------------------------

def test_ten_thousand_records_through_the_fake(sap: SapB1Fake, make: Make, clock: Clock) -> None:
    sap.bulk_add("BusinessPartners", ({"CardCode": f"C{n:05d}", "CardName": f"Customer {n}", "CardType": "cCustomer"}
                                      for n in range(10_000)))
    connector = make()
    ids = [r.id for r in _all(connector.changes("clients", None, 1000))]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
