"""Every named connector against its fake behind the fault proxy: the real engine between it and the SQL CRM,
two-way, a fifth of the requests faulted (the sign-in spared), then settled without faults: no customer is
duplicated in either system and none is lost. The live Tryton server runs the same suite in
tests/integration/tryton/test_tryton_reliability.py.

Size: ERPSYNC_PROOF_CONNECTOR_RECORDS (100; 1,000 with --full), ERPSYNC_PROOF_FAULT_RATE, ERPSYNC_PROOF_SEED."""

from __future__ import annotations

import pytest

from tests.reliability import sizes
from tests.reliability.connector_cases import CASES
from tests.reliability.connectors import Case, run_case


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.kind)
def test_a_faulty_line_to_the_connector_neither_duplicates_nor_loses(case: Case, tmp_path) -> None:
    figures = run_case(case, tmp_path, records=sizes.connector_records(), rate=sizes.fault_rate(), seed=sizes.seed())
    assert sum(figures["faults"].values()) > 0
    assert figures["duplicates"] == 0
    assert figures["lost"] == 0
    assert figures["last_status"] == "success"
