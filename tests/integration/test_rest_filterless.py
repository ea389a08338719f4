"""An ERP that ignores lookup filters: noticed from the rows it returns, said once in the log, and answered
from one read of its list instead of one read of the whole list per batch; the results stay right."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from erpsync_gui.errors import OutcomeUnknownError
from erpsync_gui.records import Direction, Origin, Side
from tests.sync_harness import Harness


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    made = Harness(tmp_path / "h")
    yield made
    made.close()


def _gets(harness: Harness) -> int:
    return harness.sandbox.faults.count("GET")


def test_an_export_into_an_erp_that_ignores_filters_reads_its_list_once_and_creates_no_duplicate(harness, caplog):
    for n in range(300):
        harness.erp_create(customer_number=f"E{n}", company=f"Older {n}")
    twin = harness.erp_create(customer_number="C7", company="Already there")
    for n in range(40):
        harness.crm_create(customer_number=f"C{n}", company="Already there" if n == 7 else f"Firma {n}")
    harness.sandbox.api.ignore_filters = True
    before = _gets(harness)
    with caplog.at_level(logging.WARNING, logger="erpsync"):
        result = harness.sync(direction=Direction.EXPORT, policy="crm_wins", batch=10)
    assert result.status == "success"
    assert result.counts["inserted"] == 39 and result.counts["linked"] == 1  # C7 matched by its number
    linked = [link for link in harness.links() if link.erp_id == twin]
    assert len(linked) == 1
    numbers = [row["customer_number"] for row in harness.erp_rows().values()]
    assert len(numbers) == len(set(numbers)) == 340
    # four batches: without the index each would page through 300+ records per lookup
    assert _gets(harness) - before < 40
    warnings = [r.getMessage() for r in caplog.records if "ignores" in r.getMessage()]
    assert len(warnings) == 1 and "of clients" in warnings[0]


def test_lookups_of_a_filtering_erp_read_no_whole_list(harness, caplog):
    for n in range(300):
        harness.erp_create(customer_number=f"E{n}", company=f"Older {n}")
    connector = harness.connectors()[Side.ERP]
    before = _gets(harness)
    with caplog.at_level(logging.WARNING, logger="erpsync"):
        found = connector.find_by_keys("clients", "customer_number", ["E5", "E77", "nope"])
    assert sorted(found) == ["E5", "E77"]
    assert _gets(harness) - before == 1
    assert not [r for r in caplog.records if "ignores" in r.getMessage()]


def test_a_record_created_after_the_list_was_read_is_found_by_the_next_lookup(harness):
    for n in range(5):
        harness.erp_create(customer_number=f"E{n}", company=f"Older {n}")
    harness.sandbox.api.ignore_filters = True
    connector = harness.connectors()[Side.ERP]
    assert sorted(connector.find_by_keys("clients", "customer_number", ["E1", "X1"])) == ["E1"]
    made = connector.create("clients", {"customer_number": "X1", "company": "New"})
    before = _gets(harness)
    found = connector.find_by_keys("clients", "customer_number", ["X1"])
    assert [r.id for r in found["X1"]] == [made.id] and _gets(harness) == before
    assert set(connector.get_many("clients", [made.id, "999999"])) == {made.id}


def test_a_create_whose_outcome_is_unknown_is_found_by_the_next_lookup(harness):
    for n in range(5):
        harness.erp_create(customer_number=f"E{n}", company=f"Older {n}")
    harness.sandbox.api.ignore_filters = True
    connector = harness.connectors()[Side.ERP]
    assert sorted(connector.find_by_keys("clients", "customer_number", ["E1"])) == ["E1"]  # the list is copied
    harness.sandbox.faults.configure(drop_after_write=1.0)
    with pytest.raises(OutcomeUnknownError):
        connector.create("clients", {"customer_number": "X1", "company": "New"}, origin=Origin("erpsync", "77"))
    harness.sandbox.faults.clear()
    found = connector.find_by_origin("clients", "erpsync", ["77"])
    assert found["77"].data["customer_number"] == "X1"


def test_the_warning_says_what_it_means_and_what_to_do(harness, caplog):
    harness.erp_create(customer_number="E1", company="Older")
    harness.sandbox.api.ignore_filters = True
    connector = harness.connectors()[Side.ERP]
    with caplog.at_level(logging.WARNING, logger="erpsync"):
        connector.find_by_origin("clients", "erpsync", ["1", "2"])
        connector.find_by_keys("clients", "customer_number", ["E1"])
    [warning] = [r.getMessage() for r in caplog.records if "ignores" in r.getMessage()]
    assert "'external_id' filter of clients" in warning and "matched right" in warning
    assert "whole list" in warning and "vendor" in warning


def test_a_batch_of_two_hundred_is_looked_up_in_one_request_each_way(harness):
    for n in range(300):
        harness.erp_create(customer_number=f"E{n}", company=f"Older {n}")
    connector = harness.connectors()[Side.ERP]
    before = _gets(harness)
    found = connector.find_by_keys("clients", "customer_number", [f"E{n}" for n in range(200)])
    assert len(found) == 200 and _gets(harness) - before == 1
    assert connector.find_by_origin("clients", "erpsync", [str(n) for n in range(200)]) == {}
    assert _gets(harness) - before == 2
