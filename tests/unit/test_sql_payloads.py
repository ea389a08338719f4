"""A create batch's payloads become the same column values, extras and errors through the compiled plans as
through `prepare` itself, and each distinct value of a converted column is converted once per batch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from erpsync_gui.connectors import sql_payloads
from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.connectors.sql_payloads import PayloadPlans
from erpsync_gui.connectors.sql_writing import prepare
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Origin, Side
from erpsync_gui.sandbox import demo_crm_schema
from erpsync_gui.sandbox.demo_crm_perfex import seed_reference_rows

BASE = {"company": "Acme", "vat": "RO1", "city": "Iași", "country": "DE", "default_currency": 2}
#: payloads the plans take as they are, and those they leave to `prepare` (or that fail there)
PAYLOADS: list[dict[str, Any]] = [
    BASE,
    {**BASE, "company": None, "vat": "", "country": "de ", "default_currency": "3"},
    {**BASE, "country": None, "default_currency": None},
    {**BASE, "country": "", "default_currency": True},
    {**BASE, "company": 5},  # not text in a text column: stored as text by the column's conversion
    {**BASE, "company": {"a": 1}},  # cannot be stored as text
    {**BASE, "country": "XX"},  # no such country code
    {**BASE, "default_currency": 2.5},  # not a whole number in an integer column
    {**BASE, "default_currency": "two"},
    {**BASE, "customer_group": 3},  # a name the preset's rules write themselves
    {"customer_group": 1},
    {},
    {"company": "Only"},
    {"Company": "case", "company": "both"},  # two names of one column
    {"COUNTRY": "FR", "company": "upper-case name"},
    {**BASE, "nosuchcolumn": 1},  # unknown: ConfigError
    {**BASE, "external_id": "given", "external_channel": "given"},  # the marker stamps over them
    {"datecreated": "2026-03-01T10:00:00Z", "company": "dated"},
    {"datecreated": "not a date", "company": "dated"},
    {"company": "ünïcode 😀", "active": "1"},
]


def demo_crm(folder: Path) -> SqlConnector:
    """A connector on a fresh demo CRM file (Perfex's tables and reference rows, no clients)."""
    engine = create_engine(f"sqlite:///{folder / 'crm.db'}")
    demo_crm_schema.create_schema(engine)
    with engine.begin() as conn:
        seed_reference_rows(conn)
    engine.dispose()
    return SqlConnector(EndpointConfig(Side.CRM, "sql", f"sqlite:///{folder / 'crm.db'}",
                                       options={"preset": "perfex"}), {})


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[SqlConnector]:
    connector = demo_crm(tmp_path)
    yield connector
    connector.close()


def _outcome(make) -> Any:
    try:
        row = make()
    except ERPSyncError as exc:
        return type(exc), exc.message
    return list(row.values.items()), row.extras, row.lines, row.line_extras


@pytest.mark.parametrize("origin", [Origin("erp", "E-1"), Origin("", "E-2"), None])
def test_each_payload_is_prepared_as_prepare_does(crm: SqlConnector, origin: Origin | None) -> None:
    et = crm._resolve("clients")
    shape = crm._shaping(et)
    assert shape.virtual == {"customer_group"}
    plans = PayloadPlans(et, shape, crm.channel, {})
    # twice each: the second time from the plan the first one compiled
    for payload in PAYLOADS + PAYLOADS:
        expected = _outcome(lambda p=payload: prepare(et, p, creating=True, origin=origin, channel=crm.channel,
                                                      shape=shape))
        assert _outcome(lambda p=payload: plans.row(p, origin)) == expected, payload


def test_a_value_repeated_in_a_batch_is_converted_once(crm: SqlConnector, monkeypatch) -> None:
    et = crm._resolve("clients")
    seen: list[Any] = []
    real = sql_payloads.column_value

    def counted(et_, column, value, *args):
        seen.append((column.name, value))
        return real(et_, column, value, *args)

    monkeypatch.setattr(sql_payloads, "column_value", counted)
    plans = PayloadPlans(et, crm._shaping(et), crm.channel, {})
    rows = [plans.row({**BASE, "company": f"C{n}", "country": ("DE", "FR")[n % 2]}, Origin("erp", str(n)))
            for n in range(40)]
    assert sorted(seen) == [("country", "DE"), ("country", "FR"), ("default_currency", 2)]
    assert {r.values["country"] for r in rows} == {rows[0].values["country"], rows[1].values["country"]}
    assert rows[0].values["country"] != rows[1].values["country"]
    assert [r.values["external_id"] for r in rows] == [str(n) for n in range(40)]
    # a new batch converts anew (the lookup table may have changed between runs' batches)
    PayloadPlans(et, crm._shaping(et), crm.channel, {}).row(BASE, None)
    assert len(seen) == 5
