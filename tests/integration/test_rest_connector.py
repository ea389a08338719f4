"""The REST ERP connector against the real sandbox over HTTP (and a tiny server that answers garbage)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    DuplicateError,
    MissingClientTokenError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    StaleVersionError,
)
from erpsync_gui.http import BearerAuth, HttpSettings, build_client
from erpsync_gui.records import Origin
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN

Make = Callable[..., RestErpConnector]
UNICODE_NAME = "محمد رضایی — Jürgen Müller, Ștefan Țară, Größe"


@pytest.fixture
def garbage_server() -> Iterator[Callable[[str | bytes], str]]:
    """A local HTTP server answering every GET with 200 and the body it was given; returns its URL."""
    state = {"body": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state["body"]
            payload = body if isinstance(body, bytes) else body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()

    def serve(body: str | bytes) -> str:
        state["body"] = body
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    server.shutdown()
    server.server_close()


# -- changes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("paging", ["page", "offset", "cursor"])
def test_changes_reads_every_record_once_in_each_paging_style(
    sandbox: SandboxServer, make_rest_connector: Make, paging: str
) -> None:
    connector = make_rest_connector(paging=paging)
    pages = list(connector.changes("clients", None, 70))
    records = [r for page in pages for r in page.records]
    assert [len(p.records) for p in pages] == [70, 70, 70, 70, 20]
    assert sorted(int(r.id) for r in records) == sorted(r["id"] for r in sandbox.records("clients"))
    assert {p.total for p in pages} == {300}
    newest = sandbox.records("clients")[-1]
    assert pages[-1].cursor == newest["updated_at"]
    first = records[0]
    assert first.updated_at is not None and first.updated_at.tzinfo == UTC
    assert first.version == "1" and first.txn_id is None and isinstance(first.id, str)


@pytest.mark.parametrize("paging", ["page", "cursor"])
def test_changes_resume_from_a_cursor(sandbox: SandboxServer, make_rest_connector: Make, paging: str) -> None:
    connector = make_rest_connector(paging=paging)
    cursor = list(connector.changes("clients", None, 100))[-1].cursor
    sandbox.edit("clients", 5, city="Iași")
    sandbox.edit("clients", 250, city="Köln")
    again = [r for page in connector.changes("clients", cursor, 100) for r in page.records]
    ids = [r.id for r in again]
    last_before = str(sandbox.records("clients")[-3]["id"])
    assert ids == [last_before, "5", "250"]  # the boundary record again (inclusive), then the edits
    assert again[-1].get("city") == "Köln" and again[-1].version == "2"


def test_page_size_is_capped_by_page_size_max(sandbox: SandboxServer, make_rest_connector: Make) -> None:
    connector = make_rest_connector(paging="cursor", page_size_max=120)
    assert [len(p.records) for p in connector.changes("clients", None, 10_000)] == [120, 120, 60]


def test_rate_limits_are_waited_out(sandbox: SandboxServer, make_rest_connector: Make) -> None:
    sandbox.faults.configure(rate_limit_every=2, retry_after=0)
    connector = make_rest_connector(retries=3, paging="offset")
    records = [r for page in connector.changes("leads", None, 25) for r in page.records]
    assert len(records) == 120
    assert sandbox.faults.count("GET", "leads") > 5  # 5 pages plus the refused attempts


# -- lookups ---------------------------------------------------------------------------------------

def test_get_many_filters_by_id_in_chunks(sandbox: SandboxServer, make_rest_connector: Make) -> None:
    connector = make_rest_connector(page_size_max=100)  # a lookup asks for at most one page of records
    found = connector.get_many("contacts", [str(i) for i in range(1, 151)] + ["99999"])
    assert sorted(found, key=int) == [str(i) for i in range(1, 151)]
    assert found["42"].get("id") == 42
    assert sandbox.faults.count("GET", "contacts") == 2
    assert connector.get_many("contacts", []) == {}


def test_find_by_keys_groups_by_value(make_rest_connector: Make, sandbox: SandboxServer) -> None:
    connector = make_rest_connector()
    by_number = connector.find_by_keys("clients", "customer_number", ["C00001", "C00002", "NOPE"])
    assert set(by_number) == {"C00001", "C00002"}
    assert [r.id for r in by_number["C00002"]] == ["2"]
    by_client = connector.find_by_keys("contacts", "client_id", [1, 2])
    expected = {str(c): sorted(str(r["id"]) for r in sandbox.records("contacts") if r["client_id"] == c)
                for c in (1, 2)}
    got = {k: sorted(r.id for r in v) for k, v in by_client.items()}
    assert got == {k: v for k, v in expected.items() if v}


def test_find_by_origin_uses_channel_and_source_ids(make_rest_connector: Make) -> None:
    connector = make_rest_connector()
    made = connector.create("leads", {"name": "Andrei Popescu"}, origin=Origin("erpsync", "crm-7"))
    connector.create("leads", {"name": "Other tool"}, origin=Origin("othertool", "crm-8"))
    found = connector.find_by_origin("leads", "erpsync", ["crm-7", "crm-8", "crm-9"])
    assert list(found) == ["crm-7"] and found["crm-7"].id == made.id


# -- writes ----------------------------------------------------------------------------------------

def test_create_stamps_origin_and_txn_and_returns_the_record(
    sandbox: SandboxServer, make_rest_connector: Make
) -> None:
    connector = make_rest_connector()
    record = connector.create("clients", {"company": UNICODE_NAME, "customer_number": "N-1"},
                              origin=Origin("erpsync", "crm-41"), txn_id="txn-abc")
    stored = sandbox.get("clients", int(record.id))
    assert stored["external_id"] == "crm-41" and stored["external_channel"] == "erpsync"
    assert stored["sync_txn"] == record.txn_id == "txn-abc"
    assert stored["company"] == record.get("company") == UNICODE_NAME
    assert record.version == "1" and record.updated_at is not None


def test_create_many_keeps_going_past_a_failing_item(make_rest_connector: Make) -> None:
    connector = make_rest_connector()
    payloads = [{"company": "A SRL"}, {"company": "B", "customer_number": "C00001"}, {"company": "C GmbH"}]
    results = connector.create_many("clients", payloads, txn_id="t")
    assert [r.index for r in results] == [0, 1, 2]
    assert results[0].record is not None and results[2].record is not None
    assert isinstance(results[1].error, DuplicateError)


def test_duplicate_natural_key_names_the_existing_record(make_rest_connector: Make) -> None:
    connector = make_rest_connector()
    with pytest.raises(DuplicateError) as caught:
        connector.create("clients", {"company": "Copie", "customer_number": "C00017"})
    assert caught.value.existing_id == "17"
    assert "customer_number" in caught.value.message


def test_validation_failure_is_a_permanent_error(make_rest_connector: Make) -> None:
    connector = make_rest_connector()
    with pytest.raises(PermanentError) as caught:
        connector.create("clients", {"customer_number": "N-2"})
    assert caught.value.status == 422 and "clients" in caught.value.message
    assert type(caught.value) is PermanentError


def test_update_with_versions(sandbox: SandboxServer, make_rest_connector: Make) -> None:
    connector = make_rest_connector()
    updated = connector.update("clients", "3", {"city": "Brașov"}, version="1", txn_id="t-1")
    assert (updated.version, updated.txn_id, updated.get("city")) == ("2", "t-1", "Brașov")
    sandbox.edit("clients", 3, phone="+40 700 000 000")  # someone edits in the ERP meanwhile
    with pytest.raises(StaleVersionError):
        connector.update("clients", "3", {"city": "Iași"}, version="2", txn_id="t-2")
    assert sandbox.get("clients", 3)["city"] == "Brașov"
    assert connector.update("clients", "3", {"city": "Iași"}).version == "4"
    with pytest.raises(NotFoundError):
        connector.update("clients", "999999", {"city": "Iași"})


def test_a_dropped_post_is_outcome_unknown(sandbox: SandboxServer, make_rest_connector: Make) -> None:
    connector = make_rest_connector(retries=3)
    sandbox.faults.configure(drop_after_write=True)
    with pytest.raises(OutcomeUnknownError):
        connector.create("clients", {"company": "Poate SRL"}, origin=Origin("erpsync", "crm-99"))
    sandbox.faults.clear()
    assert sandbox.faults.count("POST", "clients") == 1  # a POST is never sent twice blindly
    assert list(connector.find_by_origin("clients", "erpsync", ["crm-99"])) == ["crm-99"]


def test_a_retried_put_recognises_its_own_applied_write(
    sandbox: SandboxServer, make_rest_connector: Make
) -> None:
    settings = HttpSettings(base_url=sandbox.url, retries=2, timeout=10)
    http = build_client(settings, auth=BearerAuth(DEMO_AUTH_TOKEN), sleep=lambda _seconds: None)
    connector = make_rest_connector(http=http)
    sandbox.faults.configure(drop_after_write=True)
    try:
        record = connector.update("clients", "8", {"city": "Iași"}, version="1", txn_id="txn-8")
    finally:
        sandbox.faults.clear()
        http.close()
    assert (record.version, record.txn_id, record.get("city")) == ("2", "txn-8", "Iași")
    assert sandbox.faults.count("PUT", "clients") == 2


# -- the client token ------------------------------------------------------------------------------

def test_missing_client_token_fails_before_any_request(
    sandbox: SandboxServer, make_rest_connector: Make
) -> None:
    connector = make_rest_connector(client_token=None)
    for call in (lambda: connector.changes("products", None, 10),
                 lambda: connector.get_many("units", ["1"]),
                 lambda: connector.find_by_keys("products", "sku", ["SKU-00001"]),
                 lambda: connector.create("orders", {"client_id": 1})):
        with pytest.raises(MissingClientTokenError) as caught:
            call()
        assert caught.value.message == "Missing client token"
        assert "erp.client_token" in (caught.value.hint or "")
    assert sandbox.faults.count() == 0
    assert len(next(iter(connector.changes("clients", None, 500))).records) == 300


def test_a_server_saying_missing_client_token_maps_to_the_same_error(make_rest_connector: Make) -> None:
    connector = make_rest_connector(client_token_header="X-Wrong-Header")
    with pytest.raises(MissingClientTokenError):
        list(connector.changes("products", None, 10))


def test_a_wrong_client_token_is_an_auth_error(make_rest_connector: Make) -> None:
    connector = make_rest_connector(client_token="nope")
    with pytest.raises(AuthError) as caught:
        list(connector.changes("products", None, 10))
    assert caught.value.status == 403 and "client token" in caught.value.message


# -- check -----------------------------------------------------------------------------------------

def test_check_with_good_tokens(make_rest_connector: Make, sandbox: SandboxServer) -> None:
    result = make_rest_connector(sandbox.url.rstrip("/")).check()  # a base without "/" works too
    assert (result.ok, result.reachable, result.authenticated) == (True, True, True)
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert "client token works" in result.message


def test_check_with_a_bad_token(make_rest_connector: Make) -> None:
    result = make_rest_connector(token="wrong").check()
    assert (result.ok, result.reachable, result.authenticated) == (False, True, False)
    assert "401" in result.message and "erp.token" in result.message


def test_check_with_nothing_listening(make_rest_connector: Make) -> None:
    with socket.socket() as holder:  # bound but not listening: connections are refused
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        result = make_rest_connector(f"http://127.0.0.1:{port}/").check()
    assert (result.ok, result.reachable, result.authenticated) == (False, False, False)
    assert "refused" in result.message


def test_check_at_a_wrong_path(make_rest_connector: Make, sandbox: SandboxServer) -> None:
    result = make_rest_connector(f"{sandbox.url}erp/").check()
    assert (result.ok, result.reachable) == (False, True)
    assert result.message == "no ERP API at this URL; check the base URL"


def test_check_against_a_server_that_is_not_the_erp(make_rest_connector: Make, garbage_server) -> None:
    result = make_rest_connector(garbage_server("<html>router login</html>")).check()
    assert (result.ok, result.reachable) == (False, True)
    assert "not JSON" in result.message


# -- malformed replies -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<html>not json</html>", "not JSON"),
        (json.dumps({"records": []}), "no 'data' member"),
        (json.dumps({"data": {"id": 1}}), "not a list"),
        (json.dumps({"data": [{"name": "no id"}]}), "without a usable 'id'"),
        (json.dumps({"data": [{"id": [999]}]}), "without a usable 'id'"),
        (json.dumps({"data": [{"id": {"value": 77}}]}), "without a usable 'id'"),
        ('{"data": [{"id": Infinity}]}', "without a usable 'id'"),
        (json.dumps({"data": [{"id": ""}]}), "without a usable 'id'"),
        (json.dumps({"data": [{"id": "x" * 500}]}), "without a usable 'id'"),
        ("[" * 100_000 + "]" * 100_000, "nested too deep"),
        (b'{"data": [{"id": 1, "name": "\xff\xfe"}]}', "not UTF-8"),
        ('{"data": [{"id": 1, "na', "not JSON"),
        (json.dumps({"data": ["just text"]}), "not an object"),
    ],
)
def test_malformed_list_replies_are_permanent_errors(
    make_rest_connector: Make, garbage_server, body: str, words: str
) -> None:
    url = garbage_server(body)
    connector = make_rest_connector(url)
    with pytest.raises(PermanentError) as caught:
        list(connector.changes("clients", None, 10))
    assert words in caught.value.message
    assert "clients" in caught.value.message and url in caught.value.message


@pytest.mark.parametrize("paging", ["page", "offset"])
def test_a_server_ignoring_paging_is_stopped(make_rest_connector: Make, garbage_server, paging: str) -> None:
    same_stamp = [{"id": i, "updated_at": "2026-01-01T00:00:00Z"} for i in range(1, 11)]
    url = garbage_server(json.dumps({"data": same_stamp, "meta": {}}))
    with pytest.raises(PermanentError, match="same clients page twice"):
        list(make_rest_connector(url, paging=paging).changes("clients", None, 10))


def test_a_server_not_listing_changes_in_order_is_stopped(make_rest_connector: Make, garbage_server) -> None:
    stamps = ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"]
    url = garbage_server(json.dumps({"data": [{"id": i, "updated_at": s} for i, s in enumerate(stamps, 1)]}))
    with pytest.raises(PermanentError, match="does not list clients changes in updated_at order"):
        list(make_rest_connector(url).changes("clients", None, 10))


# -- description and settings ----------------------------------------------------------------------

def test_describe_capabilities_and_entities(make_rest_connector: Make) -> None:
    connector = make_rest_connector()
    assert isinstance(connector, Connector) and connector.kind == "rest"
    info = connector.describe("products")
    types = {f.name: f.type for f in info.fields}
    assert types["id"] == "number" and types["prices"] == "list" and types["active"] == "boolean"
    assert types["updated_at"] == "datetime" and types["sku"] == "text"
    assert info.key_fields == ("sku",) and info.has_cursor
    caps = connector.capabilities("clients")
    assert (caps.cursor, caps.batch, caps.upsert, caps.origin_marker) == (True, False, False, True)
    assert "discount_grids" in connector.entities() and len(connector.entities()) == 16


def test_a_url_given_with_the_api_path_still_works(make_rest_connector: Make, sandbox: SandboxServer) -> None:
    connector = make_rest_connector(f"{sandbox.url}index.php/api")
    assert len(connector.get_many("clients", ["1"])) == 1


def test_bad_options_are_config_errors(make_rest_connector: Make) -> None:
    with pytest.raises(ConfigError, match="paging"):
        make_rest_connector(paging="scroll")
    with pytest.raises(ConfigError, match="origin_fields"):
        make_rest_connector(origin_fields=["external_id"])


def test_delete_removes_the_record_and_a_second_delete_is_not_an_error(make_rest_connector, erp_api):
    connector = make_rest_connector()
    created = connector.create("clients", {"company": "Delete Me SRL", "customer_number": "DEL-1"})
    connector.delete("clients", created.id, version=created.version)
    assert erp_api.get(f"clients/{created.id}").status_code == 404
    connector.delete("clients", created.id)  # already gone: nothing to do


def test_delete_with_a_stale_version_is_refused(make_rest_connector):
    from erpsync_gui.errors import StaleVersionError

    connector = make_rest_connector()
    created = connector.create("clients", {"company": "Stale SRL", "customer_number": "DEL-2"})
    connector.update("clients", created.id, {"company": "Stale SRL 2"})
    with pytest.raises(StaleVersionError):
        connector.delete("clients", created.id, version=created.version)
    assert connector.get_many("clients", [created.id])


def test_archive_sets_the_active_flag_false(make_rest_connector):
    connector = make_rest_connector()
    created = connector.create("clients", {"company": "Archive SRL", "customer_number": "DEL-3", "active": True})
    archived = connector.archive("clients", created.id, version=created.version)
    assert archived.data["active"] is False
