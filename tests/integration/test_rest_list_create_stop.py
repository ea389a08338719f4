"""A run stopped by a later list of a batch (sign-in refused, quota spent, circuit open): the records of the
lists the ERP already created are counted and linked, the rest are not created, and nothing is sent twice."""

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
