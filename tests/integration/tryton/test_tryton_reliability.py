"""The connector fault suite against the live Tryton server: the real engine between Tryton (behind the fault
proxy) and the SQL CRM, two-way, a fifth of the JSON-RPC calls faulted, then settled without faults: no party
is duplicated and none is lost (the suite itself is tests/reliability/connectors.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from erpsync_gui.records import Side
from tests.reliability import sizes
from tests.reliability.connectors import Case, Live, run_case
from tests.tryton_server import DATABASE

pytestmark = [pytest.mark.tryton, pytest.mark.slow]


def test_a_faulty_line_to_tryton_neither_duplicates_nor_loses(tryton, admin, tmp_path) -> None:
    @contextlib.contextmanager
    def live() -> Iterator[Live]:
        yield Live(
            tryton.url, {"database": DATABASE, "cursor_overlap_s": 0}, {"password": tryton.password},
            lambda number, company: admin.create("party.party", {
                "name": company, "code": number, "addresses": [["create", [{"city": "Gent"}]]]}),
            lambda: [p["code"] for p in admin.search_read("party.party", [], ["code"])])

    case = Case("Tryton", "tryton", Side.ERP, "code", "name", "city", live, auth="session", timeout_s=5.0)
    # fewer records than the fakes: every call is a real server's work (a party with its address)
    figures = run_case(case, tmp_path, records=max(10, sizes.connector_records() // 3), rate=sizes.fault_rate(),
                       seed=sizes.seed())
    assert sum(figures["faults"].values()) > 0
    assert figures["duplicates"] == 0
    assert figures["lost"] == 0
    assert figures["last_status"] == "success"
