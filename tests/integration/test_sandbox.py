"""The sandbox ERP over real HTTP: auth, the three paging styles, filters, writes and their conflicts,
persistence across restarts, injected faults and Unicode."""

from __future__ import annotations

import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from erpsync_gui.sandbox import seed_data
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
UNICODE_NAME = "شرکت آرین — Müller & Söhne, Ștefan din Țară Brașov, Größe"


def _all_pages(api: httpx.Client, entity: str, style: str, per_page: int, **params) -> list[dict]:
    """Every record of a list request in one paging style."""
    seen: list[dict] = []
    page, offset, cursor = 1, 0, None
    while True:
        query = {**params, "per_page": per_page}
        if style == "page":
            query["page"] = page
        elif style == "offset":
            query.update(offset=offset, limit=per_page)
        elif cursor:
            query["cursor"] = cursor
        reply = api.get(entity, params=query)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        seen += body["data"]
        if style == "cursor":
            cursor = body["meta"]["next_cursor"]
            if not cursor:
                return seen
        else:
            page, offset = page + 1, offset + len(body["data"])
            if len(body["data"]) < per_page:
                return seen


# -- auth ------------------------------------------------------------------------------------------

def test_requests_without_or_with_a_wrong_auth_token_get_401(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=f"{sandbox.url}index.php/api/") as api:
        missing = api.get("clients")
        wrong = api.get("clients", headers={"Authorization": "Bearer nope"})
    for reply in (missing, wrong):
        assert reply.status_code == 401
        assert reply.json() == {"error": "Invalid or missing auth token"}


def test_advanced_entities_need_the_client_token(sandbox: SandboxServer) -> None:
    auth = {"Authorization": f"Bearer {DEMO_AUTH_TOKEN}"}
    with httpx.Client(base_url=f"{sandbox.url}index.php/api/", headers=auth) as api:
        missing = api.get("products")
        wrong = api.get("products", headers={"X-Client-Token": "nope"})
        right = api.get("products", headers={"X-Client-Token": DEMO_CLIENT_TOKEN})
        plain = api.get("clients")
    assert (missing.status_code, missing.json()) == (401, {"error": "Missing client token"})
    assert (wrong.status_code, wrong.json()) == (403, {"error": "Invalid client token"})
    assert right.status_code == 200 and right.json()["data"]
    assert plain.status_code == 200


def test_unknown_entities_and_paths_are_404(erp_api: httpx.Client) -> None:
    assert erp_api.get("spaceships").status_code == 404
    assert erp_api.get("clients/999999").json() == {"error": "Not found"}
    assert erp_api.get("clients/abc").status_code == 404


# -- lists -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("style", ["page", "offset", "cursor"])
def test_every_paging_style_returns_every_record_exactly_once(
    sandbox: SandboxServer, erp_api: httpx.Client, style: str
) -> None:
    seen = _all_pages(erp_api, "contacts", style, per_page=37)
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids)) == sandbox.count("contacts") == 450
    keys = [(r["updated_at"], r["id"]) for r in seen]
    assert keys == sorted(keys)


def test_list_meta_reports_total_and_caps_per_page(erp_api: httpx.Client) -> None:
    body = erp_api.get("clients", params={"per_page": 10_000}).json()
    assert body["meta"]["per_page"] == 500
    assert body["meta"]["total"] == 300
    assert len(body["data"]) == 300
    assert body["meta"]["next_cursor"] is None
    assert erp_api.get("clients").json()["meta"]["per_page"] == 50
    assert erp_api.get("clients", params={"per_page": "x"}).status_code == 400
    assert erp_api.get("clients", params={"cursor": "garbage!"}).status_code == 400


def test_cursor_paging_stays_correct_while_records_are_edited(
    sandbox: SandboxServer, erp_api: httpx.Client
) -> None:
    first = erp_api.get("clients", params={"per_page": 50}).json()
    seen = list(first["data"])
    sandbox.edit("clients", seen[0]["id"], city="Iași")  # already read: comes again at the end
    unseen = sandbox.records("clients")[120]
    sandbox.edit("clients", unseen["id"], city="Köln")  # not read yet: read once, in its new state
    cursor = first["meta"]["next_cursor"]
    while cursor:
        body = erp_api.get("clients", params={"per_page": 50, "cursor": cursor}).json()
        seen += body["data"]
        cursor = body["meta"]["next_cursor"]
    ids = [r["id"] for r in seen]
    assert set(ids) == {r["id"] for r in sandbox.records("clients")}
    assert ids.count(seen[0]["id"]) == 2
    assert [r["city"] for r in seen if r["id"] == unseen["id"]] == ["Köln"]
    assert seen[-1]["city"] == "Köln" and seen[-2]["city"] == "Iași"


def test_page_paging_skips_a_record_when_an_earlier_one_changes(
    sandbox: SandboxServer, erp_api: httpx.Client
) -> None:
    """Why the dialect offers cursors: an edit moves a record to the end and shifts the pages."""
    first = erp_api.get("clients", params={"per_page": 50, "page": 1}).json()["data"]
    sandbox.edit("clients", first[0]["id"], city="Iași")
    second = erp_api.get("clients", params={"per_page": 50, "page": 2}).json()["data"]
    skipped = sandbox.records("clients")[49]
    assert skipped["id"] not in {r["id"] for r in first + second}


def test_updated_since_is_inclusive(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    records = sandbox.records("clients")
    pivot = records[200]
    body = erp_api.get("clients", params={"updated_since": pivot["updated_at"], "per_page": 500}).json()
    assert body["data"][0]["id"] == pivot["id"]
    assert body["meta"]["total"] == len(body["data"]) == 100
    offset_form = pivot["updated_at"].replace("Z", "+00:00")
    again = erp_api.get("clients", params={"updated_since": offset_form, "per_page": 1}).json()
    assert again["data"][0]["id"] == pivot["id"]
    assert erp_api.get("clients", params={"updated_since": "yesterday"}).status_code == 400


def test_exact_match_filters_with_repeats_for_or(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    two = erp_api.get("clients", params=[("customer_number", "C00002"), ("customer_number", "C00007")])
    assert sorted(r["customer_number"] for r in two.json()["data"]) == ["C00002", "C00007"]
    by_id = erp_api.get("clients", params=[("id", 3), ("id", 5), ("id", 999999)]).json()["data"]
    assert sorted(r["id"] for r in by_id) == [3, 5]
    inactive = erp_api.get("clients", params={"active": "false", "per_page": 500}).json()
    expected = [r for r in sandbox.records("clients") if r["active"] is False]
    assert inactive["meta"]["total"] == len(expected) > 0
    assert all(r["active"] is False for r in inactive["data"])
    both = erp_api.get("contacts", params={"client_id": 1, "is_primary": "true", "per_page": 500}).json()
    assert all(r["client_id"] == 1 and r["is_primary"] for r in both["data"])
    assert erp_api.get("clients", params={"city": "Atlantis"}).json()["data"] == []


# -- writes ----------------------------------------------------------------------------------------

def test_post_creates_a_record_with_id_timestamps_and_version(
    sandbox: SandboxServer, erp_api: httpx.Client
) -> None:
    reply = erp_api.post("clients", json={"company": "Nou SRL", "customer_number": "N1", "total": 12.5,
                                          "external_id": "crm-9", "external_channel": "erpsync",
                                          "sync_txn": "txn-1", "id": 5, "version": 99})
    assert reply.status_code == 201
    doc = reply.json()["data"]
    assert doc["id"] == 301 and doc["version"] == 1
    assert TS.match(doc["created_at"]) and doc["created_at"] == doc["updated_at"]
    assert (doc["external_id"], doc["external_channel"], doc["sync_txn"]) == ("crm-9", "erpsync", "txn-1")
    assert doc["total"] == "12.50"
    assert erp_api.get("clients/301").json()["data"] == doc == sandbox.get("clients", 301)


def test_put_updates_partially_and_checks_if_match(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    before = sandbox.get("clients", 10)
    updated = erp_api.put("clients/10", json={"city": "Iași"}, headers={"If-Match": "1"})
    assert updated.status_code == 200
    doc = updated.json()["data"]
    assert doc["city"] == "Iași" and doc["company"] == before["company"]
    assert doc["version"] == 2 and doc["updated_at"] > before["updated_at"]
    stale = erp_api.put("clients/10", json={"city": "Brașov"}, headers={"If-Match": "1"})
    assert stale.status_code == 412
    assert stale.json() == {"error": "Version mismatch", "current_version": 2}
    assert sandbox.get("clients", 10)["city"] == "Iași"
    assert erp_api.put("clients/10", json={"city": "Cluj"}).json()["data"]["version"] == 3
    assert erp_api.put("clients/999999", json={"city": "Cluj"}).status_code == 404


def test_duplicate_natural_keys_are_409_with_the_existing_id(erp_api: httpx.Client) -> None:
    dup = erp_api.post("clients", json={"company": "Copie", "customer_number": "C00017"})
    assert dup.status_code == 409
    assert dup.json() == {"error": "Duplicate customer_number", "existing_id": 17}
    moved = erp_api.put("products/2", json={"sku": "SKU-00003"})
    assert moved.json() == {"error": "Duplicate sku", "existing_id": 3}
    assert erp_api.put("products/2", json={"sku": "SKU-00002", "name": "Același"}).status_code == 200


def test_validation_failures_are_422_with_the_fields(erp_api: httpx.Client) -> None:
    missing = erp_api.post("clients", json={"customer_number": "N2"})
    assert missing.status_code == 422
    assert missing.json() == {"error": "Validation failed", "fields": {"company": "required"}}
    bad = erp_api.post("clients", json={"company": "X", "email": "not-an-address", "group_id": "two"})
    assert set(bad.json()["fields"]) == {"email", "group_id"}
    assert erp_api.put("clients/1", json={"company": ""}).status_code == 422


def test_malformed_bodies_are_400(erp_api: httpx.Client) -> None:
    broken = erp_api.post("clients", content=b'{"company": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"].startswith("Malformed JSON")
    assert erp_api.post("clients", json=[{"company": "X"}]).status_code == 400
    assert erp_api.put("clients/1", json={"city": "X"}, headers={"If-Match": "seven"}).status_code == 400


def test_every_write_gets_a_fresh_later_timestamp(sandbox: SandboxServer) -> None:
    stamps = [sandbox.edit("leads", 1, status="contacted")["updated_at"] for _ in range(50)]
    assert stamps == sorted(set(stamps))
    assert sandbox.get("leads", 1)["version"] == 51


def test_data_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "erp.sqlite"
    with SandboxServer(db, seed={"clients": 20, "contacts": 5}) as first:
        made = first.storage.create("clients", {"company": "Rămâne GmbH"})
        count = first.count("clients")
    with SandboxServer(db) as second:  # not seeded again
        assert second.count("clients") == count == 21
        assert second.get("clients", made["id"]) == made
        assert second.edit("clients", made["id"], city="Köln")["updated_at"] > made["updated_at"]
        headers = {"Authorization": f"Bearer {DEMO_AUTH_TOKEN}"}
        reply = httpx.get(f"{second.url}index.php/api/clients/{made['id']}", headers=headers)
        assert reply.json()["data"]["city"] == "Köln"


def test_unicode_round_trips(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    created = erp_api.post("clients", json={"company": UNICODE_NAME, "city": "Iași"}).json()["data"]
    assert erp_api.get(f"clients/{created['id']}").json()["data"]["company"] == UNICODE_NAME
    found = erp_api.get("clients", params={"company": UNICODE_NAME}).json()["data"]
    assert [r["id"] for r in found] == [created["id"]]
    assert sandbox.get("clients", created["id"])["company"] == UNICODE_NAME


# -- faults ----------------------------------------------------------------------------------------

def test_error_rate_one_answers_500(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    sandbox.faults.configure(error_rate=1.0)
    reply = erp_api.get("clients")
    assert reply.status_code == 500 and "error" in reply.json()
    sandbox.faults.clear()
    assert erp_api.get("clients").status_code == 200


def test_rate_limit_every_nth_request_with_retry_after(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    sandbox.faults.configure(rate_limit_every=3, retry_after=7)
    statuses = [erp_api.get("clients", params={"per_page": 1}) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 200, 200, 429]
    assert statuses[2].headers["Retry-After"] == "7"


def test_drop_after_write_applies_the_write_then_drops(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    sandbox.faults.configure(drop_after_write=True)
    with pytest.raises(httpx.TransportError):
        erp_api.post("clients", json={"company": "Fantomă SRL"})
    assert sandbox.records("clients")[-1]["company"] == "Fantomă SRL"
    assert erp_api.get("clients", params={"per_page": 1}).status_code == 200  # reads are not dropped


def test_drop_rate_closes_without_a_reply(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    sandbox.faults.configure(drop_rate=1.0)
    with pytest.raises(httpx.TransportError):
        erp_api.get("clients")


def test_request_counters_by_method_and_entity(sandbox: SandboxServer, erp_api: httpx.Client) -> None:
    erp_api.get("clients")
    erp_api.get("products")
    erp_api.post("leads", json={"name": "Jürgen Weiß"})
    assert sandbox.faults.count() == 3
    assert sandbox.faults.count("GET") == 2
    assert sandbox.faults.count(entity="leads") == sandbox.faults.count("POST", "leads") == 1
    sandbox.faults.reset_counts()
    assert sandbox.faults.count() == 0


# -- seed data and the command line ----------------------------------------------------------------

def test_seed_is_deterministic_and_overlaps_with_the_first_clients(sandbox: SandboxServer) -> None:
    assert seed_data.build() == seed_data.build()
    stored = sandbox.records("clients")[:5]
    plain = [{k: v for k, v in r.items() if k not in ("created_at", "updated_at", "version")} for r in stored]
    overlap = seed_data.overlap_clients(5)
    assert [{**o, "external_id": None, "external_channel": None, "sync_txn": None} for o in overlap] == plain
    text = " ".join(str(r) for r in sandbox.records("clients") + sandbox.records("contacts"))
    assert all(ch in text for ch in ("ș", "ü", "ö")) and re.search(r"[\u0600-\u06FF]", text)
    assert [c["code"] for c in sandbox.records("currencies")] == ["RON", "EUR", "USD", "IRR"]


def test_seed_counts_override_the_defaults(tmp_path: Path) -> None:
    with SandboxServer(seed={"clients": 1234, "contacts": 0}) as server:
        assert server.count("clients") == 1234 and server.count("contacts") == 0
        assert server.count("leads") == seed_data.DEFAULT_COUNTS["leads"]
    with pytest.raises(ValueError, match="spaceships"):
        seed_data.resolve_counts({"spaceships": 1})


def test_runs_from_the_command_line(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "erpsync_gui.sandbox", "--port", "0", "--db", str(tmp_path / "cli.sqlite"),
         "--clients", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 30
            line = ""
            while "http://" not in line and time.monotonic() < deadline:
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    line = proc.stdout.readline()
                    if not line:
                        break
        url = re.search(r"http://\S+/", line)
        assert url, f"no URL announced: {line!r}"
        auth = {"Authorization": f"Bearer {DEMO_AUTH_TOKEN}"}
        reply = httpx.get(f"{url.group(0)}index.php/api/clients", headers=auth)
        assert reply.json()["meta"]["total"] == 10
    finally:
        proc.terminate()
        proc.wait(10)
