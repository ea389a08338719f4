"""List creates against the sandbox: a run stopped on a later list (sign-in refused, quota spent, circuit open)
keeps the records of the lists the ERP created before, and a reply naming one record for two creates links
neither; nothing is sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from erpsync_gui.records import Direction
from erpsync_gui.sandbox.api import Reply
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h", erp_options={"list_create": True, "list_create_max": 10})
    made.sandbox.api.list_create_max = 10
    yield made
    made.close()


def test_a_sign_in_refused_on_a_later_list_keeps_the_records_of_the_lists_created_before(harness, monkeypatch):
    real = harness.sandbox.api._create_list
    calls: list[int] = []

    def refused_from_the_third(entity: str, payloads: list[Any]) -> Reply:
        calls.append(len(payloads))
        if len(calls) >= 3:
            return Reply(401, {"error": "the token has expired"})
        return real(entity, payloads)

    monkeypatch.setattr(harness.sandbox.api, "_create_list", refused_from_the_third)
    crm_ids = [harness.crm_create(customer_number=f"C{n}", company=f"Firma {n}") for n in range(50)]
    stopped = harness.sync(direction=Direction.EXPORT, batch=50)
    assert stopped.status != "success"
    assert len(harness.erp_rows()) == 20
    # the twenty the ERP created are counted and linked to their own twins, not "not attempted"
    assert stopped.counts["inserted"] == 20
    rows = harness.erp_rows()
    synced = {link.crm_id: link.erp_id for link in harness.links() if link.state == "synced"}
    assert sorted(synced) == sorted(crm_ids[:20])
    assert all(rows[erp_id]["external_id"] == crm_id for crm_id, erp_id in synced.items())
    monkeypatch.setattr(harness.sandbox.api, "_create_list", real)
    again = harness.sync(direction=Direction.EXPORT, batch=50)
    assert again.status == "success" and again.counts["inserted"] == 30
    assert sorted(row["customer_number"] for row in harness.erp_rows().values()) == sorted(f"C{n}" for n in range(50))
    assert all(link.state == "synced" for link in harness.links())


def test_a_reply_naming_one_record_for_two_creates_links_neither_and_the_next_run_finds_both(harness, monkeypatch):
    real = harness.sandbox.api._create_list
    markers = ("external_id", "external_channel")

    def one_twice(entity: str, payloads: list[Any]) -> Reply:
        reply = real(entity, payloads)
        items = [{k: v for k, v in item.items() if k not in markers} for item in reply.body["data"]]
        items[1] = items[0]  # a gateway that answers the first record again in the second's place
        return Reply(reply.status, {"data": items}, reply.headers)

    monkeypatch.setattr(harness.sandbox.api, "_create_list", one_twice)
    first, second, third = (harness.crm_create(customer_number=f"D{n}", company=f"Doppel {n}") for n in range(3))
    result = harness.sync(direction=Direction.EXPORT, batch=50)
    assert "state database" not in (result.message or "")
    assert result.counts["inserted"] == 1 and result.counts["failed"] == 2
    synced = {link.crm_id: link.erp_id for link in harness.links() if link.state == "synced"}
    assert list(synced) == [third]
    unknown = {link.crm_id for link in harness.links() if link.state == "pending" and link.create_unknown}
    assert unknown == {first, second}
    monkeypatch.setattr(harness.sandbox.api, "_create_list", real)
    posts = harness.sandbox.faults.count("POST")
    again = harness.sync(direction=Direction.EXPORT, batch=50)
    assert again.status == "success" and harness.sandbox.faults.count("POST") == posts
    rows = harness.erp_rows()
    assert len(rows) == 3
    for link in harness.links():
        assert link.state == "synced" and rows[link.erp_id]["external_id"] == link.crm_id
