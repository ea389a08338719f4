"""A conflict that waits for a person is settled when one of its two records is deleted: the link is retired
and the conflict closes with it, so later runs are not held at "partial" by a pair that no longer exists
(a history the model-based test found)."""

from __future__ import annotations

import pytest

from erpsync_gui.records import Direction
from tests.sync_harness import Harness


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def test_deleting_one_record_of_a_waiting_conflict_closes_the_conflict(h: Harness) -> None:
    h.crm_create(customer_number="N001", company="Aryan Co", city="Brașov")
    erp_id = h.erp_create(customer_number="N001", company="Nord Impex", city="Cluj")
    first = h.sync(direction=Direction.BOTH, policy="manual")
    assert first.counts["conflicts"] == 1 and len(h.open_conflicts()) == 1

    h.erp_delete(erp_id)
    h.advance(60)
    settled = h.sync(direction=Direction.BOTH, policy="crm_wins", full=True)

    assert settled.status == "success", settled.message
    assert h.open_conflicts() == []
    assert [link.state for link in h.links()] == ["deleted"]
    assert [row["customer_number"] for row in h.crm_rows().values()] == ["N001"]  # the survivor is left as it is
