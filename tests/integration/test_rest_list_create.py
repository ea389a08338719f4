"""List creates of the generic REST dialect, against the sandbox taking JSON lists over HTTP: one POST per list,
each reply item tied back to its record, and no record created twice when a list's outcome is unknown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.errors import ConfigError, DuplicateError, OutcomeUnknownError, PermanentError
from erpsync_gui.records import Direction, Origin, Side
from erpsync_gui.sandbox.api import Reply
from erpsync_gui.sandbox.server import SandboxServer
from tests.sync_harness import CLIENT_FIELDS, Harness

Make = Callable[..., RestErpConnector]


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h", erp_options={"list_create": True, "list_create_max": 40})
    made.sandbox.api.list_create_max = 40
    yield made
    made.close()


def _posts(harness: Harness) -> int:
    return harness.sandbox.faults.count("POST")


def _crm_clients(harness: Harness, count: int, start: int = 0) -> list[str]:
    return [harness.crm_create(customer_number=f"C{n}", company=f"Firma {n}") for n in range(start, start + count)]


def _erp_numbers(harness: Harness) -> list[str]:
    return sorted(row["customer_number"] for row in harness.erp_rows().values())


def test_an_export_sends_one_post_per_list_and_links_each_record_to_its_own_twin(harness):
    crm_ids = _crm_clients(harness, 90)
    result = harness.sync(direction=Direction.EXPORT, batch=50)
    assert result.status == "success" and result.counts["inserted"] == 90
    assert _posts(harness) == 3  # batches of 50 and 40, sent as lists of at most 40: 40 and 10, then 40
    rows = harness.erp_rows()
    assert _erp_numbers(harness) == sorted(f"C{n}" for n in range(90))
    links = {link.crm_id: link.erp_id for link in harness.links() if link.state == "synced"}
    assert set(links) == set(crm_ids)
    for n, crm_id in enumerate(crm_ids):
        twin = rows[links[crm_id]]
        assert twin["customer_number"] == f"C{n}" and twin["external_id"] == crm_id
    # the next run finds everything in step and writes nothing
    again = harness.sync(direction=Direction.EXPORT, batch=50)
    assert again.counts["inserted"] == 0 and _posts(harness) == 3


def test_each_refused_record_of_a_list_gets_its_own_error_and_the_others_are_created(
        sandbox: SandboxServer, make_rest_connector: Make):
    sandbox.api.list_create_max = 10
    held = sandbox.records("clients")[0]
    connector = make_rest_connector(list_create=True)
    assert connector.capabilities("clients").batch
    payloads: list[dict[str, Any]] = [
        {"company": "First", "customer_number": "L1"},
        {"company": "Bad mail", "customer_number": "L2", "email": "not-an-address"},
        {"company": "Twin", "customer_number": held["customer_number"]},
        {"company": "Last", "customer_number": "L4"},
    ]
    origins = [Origin("erpsync", f"s{n}") for n in range(4)]
    before = sandbox.faults.count("POST")
    results = connector.create_many("clients", payloads, origins=origins, txn_id="t1")
    assert sandbox.faults.count("POST") - before == 1
    assert [r.index for r in results] == [0, 1, 2, 3]
    first, bad, twin, last = results
    assert first.record is not None and first.record.data["customer_number"] == "L1"
    assert first.record.data["external_id"] == "s0" and first.record.txn_id == "t1"
    assert last.record is not None and last.record.data["customer_number"] == "L4"
    assert isinstance(bad.error, PermanentError) and not isinstance(bad.error, DuplicateError)
    assert bad.record is None and "email" in str(bad.error) and bad.error.status == 422
    assert isinstance(twin.error, DuplicateError) and twin.error.existing_id == str(held["id"])
    assert "customer_number" in str(twin.error)
    assert sorted(r["customer_number"] for r in sandbox.records("clients") if r["external_id"]) == ["L1", "L4"]


def test_a_record_the_erp_refuses_in_a_list_fails_alone_under_its_own_crm_id(tmp_path):
    fields = (*CLIENT_FIELDS, {"crm": "website", "erp": "email", "type": "text"})
    made = Harness(tmp_path / "mail", fields=fields, erp_options={"list_create": True})
    try:
        made.sandbox.api.list_create_max = 100
        good = [made.crm_create(customer_number=f"G{n}", company=f"Good {n}", website=f"g{n}@example.com")
                for n in range(3)]
        bad = made.crm_create(customer_number="B1", company="Bad", website="www.example.com")
        result = made.sync(direction=Direction.EXPORT, batch=50)
        assert result.counts["inserted"] == 3 and result.counts["failed"] == 1
        assert made.sandbox.faults.count("POST") == 1
        failed = [link for link in made.links() if link.state == "failed"]
        assert [link.crm_id for link in failed] == [bad] and not failed[0].create_unknown
        assert "email" in (failed[0].last_error or "")
        synced = {link.crm_id: link.erp_id for link in made.links() if link.state == "synced"}
        assert sorted(synced) == sorted(good)
        assert {made.erp_rows()[synced[crm]]["customer_number"] for crm in good} == {"G0", "G1", "G2"}
    finally:
        made.close()


def test_a_list_whose_reply_is_lost_is_not_created_again(harness):
    _crm_clients(harness, 30)
    harness.sandbox.faults.configure(drop_after_write=1.0)  # committed, then the connection is cut
    lost = harness.sync(direction=Direction.EXPORT, batch=30)
    assert lost.status != "success" and lost.counts["inserted"] == 0
    assert len(harness.erp_rows()) == 30
    assert all(link.state == "pending" and link.create_unknown for link in harness.links())
    harness.sandbox.faults.clear()
    posts = _posts(harness)
    found = harness.sync(direction=Direction.EXPORT, batch=30)
    assert found.status == "success" and _posts(harness) == posts  # found by the origin marker, not sent again
    assert _erp_numbers(harness) == sorted(f"C{n}" for n in range(30))
    assert len({link.erp_id for link in harness.links() if link.state == "synced"}) == 30


def test_a_record_given_back_without_a_usable_id_is_found_by_its_marker_and_its_neighbours_are_created(harness):
    _crm_clients(harness, 5)
    harness.sandbox.faults.configure(bad_reply_id=1.0)  # the first record of each list comes back with no id
    first = harness.sync(direction=Direction.EXPORT, batch=50)
    assert first.counts["inserted"] == 4 and first.counts["failed"] == 1
    unknown = [link for link in harness.links() if link.state == "pending"]
    assert len(unknown) == 1 and unknown[0].create_unknown
    harness.sandbox.faults.clear()
    second = harness.sync(direction=Direction.EXPORT, batch=50)
    assert second.status == "success" and second.counts["inserted"] == 0
    assert _erp_numbers(harness) == sorted(f"C{n}" for n in range(5))
    assert all(link.state == "synced" for link in harness.links())


def test_a_reply_with_fewer_items_than_records_sent_confirms_none_of_them(harness, monkeypatch):
    real = harness.sandbox.api._create_list

    def short(entity: str, payloads: list[Any]) -> Reply:
        reply = real(entity, payloads)
        return Reply(reply.status, {"data": reply.body["data"][:-1]}, reply.headers)

    monkeypatch.setattr(harness.sandbox.api, "_create_list", short)
    _crm_clients(harness, 3)
    connector = harness.connectors()[Side.ERP]
    results = connector.create_many("clients", [{"company": "A", "customer_number": "A"},
                                                {"company": "B", "customer_number": "B"}])
    assert [type(r.error) for r in results] == [OutcomeUnknownError, OutcomeUnknownError]
    assert "1 items for 2 records" in str(results[0].error)
    first = harness.sync(direction=Direction.EXPORT, batch=50)
    assert first.counts["inserted"] == 0
    monkeypatch.setattr(harness.sandbox.api, "_create_list", real)
    second = harness.sync(direction=Direction.EXPORT, batch=50)
    assert second.status == "success"
    assert _erp_numbers(harness) == ["A", "B", "C0", "C1", "C2"]


def test_a_reply_out_of_order_ties_no_record_to_another_ones_twin(harness, monkeypatch):
    real = harness.sandbox.api._create_list

    def swapped(entity: str, payloads: list[Any]) -> Reply:
        reply = real(entity, payloads)
        return Reply(reply.status, {"data": list(reversed(reply.body["data"]))}, reply.headers)

    monkeypatch.setattr(harness.sandbox.api, "_create_list", swapped)
    _crm_clients(harness, 2)
    harness.sync(direction=Direction.EXPORT, batch=50)
    assert not [link for link in harness.links() if link.state == "synced"]
    monkeypatch.setattr(harness.sandbox.api, "_create_list", real)
    harness.sync(direction=Direction.EXPORT, batch=50)
    rows = harness.erp_rows()
    for link in harness.links():
        assert link.state == "synced" and rows[link.erp_id]["external_id"] == link.crm_id
    assert len(rows) == 2


def test_an_erp_that_takes_no_lists_refuses_them_whole_and_creates_nothing(harness):
    harness.sandbox.api.list_create_max = None
    _crm_clients(harness, 3)
    result = harness.sync(direction=Direction.EXPORT, batch=50)
    assert result.counts["failed"] == 3 and not harness.erp_rows()
    errors = [link.last_error or "" for link in harness.links()]
    assert all("list_create" in e or "as a whole" in e for e in errors)
    assert all(link.state == "failed" and not link.create_unknown for link in harness.links())


def test_without_the_option_each_record_is_its_own_post(sandbox: SandboxServer, make_rest_connector: Make):
    sandbox.api.list_create_max = 10
    connector = make_rest_connector()
    assert not connector.capabilities("clients").batch
    before = sandbox.faults.count("POST")
    results = connector.create_many("clients", [{"company": f"P{n}", "customer_number": f"P{n}"} for n in range(3)])
    assert all(r.record is not None for r in results)
    assert sandbox.faults.count("POST") - before == 3


@pytest.mark.parametrize("size", [0, 1001, "many"])
def test_a_list_size_out_of_bounds_is_a_config_error(make_rest_connector: Make, size: object):
    with pytest.raises(ConfigError, match="list_create_max"):
        make_rest_connector(list_create=True, list_create_max=size)


def test_a_server_failing_midway_through_a_list_leaves_its_records_to_be_found_not_sent_again(harness, monkeypatch):
    real = harness.sandbox.api._create_list

    def failing(entity: str, payloads: list[Any]) -> Reply:
        real(entity, payloads[:2])  # two stored, then the server breaks: a 500
        raise RuntimeError("disk full")

    monkeypatch.setattr(harness.sandbox.api, "_create_list", failing)
    _crm_clients(harness, 4)
    first = harness.sync(direction=Direction.EXPORT, batch=50)
    assert first.counts["inserted"] == 0 and len(harness.erp_rows()) == 2
    assert all(link.state == "pending" and link.create_unknown for link in harness.links())
    monkeypatch.setattr(harness.sandbox.api, "_create_list", real)
    second = harness.sync(direction=Direction.EXPORT, batch=50)
    assert second.status == "success" and second.counts["inserted"] == 2
    assert _erp_numbers(harness) == ["C0", "C1", "C2", "C3"]
