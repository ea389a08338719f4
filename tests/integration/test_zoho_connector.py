"""The Zoho CRM connector against the fake Zoho (tests/fakes/zoho.py) over real HTTP: sign-in through the data
centre redirect, reads with paging and cursors, natural-key lookups, writes both ways, conflicts, throttling,
an expired sign-in and a 10k read."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from erpsync_gui.app.oauth_login import sign_in
from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.zoho import ZohoConnector
from erpsync_gui.errors import ConfigError, CredentialsExpiredError, DuplicateError, PermanentError, StaleVersionError
from erpsync_gui.http import HttpClient
from erpsync_gui.http.auth_factory import endpoint_auth, endpoint_settings
from erpsync_gui.http.ratelimit import LimiterRegistry
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Page, Side
from erpsync_gui.secrets import SERVICE, SecretStore
from tests.fakes.zoho import FakeClock, ZohoFake

PROFILE = "acme"
Make = Callable[..., ZohoConnector]


@pytest.fixture
def zoho() -> Iterator[ZohoFake]:
    with ZohoFake(("us", "eu"), home_dc="eu") as fake:
        yield fake


def _endpoint(zoho: ZohoFake, **options: Any) -> EndpointConfig:
    base = {"client_id": zoho.state.client_id, "accounts_server": zoho.accounts_url("eu"),
            "scopes": ["ZohoCRM.modules.ALL"]}
    return EndpointConfig(Side.CRM, "zoho", zoho.api_url("us"), auth="oauth2", timeout=10, retries=2,
                          options={**base, **options})


@pytest.fixture
def make(zoho: ZohoFake) -> Iterator[Make]:
    """Connectors signed in with a refresh token the fake issued (the API server comes from its reply)."""
    built: list[ZohoConnector] = []
    secrets = SecretStore()
    refresh = "1000.test-refresh"
    zoho.state.refresh_tokens[refresh] = "eu"
    secrets.set(PROFILE, Side.CRM, "refresh_token", refresh)
    secrets.set(PROFILE, Side.CRM, "client_secret", zoho.state.client_secret)

    def build(http: HttpClient | None = None, **options: Any) -> ZohoConnector:
        endpoint = _endpoint(zoho, **options)
        connector = ZohoConnector(endpoint, secrets.endpoint(PROFILE, Side.CRM, {
            "client_secret": zoho.state.client_secret}), http=http)
        built.append(connector)
        return connector

    yield build
    for connector in built:
        connector.close()


def _browser(url: str) -> bool:
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=5), daemon=True).start()
    return True


def _read_all(connector: Connector, entity: str, cursor: str | None = None, page_size: int = 200) -> list[Page]:
    return list(connector.changes(entity, cursor, page_size))


def test_it_is_a_connector_and_registered(make: Make) -> None:
    from erpsync_gui.config.kinds import kinds

    connector = make()
    assert isinstance(connector, Connector)
    assert "zoho" in kinds()
    info = connector.describe("Contacts")
    assert info.key_fields == ("Email",) and info.has_cursor
    assert {"Last_Name", "Email", "Account_Name.id", "Owner.id"} <= {f.name for f in info.fields}
    assert "lines" in {f.name for f in connector.describe("Invoices").fields}
    assert connector.capabilities("Leads").reports_deletes


def test_sign_in_follows_the_data_centre_and_the_token_reply_names_the_api_server(
        zoho: ZohoFake, store, tmp_path: Path, memory_keyring) -> None:
    service = SyncService(store, SecretStore(), tmp_path)
    endpoint = _endpoint(zoho, accounts_server=zoho.accounts_url("us"))  # the admin starts at the US server
    service.config.save_profile(ProfileConfig(PROFILE, crm=endpoint, erp=EndpointConfig(
        Side.ERP, "rest", "https://erp.example.com/", auth="bearer")))
    service.secrets.set(PROFILE, Side.CRM, "client_secret", zoho.state.client_secret)

    outcome = sign_in(service, PROFILE, Side.CRM, open_browser=_browser, timeout=10)

    assert outcome.redirect["location"] == "eu"
    saved = outcome.profile.crm.options
    assert saved["accounts_server"] == zoho.accounts_url("eu")  # refreshes go to the user's data centre
    bundle = json.loads(memory_keyring.entries[(SERVICE, f"{PROFILE}/crm.access_token")])
    assert bundle["api_domain"] == zoho.api_url("eu")  # kept with the tokens it came with
    assert memory_keyring.entries[(SERVICE, f"{PROFILE}/crm.refresh_token")] in zoho.state.refresh_tokens
    code_grants = [g for g in zoho.state.grants if g.get("grant_type") == "authorization_code"]
    assert code_grants and code_grants[0]["code_verifier"]  # PKCE

    rid = zoho.add("Contacts", Last_Name="Boyle", Email="p.boyle@example.com")
    connector = service.connector(service.profile(PROFILE), Side.CRM)
    try:
        assert connector.get_many("Contacts", [rid])[rid].data["Email"] == "p.boyle@example.com"
        result = connector.check()
    finally:
        connector.close()
    assert result.ok and result.server_time is not None
    servers = {call.server for call in zoho.api_calls()}
    assert servers == {"api:eu"}  # never the endpoint URL's (US) server


def test_first_read_is_complete_with_a_cursor_and_keys_are_found(zoho: ZohoFake, make: Make) -> None:
    ids = [zoho.add("Contacts", Last_Name=f"N{i}", Email=f"n{i}@example.com") for i in range(5)]
    connector = make()
    pages = _read_all(connector, "Contacts", page_size=2)
    assert [r.id for p in pages for r in p.records] == ids
    assert [p.complete for p in pages] == [False, False, True]
    assert [p.cursor is None for p in pages] == [True, True, False]  # a full read stores its cursor at its end
    cursor = json.loads(pages[-1].cursor)
    assert cursor["modified"] == zoho.record("Contacts", ids[-1])["Modified_Time"]
    first = pages[0].records[0]
    assert first.version == zoho.record("Contacts", ids[0])["Modified_Time"] and first.updated_at.tzinfo
    assert first.data["Owner.name"] == "Patricia Boyle"

    found = connector.find_by_keys("Contacts", "Email", ["N1@example.com", "n3@example.com", "nobody@x.org"])
    assert {k: [r.id for r in v] for k, v in found.items()} == {"N1@example.com": [ids[1]],
                                                                 "n3@example.com": [ids[3]]}
    lists = [c for c in zoho.api_calls() if c.method == "GET" and c.path == "/crm/v8/Contacts"]
    assert lists and all(c.query.get("fields") and int(c.query.get("per_page", 0)) <= 200 for c in lists)


def test_edits_both_ways_with_mixed_results_and_incremental_reads(zoho: ZohoFake, make: Make) -> None:
    taken = zoho.add("Contacts", Last_Name="Taken", Email="taken@example.com")
    connector = make()
    cursor = _read_all(connector, "Contacts")[-1].cursor

    zoho.state.clock.advance(5)
    results = connector.create_many("Contacts", [
        {"Last_Name": "New", "Email": "new@example.com", "Account_Name.id": "42"},
        {"Last_Name": "Dup", "Email": "TAKEN@example.com"},
        {"Email": "no-name@example.com"},
    ])
    created = results[0].record
    assert created is not None and zoho.record("Contacts", created.id)["Account_Name"] == {"id": "42"}
    assert isinstance(results[1].error, DuplicateError) and results[1].error.existing_id == taken
    assert isinstance(results[2].error, PermanentError) and "Last_Name" in str(results[2].error)

    zoho.state.clock.advance(5)
    zoho.edit("Contacts", taken, Phone="+1 555 0100")  # a person edits in Zoho
    changed = [r for p in _read_all(connector, "Contacts", cursor) for r in p.records]
    assert {r.id for r in changed} == {taken, created.id}
    mine = next(r for r in changed if r.id == taken)
    assert mine.data["Phone"] == "+1 555 0100"

    zoho.state.clock.advance(5)
    written = connector.update("Contacts", taken, {"Title": "Buyer"}, version=mine.version)
    assert zoho.record("Contacts", taken)["Title"] == "Buyer"
    assert written.version == zoho.record("Contacts", taken)["Modified_Time"] != mine.version
    assert written.data["Phone"] == "+1 555 0100"  # the rest of the record as Zoho holds it


def test_a_change_since_our_read_is_a_stale_version(zoho: ZohoFake, make: Make) -> None:
    rid = zoho.add("Accounts", Account_Name="Zylker")
    connector = make()
    read = connector.get_many("Accounts", [rid])[rid]
    zoho.state.clock.advance(3)
    zoho.edit("Accounts", rid, Phone="123")
    with pytest.raises(StaleVersionError):
        connector.update("Accounts", rid, {"Industry": "Retail"}, version=read.version)
    assert not [c for c in zoho.api_calls() if c.method == "PUT"]  # the re-read caught it before any write
    assert zoho.record("Accounts", rid).get("Industry") is None

    fresh = connector.get_many("Accounts", [rid])[rid]
    zoho.state.race_next_update = True  # an edit lands between our re-read and the write
    with pytest.raises(StaleVersionError):
        connector.update("Accounts", rid, {"Industry": "Retail"}, version=fresh.version)
    put = [c for c in zoho.api_calls() if c.method == "PUT"][-1]
    assert put.headers["if-unmodified-since"] == fresh.version
    assert zoho.record("Accounts", rid).get("Industry") is None


def test_deletes_come_in_the_changes_feed_from_the_deleted_records_list(zoho: ZohoFake, make: Make) -> None:
    ids = [zoho.add("Leads", Last_Name=f"L{i}") for i in range(4)]
    connector = make()
    cursor = _read_all(connector, "Leads")[-1].cursor
    zoho.state.clock.advance(2)
    zoho.remove("Leads", ids[0])
    zoho.remove("Leads", ids[1], permanent=True)
    connector.delete("Leads", ids[2])
    connector.delete("Leads", ids[2])  # already gone: no error
    pages = _read_all(connector, "Leads", cursor)
    assert sorted(i for p in pages for i in p.deleted) == sorted(ids[:3])
    zoho.state.clock.advance(5)
    zoho.remove("Leads", ids[3])
    later = _read_all(connector, "Leads", pages[-1].cursor)
    assert ids[3] in [i for p in later for i in p.deleted]
    # the boundary second is read again (inclusive); deletes before it are not
    last = _read_all(connector, "Leads", later[-1].cursor)
    assert [i for p in last for i in p.deleted] == [ids[3]]


def test_quote_lines_are_a_list_and_an_update_replaces_them(zoho: ZohoFake, make: Make) -> None:
    connector = make()
    quote = connector.create("Quotes", {"Subject": "Q-1", "lines": [
        {"Product_Name.id": "11", "Quantity": 2, "List_Price": 10.0},
        {"Product_Name.id": "12", "Quantity": 1, "List_Price": 99.0}]})
    stored = zoho.record("Quotes", quote.id)["Quoted_Items"]
    assert [line["Product_Name"] for line in stored] == [{"id": "11"}, {"id": "12"}]
    read = connector.get_many("Quotes", [quote.id])[quote.id]
    assert [line["Product_Name.id"] for line in read.data["lines"]] == ["11", "12"]
    keep = read.data["lines"][1]
    zoho.state.clock.advance(2)
    connector.update("Quotes", quote.id, {"lines": [{**keep, "Quantity": 3}, {"Product_Name.id": "13",
                                                                              "Quantity": 1}]},
                     version=read.version)
    after = zoho.record("Quotes", quote.id)["Quoted_Items"]
    assert [(line["Product_Name"]["id"], line["Quantity"]) for line in after] == [("12", 3), ("13", 1)]


def test_upsert_uses_the_duplicate_check_fields(zoho: ZohoFake, make: Make) -> None:
    old = zoho.add("Leads", Last_Name="Old", Email="lead@example.com", Phone="1")
    connector = make(duplicate_check_fields={"Leads": ["Phone"]})
    results = connector.upsert_many("Leads", [{"Last_Name": "Old", "Phone": "1", "City": "Pune"},
                                              {"Last_Name": "Fresh", "Phone": "2"}])
    assert results[0].record.id == old and zoho.record("Leads", old)["City"] == "Pune"
    assert results[1].record.id != old and len(zoho.records("Leads")) == 2
    upsert = [c for c in zoho.state.seen if c.path.endswith("/upsert")][-1]
    assert upsert.method == "POST"


def test_a_throttled_burst_finishes_with_its_waits_counted(zoho: ZohoFake, make: Make) -> None:
    ids = [zoho.add("Deals", Deal_Name=f"D{i}", Stage="Qualification") for i in range(8)]
    zoho.state.concurrency, zoho.state.latency = 2, 0.05  # a Free edition's cap is 5; this one is tighter
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(0.06)  # long enough for the calls in flight to finish

    endpoint = _endpoint(zoho, api_domain=zoho.api_url("eu"))
    secrets = SecretStore().endpoint(PROFILE, Side.CRM, {"client_secret": zoho.state.client_secret})
    zoho.state.refresh_tokens["1000.burst"] = "eu"
    secrets["refresh_token"] = "1000.burst"
    settings = endpoint_settings(endpoint, zoho.api_url("eu") + "/crm/v8/")
    http = HttpClient(settings.__class__(**{**settings.__dict__, "retries": 8}),
                      auth=endpoint_auth(endpoint, secrets, endpoint.url).auth, sleep=sleep,
                      limiters=LimiterRegistry())
    connector = make(http=http, api_domain=zoho.api_url("eu"))
    connector.get_many("Deals", ids[:1])  # the token, before the burst
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda rid: connector.get_many("Deals", [rid]), ids))
    http.close()
    assert [list(f) for f in found] == [[rid] for rid in ids]
    assert zoho.state.throttled >= 1 and len(waits) == zoho.state.throttled


def test_an_expired_refresh_token_marks_the_endpoint_expired(zoho: ZohoFake, store, tmp_path: Path) -> None:
    service = SyncService(store, SecretStore(), tmp_path)
    service.config.save_profile(ProfileConfig(PROFILE, crm=_endpoint(zoho), erp=EndpointConfig(
        Side.ERP, "rest", "https://erp.example.com/", auth="bearer")))
    service.secrets.set(PROFILE, Side.CRM, "client_secret", zoho.state.client_secret)
    sign_in(service, PROFILE, Side.CRM, open_browser=_browser, timeout=10)
    zoho.revoke_refresh_tokens()
    zoho.expire_access_tokens()

    connector = service.connector(service.profile(PROFILE), Side.CRM)
    try:
        with pytest.raises(CredentialsExpiredError):
            connector.get_many("Contacts", ["1"])
        assert isinstance(connector.auth_problem, CredentialsExpiredError)
    finally:
        connector.close()
    service.test_connections(PROFILE)
    assert service.config.endpoint_status(service.profile(PROFILE).id)[Side.CRM].status == "expired"


def test_10k_records_page_past_2000_with_page_token(zoho: ZohoFake, make: Make) -> None:
    # a bulk import: 2,500 records in one second, then 7,500 more three a second
    cluster = zoho.seed("Contacts", 2500, per_second=2500, start=zoho.state.clock() - 4000)
    rest = zoho.seed("Contacts", 7500, per_second=3, start=zoho.state.clock() - 3000)
    connector = make()
    pages = _read_all(connector, "Contacts", page_size=500)
    read = [r.id for p in pages for r in p.records]
    assert len(read) == 10_000 and set(read) == set(cluster + rest)
    assert zoho.state.token_reads > 0  # past 2,000 records of one window, page_token took over
    assert pages[-1].complete and all(not p.complete for p in pages[:-1])


def test_an_edit_during_the_read_skips_no_record(zoho: ZohoFake, make: Make) -> None:
    ids = zoho.seed("Contacts", 900, per_second=1, start=zoho.state.clock() - 1000)
    connector = make(page_size=100)
    seen: set[str] = set()
    for number, page in enumerate(connector.changes("Contacts", None, 100)):
        seen.update(r.id for r in page.records)
        if number == 2:  # people edit records already read and records not read yet
            zoho.edit("Contacts", ids[5], Title="moved to the end")
            zoho.edit("Contacts", ids[50], Title="moved too")
            zoho.edit("Contacts", ids[800], Title="not read yet")
    assert seen == set(ids)


def test_options_are_validated_with_their_paths(zoho: ZohoFake) -> None:
    endpoint = _endpoint(zoho, page_size=500, extra_fields={"Contacts": ["ok_field", "bad name"]}, colour="red")
    with pytest.raises(ConfigError) as caught:
        ZohoConnector(endpoint, {})
    text = str(caught.value)
    assert "page_size" in text and "extra_fields.Contacts.1" in text and "colour" in text


def test_the_fake_enforces_zoho_paging_rules(zoho: ZohoFake, make: Make) -> None:
    zoho.seed("Leads", 10, per_second=5)
    connector = make()
    connector.get_many("Leads", ["1"])  # signs in
    token = next(iter(zoho.state.access_tokens))
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    url = zoho.api_url("eu") + "/crm/v8/Leads"
    assert httpx.get(url, params={"per_page": 5}, headers=headers).json()["code"] == "REQUIRED_PARAM_MISSING"
    assert httpx.get(url, params={"fields": "Email", "per_page": 201}, headers=headers).status_code == 400
    deep = httpx.get(url, params={"fields": "Email", "per_page": 200, "page": 11}, headers=headers)
    assert deep.json() == {"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "details": {"limit": 2000},
                           "message": "You can only get the first 2000 records without using page_token param",
                           "status": "error"}
    wrong_dc = httpx.get(zoho.api_url("us") + "/crm/v8/Leads", params={"fields": "Email"}, headers=headers)
    assert wrong_dc.status_code == 401


def test_tokens_stored_before_api_domain_was_kept_learn_it_from_a_refresh(zoho: ZohoFake, make: Make,
                                                                           memory_keyring) -> None:
    key = (SERVICE, f"{PROFILE}/crm.access_token")
    memory_keyring.entries[key] = json.dumps({"access_token": "1000.old-style", "expires_at": time.time() + 3000})
    rid = zoho.add("Leads", Last_Name="Old Style")
    connector = make()
    assert rid in connector.get_many("Leads", [rid])
    assert json.loads(memory_keyring.entries[key])["api_domain"] == zoho.api_url("eu")
    assert {c.server for c in zoho.api_calls()} == {"api:eu"}


def test_check_reports_the_servers_clock(make: Make) -> None:
    with ZohoFake(("eu",), home_dc="eu", clock=FakeClock(1_900_000_000.0, frozen=True)) as other:
        other.state.refresh_tokens["1000.r"] = "eu"
        endpoint = EndpointConfig(Side.CRM, "zoho", other.api_url("eu"), auth="oauth2", options={
            "client_id": other.state.client_id, "accounts_server": other.accounts_url("eu")})
        connector = ZohoConnector(endpoint, {"client_secret": other.state.client_secret, "refresh_token": "1000.r"})
        try:
            result = connector.check()
        finally:
            connector.close()
    assert result.ok and result.server_time.timestamp() == 1_900_000_000.0


def test_a_reply_that_is_not_zoho_is_a_clear_error(garbage: Callable[[str], str]) -> None:
    url = garbage("<html>login</html>")
    connector = ZohoConnector(EndpointConfig(Side.CRM, "zoho", url, auth="bearer", retries=0), {"token": "t"})
    with pytest.raises(PermanentError, match=r"malformed reply from Zoho CRM for Contacts at http"):
        list(connector.changes("Contacts", None, 50))
    url = garbage(json.dumps({"data": [{"Last_Name": "no id", "Modified_Time": "2026-01-01T00:00:00+05:30"}],
                              "info": {"more_records": False}}))
    with pytest.raises(PermanentError, match="without a usable id"):
        list(connector.changes("Contacts", None, 50))
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


def test_a_full_read_starts_its_delete_cursor_at_the_servers_clock() -> None:
    start = 1_900_000_000.0
    with ZohoFake(("eu",), home_dc="eu", clock=FakeClock(start, frozen=True)) as fake:
        fake.state.refresh_tokens["1000.r"] = "eu"
        endpoint = EndpointConfig(Side.CRM, "zoho", fake.api_url("eu"), auth="oauth2", options={
            "client_id": fake.state.client_id, "accounts_server": fake.accounts_url("eu")})
        connector = ZohoConnector(endpoint, {"client_secret": fake.state.client_secret, "refresh_token": "1000.r"})
        try:
            empty = list(connector.changes("Deals", None, 50))
            fake.seed("Deals", 3, start=start - 100, make=lambda i: {"Deal_Name": f"D{i}", "Stage": "Won"})
            pages = list(connector.changes("Deals", None, 50))
        finally:
            connector.close()
    assert len(empty) == 1 and empty[0].complete and not empty[0].records
    assert json.loads(empty[0].cursor) == {"modified": "2030-03-17T17:46:40+00:00",
                                           "deleted": "2030-03-17T17:46:40+00:00"}
    cursor = json.loads(pages[-1].cursor)
    assert cursor["deleted"] == "2030-03-17T17:46:40+00:00"  # the Date header of the read's first reply
    assert cursor["modified"] == stamp_of(start - 98)  # the newest Modified_Time read


def stamp_of(seconds: float) -> str:
    from tests.fakes.zoho import stamp

    return stamp(seconds)
