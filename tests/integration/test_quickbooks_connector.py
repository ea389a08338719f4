"""The QuickBooks Online connector against the fake QuickBooks (tests/fakes/quickbooks.py) over real HTTP:
sign-in with the realm id and rolling refresh tokens, full reads and CDC, natural keys, batches and sparse
updates, stale SyncTokens, Faults, throttling, an expired sign-in and a 10k read."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from erpsync_gui.app.oauth_login import sign_in
from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.quickbooks import QuickBooksConnector
from erpsync_gui.errors import (
    ConfigError,
    CredentialsExpiredError,
    DuplicateError,
    PermanentError,
    StaleVersionError,
)
from erpsync_gui.http import HttpClient, auth_factory
from erpsync_gui.http.ratelimit import LimiterRegistry
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Page, Side
from erpsync_gui.secrets import SERVICE, SecretStore
from tests.fakes.quickbooks import FakeClock, QuickBooksFake

PROFILE = "acme"
Make = Callable[..., QuickBooksConnector]


@pytest.fixture
def qbo() -> Iterator[QuickBooksFake]:
    with QuickBooksFake() as fake:
        yield fake


@pytest.fixture
def frozen_qbo(monkeypatch) -> Iterator[tuple[QuickBooksFake, list[float]]]:
    """A fake whose clock moves only when the client waits, shared by the client's limiters; the waits."""
    waits: list[float] = []
    with QuickBooksFake(clock=FakeClock(frozen=True)) as fake:
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            fake.state.clock.advance(seconds)

        monkeypatch.setattr(auth_factory, "HttpClient", lambda settings, **kw: HttpClient(
            settings, clock=fake.state.clock, limiters=LimiterRegistry(clock=fake.state.clock),
            **{**kw, "sleep": sleep}))
        yield fake, waits


def _endpoint(qbo: QuickBooksFake, **options: Any) -> EndpointConfig:
    base = {"client_id": qbo.state.client_id, "token_url": qbo.token_url, "authorize_url": qbo.authorize_url,
            "realm_id": qbo.state.realm_id}
    return EndpointConfig(Side.ERP, "quickbooks", qbo.url, auth="oauth2", timeout=10, retries=3,
                          options={**base, **options})


@pytest.fixture
def make(qbo: QuickBooksFake) -> Iterator[Make]:
    """Connectors holding a refresh token the fake issued."""
    built: list[QuickBooksConnector] = []
    secrets = SecretStore()
    qbo.state.refresh_tokens["AB-test-refresh"] = qbo.state.clock() + 86400
    secrets.set(PROFILE, Side.ERP, "refresh_token", "AB-test-refresh")
    secrets.set(PROFILE, Side.ERP, "client_secret", qbo.state.client_secret)

    def build(**options: Any) -> QuickBooksConnector:
        connector = QuickBooksConnector(_endpoint(qbo, **options), secrets.endpoint(PROFILE, Side.ERP, {
            "client_secret": qbo.state.client_secret}))
        built.append(connector)
        return connector

    yield build
    for connector in built:
        connector.close()


def _fixture_connector(qbo: QuickBooksFake, **options: Any) -> QuickBooksConnector:
    qbo.state.refresh_tokens["AB-frozen"] = qbo.state.clock() + 86400
    secrets = {"client_secret": qbo.state.client_secret, "refresh_token": "AB-frozen"}
    return QuickBooksConnector(_endpoint(qbo, **options), secrets)


def _browser(url: str) -> bool:
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=5), daemon=True).start()
    return True


def _service(qbo: QuickBooksFake, store, tmp_path: Path) -> SyncService:
    service = SyncService(store, SecretStore(), tmp_path)
    endpoint = _endpoint(qbo)
    endpoint.options.pop("realm_id")  # the sign-in learns it
    service.config.save_profile(ProfileConfig(PROFILE, crm=EndpointConfig(
        Side.CRM, "rest", "https://crm.example.com/", auth="bearer"), erp=endpoint))
    service.secrets.set(PROFILE, Side.ERP, "client_secret", qbo.state.client_secret)
    return service


def _read(connector: Connector, entity: str, cursor: str | None = None, page_size: int = 500) -> list[Page]:
    return list(connector.changes(entity, cursor, page_size))


def test_it_is_a_connector_and_registered(make: Make) -> None:
    from erpsync_gui.config.kinds import kinds

    connector = make()
    assert isinstance(connector, Connector) and "quickbooks" in kinds()
    assert connector.describe("Customer").key_fields == ("DisplayName",)
    assert connector.describe("Item").key_fields == ("Name", "Sku")
    assert connector.describe("Invoice").key_fields == ("DocNumber",)
    assert "CustomerRef.value" in {f.name for f in connector.describe("Invoice").fields}
    assert connector.capabilities("Invoice").delete and not connector.capabilities("Customer").delete
    assert connector.capabilities("Customer").archive and connector.capabilities("Payment").reports_deletes


def test_sign_in_stores_the_realm_and_always_the_newest_refresh_token(qbo: QuickBooksFake, store, tmp_path: Path,
                                                                      memory_keyring) -> None:
    service = _service(qbo, store, tmp_path)
    outcome = sign_in(service, PROFILE, Side.ERP, open_browser=_browser, timeout=10)
    assert outcome.profile.erp.options["realm_id"] == qbo.state.realm_id
    assert qbo.state.grants[0]["code_verifier"]  # PKCE
    key = (SERVICE, f"{PROFILE}/erp.refresh_token")
    first = memory_keyring.entries[key]
    qbo.add("Customer", DisplayName="Amy's Bird Sanctuary")
    for _round in range(2):  # each refresh rolls the refresh token; the old one stops working
        before = memory_keyring.entries[key]
        qbo.expire_access_tokens()
        connector = service.connector(service.profile(PROFILE), Side.ERP)
        try:
            found = connector.find_by_keys("Customer", "DisplayName", ["amy's bird sanctuary"])
            assert [r.data["DisplayName"] for r in found["amy's bird sanctuary"]] == ["Amy's Bird Sanctuary"]
        finally:
            connector.close()
        after = memory_keyring.entries[key]
        assert after != before and after in qbo.state.refresh_tokens and before not in qbo.state.refresh_tokens
    assert first not in qbo.state.refresh_tokens
    result = service.test_connections(PROFILE)[Side.ERP]
    assert result.ok and result.server == f"QuickBooks Online: {qbo.state.company_name}"
    assert abs((result.server_time - datetime.fromtimestamp(qbo.state.clock(), UTC)).total_seconds()) < 5


def test_first_read_is_complete_and_the_cursor_is_the_servers_time(qbo: QuickBooksFake, make: Make) -> None:
    ids = [qbo.add("Customer", DisplayName=f"C{i}", PrimaryEmailAddr={"Address": f"c{i}@example.com"})
           for i in range(5)]
    inactive = qbo.add("Customer", DisplayName="Gone Ltd", Active=False)
    qbo.state.clock.advance(10)
    connector = make()
    pages = _read(connector, "Customer", page_size=2)
    assert {r.id for p in pages for r in p.records} == {*ids, inactive}  # inactive ones too
    assert [p.complete for p in pages] == [False, False, True] and [p.cursor for p in pages[:-1]] == [None, None]
    cursor = datetime.fromisoformat(pages[-1].cursor)
    assert abs(cursor.timestamp() - qbo.state.clock()) < 5  # the server's `time`, not the records' newest
    first = next(r for p in pages for r in p.records if r.id == ids[0])
    assert first.data["PrimaryEmailAddr.Address"] == "c0@example.com" and first.version == "0"
    assert first.updated_at == datetime.fromisoformat(qbo.get("Customer", ids[0])["MetaData"]["LastUpdatedTime"])
    item = qbo.add("Item", Name="Rock Fountain", Sku="RF-1", Type="Inventory")
    found = connector.find_by_keys("Customer", "DisplayName", ["c1", "C3", "nobody"])
    assert {k: [r.id for r in v] for k, v in found.items()} == {"c1": [ids[1]], "C3": [ids[3]]}
    assert [r.id for r in connector.find_by_keys("Item", "Name", ["rock fountain"])["rock fountain"]] == [item]
    assert list(connector.find_by_keys("Item", "Sku", ["RF-1"])) == ["RF-1"]
    queries = [c.query["query"] for c in qbo.api_calls("/query")]
    assert all("MAXRESULTS" in q and int(q.rsplit(" ", 1)[1]) <= 1000 for q in queries)
    assert all(c.query["minorversion"] == "75" for c in qbo.api_calls())


def test_edits_both_ways_through_batches_cdc_and_sparse_updates(qbo: QuickBooksFake, make: Make) -> None:
    taken = qbo.add("Customer", DisplayName="Taken Co")
    item = qbo.add("Item", Name="Design", Type="Service", UnitPrice=75)
    connector = make()
    cursor = _read(connector, "Customer")[-1].cursor
    qbo.state.clock.advance(5)

    payloads = [{"DisplayName": f"New {i}", "BillAddr.City": "Tucson"} for i in range(11)]
    payloads.insert(4, {"DisplayName": "taken co"})
    results = connector.create_many("Customer", payloads)
    assert len(qbo.api_calls("/batch")) == 2  # 12 payloads, 10 a batch
    assert isinstance(results[4].error, DuplicateError) and results[4].error.existing_id == taken
    assert "6240" in results[4].error.details
    made = [r.record for r in results if r.record is not None]
    assert len(made) == 11 and qbo.get("Customer", made[0].id)["BillAddr"] == {"City": "Tucson"}

    invoice = connector.create("Invoice", {"CustomerRef.value": made[0].id, "lines": [
        {"DetailType": "SalesItemLineDetail", "Amount": 150.0,
         "SalesItemLineDetail.ItemRef.value": item, "SalesItemLineDetail.Qty": 2}]})
    assert invoice.data["TotalAmt"] == 150.0 and invoice.data["lines"][0]["SalesItemLineDetail.Qty"] == 2

    qbo.state.clock.advance(5)
    qbo.edit("Customer", taken, Notes="called on Monday")  # a person edits in QuickBooks
    changed = {r.id: r for p in _read(connector, "Customer", cursor) for r in p.records}
    assert taken in changed and set(made_id.id for made_id in made) <= set(changed)
    assert not qbo.api_calls("/query")[-1:] or qbo.api_calls("/cdc")  # the incremental read used CDC

    written = connector.update("Customer", taken, {"CompanyName": "Taken Company"}, version=changed[taken].version)
    stored = qbo.get("Customer", taken)
    assert stored["CompanyName"] == "Taken Company" and stored["Notes"] == "called on Monday"  # sparse
    assert written.version == stored["SyncToken"] == "2"
    body = [c.body for c in qbo.api_calls("/customer") if c.method == "POST"][-1]
    assert body["sparse"] is True and body["SyncToken"] == "1" and body["Id"] == taken


def test_a_stale_sync_token_is_a_conflict(qbo: QuickBooksFake, make: Make) -> None:
    rid = qbo.add("Customer", DisplayName="Race Co")
    connector = make()
    read = connector.get_many("Customer", [rid])[rid]
    qbo.edit("Customer", rid, Notes="someone else")
    with pytest.raises(StaleVersionError):
        connector.update("Customer", rid, {"Notes": "ours"}, version=read.version)
    assert qbo.get("Customer", rid)["Notes"] == "someone else"


def test_deletes_come_from_cdc_and_name_lists_are_archived(qbo: QuickBooksFake, make: Make) -> None:
    customer = qbo.add("Customer", DisplayName="Cust")
    item = qbo.add("Item", Name="Widget", Type="Service")
    invoices = [qbo.add("Invoice", CustomerRef={"value": customer}, Line=[
        {"DetailType": "SalesItemLineDetail", "Amount": 10, "SalesItemLineDetail": {"ItemRef": {"value": item}}}])
        for _ in range(3)]
    connector = make()
    cursor = _read(connector, "Invoice")[-1].cursor
    qbo.state.clock.advance(3)
    qbo.remove("Invoice", invoices[0])
    connector.delete("Invoice", invoices[1])
    connector.delete("Invoice", invoices[1])  # already gone: no error
    pages = _read(connector, "Invoice", cursor)
    assert sorted(i for p in pages for i in p.deleted) == sorted(invoices[:2])
    assert pages[0].deleted and not pages[0].records  # deletes come first
    with pytest.raises(PermanentError):
        connector.delete("Customer", customer)
    archived = connector.archive("Customer", customer)
    assert archived.data["Active"] is False and qbo.get("Customer", customer)["Active"] is False


def test_an_old_cursor_or_a_full_cdc_reply_falls_back_to_a_full_compare(qbo: QuickBooksFake, make: Make) -> None:
    qbo.seed("Customer", 30, per_second=10)
    connector = make()
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="seconds")
    pages = _read(connector, "Customer", old)
    assert pages[-1].complete and sum(len(p.records) for p in pages) == 30
    assert not qbo.api_calls("/cdc")  # CDC reaches 30 days back only

    qbo.seed("Customer", 1000, per_second=100)  # more changes than one CDC reply holds: it is cut at 1,000
    recent = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    pages = _read(connector, "Customer", recent)
    assert qbo.api_calls("/cdc") and pages[-1].complete and sum(len(p.records) for p in pages) == 1030


def test_faults_name_the_element_and_document_numbers_are_keys(qbo: QuickBooksFake, make: Make) -> None:
    customer = qbo.add("Customer", DisplayName="Cust")
    item = qbo.add("Item", Name="Widget", Type="Service")
    line = {"DetailType": "SalesItemLineDetail", "Amount": 5, "SalesItemLineDetail.ItemRef.value": item}
    connector = make()
    first = connector.create("Invoice", {"DocNumber": "1001", "CustomerRef.value": customer, "lines": [line]})
    with pytest.raises(PermanentError, match="element ItemRef") as caught:
        connector.create("Invoice", {"CustomerRef.value": customer, "lines": [
            {**line, "SalesItemLineDetail.ItemRef.value": "999"}]})
    assert not isinstance(caught.value, DuplicateError)
    for code in ("6140", "6210"):
        qbo.state.duplicate_doc_code = code
        with pytest.raises(DuplicateError) as dup:
            connector.create("Invoice", {"DocNumber": "1001", "CustomerRef.value": customer, "lines": [line]})
        assert dup.value.existing_id == first.id and "DocNumber '1001'" in dup.value.message


def test_a_throttled_burst_finishes_and_each_429_waits_60_s(frozen_qbo) -> None:
    qbo, waits = frozen_qbo
    qbo.state.per_minute = 100  # the sandbox's limit, below the production preset the client keeps
    ids = qbo.seed("Customer", 5)
    connector = _fixture_connector(qbo)
    try:
        found = [connector.get_many("Customer", [ids[i % 5]]) for i in range(250)]
    finally:
        connector.close()
    assert all(len(f) == 1 for f in found)  # every request of the burst got through in the end
    assert qbo.state.throttled == 2 and waits.count(60.0) == 2  # each 429 waited 60 s, then went through
    assert max(w for w in waits if w != 60.0) <= 1.0  # besides, the client's own 10-a-second pacing


def test_at_most_40_batches_go_per_minute(frozen_qbo) -> None:
    qbo, waits = frozen_qbo
    connector = _fixture_connector(qbo, batch_size=1)
    try:
        results = connector.create_many("Customer", [{"DisplayName": f"B{i}"} for i in range(45)])
    finally:
        connector.close()
    assert all(r.record is not None for r in results) and len(qbo.api_calls("/batch")) == 45
    assert qbo.state.throttled == 0  # the client paced itself: the 41st batch waited for the minute to pass
    assert 55 <= sum(waits) <= 65


def test_an_expired_refresh_token_marks_the_endpoint_expired(qbo: QuickBooksFake, store, tmp_path: Path) -> None:
    service = _service(qbo, store, tmp_path)
    sign_in(service, PROFILE, Side.ERP, open_browser=_browser, timeout=10)
    qbo.revoke_refresh_tokens()
    qbo.expire_access_tokens()
    connector = service.connector(service.profile(PROFILE), Side.ERP)
    try:
        with pytest.raises(CredentialsExpiredError):
            connector.get_many("Customer", ["1"])
        assert isinstance(connector.auth_problem, CredentialsExpiredError)
    finally:
        connector.close()
    service.test_connections(PROFILE)
    assert service.config.endpoint_status(service.profile(PROFILE).id)[Side.ERP].status == "expired"


def test_10k_records_paged_through_the_fake(qbo: QuickBooksFake, make: Make) -> None:
    cluster = qbo.seed("Customer", 1500, per_second=1500, start=qbo.state.clock() - 5000)  # an import
    rest = qbo.seed("Customer", 8500, per_second=2, start=qbo.state.clock() - 4400)
    connector = make()
    pages = _read(connector, "Customer", page_size=1000)
    read = [r.id for p in pages for r in p.records]
    assert len(read) == 10_000 and set(read) == set(cluster + rest)
    queries = [c.query["query"] for c in qbo.api_calls("/query")]
    assert any("STARTPOSITION 1001" in q for q in queries)  # paged deeper through the one-second import


def test_an_edit_during_the_read_skips_no_record(qbo: QuickBooksFake, make: Make) -> None:
    ids = qbo.seed("Customer", 900, per_second=1, start=qbo.state.clock() - 1000)
    connector = make(page_size=100)
    seen: set[str] = set()
    for number, page in enumerate(connector.changes("Customer", None, 100)):
        seen.update(r.id for r in page.records)
        if number == 2:
            qbo.edit("Customer", ids[5], Notes="moved to the end")
            qbo.edit("Customer", ids[60], Notes="moved too")
    assert seen == set(ids)


def test_options_are_validated_and_a_realm_is_needed(qbo: QuickBooksFake) -> None:
    with pytest.raises(ConfigError) as caught:
        QuickBooksConnector(_endpoint(qbo, batch_size=31, minor_version=70, changes_via="webhook"), {})
    text = str(caught.value)
    assert "batch_size" in text and "minor_version" in text and "changes_via" in text
    endpoint = _endpoint(qbo)
    endpoint.options.pop("realm_id")
    with pytest.raises(ConfigError, match="realm_id"):
        QuickBooksConnector(endpoint, {})


def test_the_fake_answers_like_quickbooks(qbo: QuickBooksFake, make: Make) -> None:
    make().get_many("Customer", ["1"])  # signs in
    token = next(iter(qbo.state.access_tokens))
    base = f"{qbo.url}/v3/company/{qbo.state.realm_id}/"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    too_many = httpx.get(base + "query", headers=headers,
                         params={"query": "SELECT * FROM Customer MAXRESULTS 1001", "minorversion": 75})
    assert too_many.status_code == 400 and too_many.json()["Fault"]["type"] == "ValidationFault"
    old = httpx.get(base + "query", headers=headers, params={"query": "SELECT * FROM Customer", "minorversion": 65})
    assert old.status_code == 400
    qbo.state.per_minute = 0
    throttled = httpx.get(base + "query", headers=headers, params={"query": "SELECT * FROM Customer",
                                                                   "minorversion": 75})
    assert throttled.status_code == 429 and "ThrottleExceeded" in throttled.text
    assert "retry-after" not in throttled.headers


def test_a_reply_that_is_not_quickbooks_is_a_clear_error(garbage: Callable[[str], str]) -> None:
    url = garbage("<html>maintenance</html>")
    endpoint = EndpointConfig(Side.ERP, "quickbooks", url, auth="bearer", retries=0, options={"realm_id": "1"})
    connector = QuickBooksConnector(endpoint, {"token": "t"})
    with pytest.raises(PermanentError, match=r"malformed reply from QuickBooks Online for query of Customer at http"):
        connector.get_many("Customer", ["1"])
    garbage('{"QueryResponse": {"Customer": [{"DisplayName": "no id"}]}, "time": "2026-01-01T00:00:00-07:00"}')
    with pytest.raises(PermanentError, match="without a usable Id"):
        connector.get_many("Customer", ["1"])
    connector.close()


@pytest.fixture
def garbage() -> Iterator[Callable[[str], str]]:
    """A server answering every request with 200 and the body it was given; returns its URL."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"body": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            payload = state["body"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()

    def serve(body: str) -> str:
        state["body"] = body
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
