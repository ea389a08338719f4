"""Checksums are stable, and what we write reads back to the same canonical values (round trip)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from erpsync_gui.mapping import EntityMapping, json_safe, parse_fields
from erpsync_gui.records import Side

ROWS = [
    {"crm": "company", "erp": "name"},
    {"crm": "total", "erp": "amount", "type": "number"},
    {"crm": "date", "erp": "issued", "type": "date"},
    {"crm": "active", "erp": "enabled", "type": "boolean"},
]


def mapping() -> EntityMapping:
    return EntityMapping("clients", parse_fields(ROWS), None)


def test_checksum_ignores_key_order_and_spelling_of_equal_values():
    m = mapping()
    a = {"company": "Acme", "total": "12.50", "date": "01.02.2024", "active": "yes"}
    b = {"active": True, "date": "2024-02-01", "total": 12.5, "company": "Acme", "unmapped": "ignored"}
    assert m.checksum(Side.CRM, a) == m.checksum(Side.CRM, b)
    assert len(m.checksum(Side.CRM, a)) == 64


def test_empty_text_and_none_and_absence_give_one_checksum():
    m = mapping()
    assert (
        m.checksum(Side.CRM, {"company": ""})
        == m.checksum(Side.CRM, {"company": None})
        == m.checksum(Side.CRM, {})
    )


def test_a_changed_value_changes_the_checksum():
    m = mapping()
    assert m.checksum(Side.CRM, {"total": "12.50"}) != m.checksum(Side.CRM, {"total": "12.51"})
    assert m.checksum(Side.CRM, {"company": "Acme"}) != m.checksum(Side.CRM, {"company": "Acme "})


def test_checksum_is_the_same_in_another_process():
    data = {"company": "Ștefan & Co", "total": "12.50", "date": "2024-02-01", "active": 1}
    code = (
        "import json, sys\n"
        "from erpsync_gui.mapping import EntityMapping, parse_fields\n"
        "from erpsync_gui.records import Side\n"
        "rows, data = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n"
        "print(EntityMapping('clients', parse_fields(rows), None).checksum(Side.CRM, data))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(ROWS), json.dumps(data)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    assert out.stdout.strip() == mapping().checksum(Side.CRM, data)


# -- round trip: canonical(erp, map_record(crm_data, to=ERP)) == the CRM's canonical value --------------

numbers = st.one_of(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
)
number_inputs = st.one_of(numbers, numbers.map(str), st.just(None), st.just(""))
text_inputs = st.one_of(st.text(max_size=40), st.none(), st.integers())
dates = st.dates()
date_inputs = st.one_of(
    dates,
    dates.map(lambda d: d.isoformat()),
    dates.map(lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}"),
    dates.map(lambda d: f"{d.day}/{d.month}/{d.year:04d}"),
    st.datetimes(),
    st.none(),
)
datetime_inputs = st.one_of(
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))])),
    st.datetimes().map(lambda d: d.isoformat()),
    st.none(),
)


def round_trip(type_: str, value) -> None:
    m = EntityMapping("x", parse_fields([{"crm": "c", "erp": "e", "type": type_}]), None)
    payload = m.map_record({"c": value}, to=Side.ERP)
    expected = m.canonical(Side.CRM, {"c": value})["c"]
    assert m.canonical(Side.ERP, payload)["e"] == expected
    # what a JSON system stores and returns reads back to the same checksum
    read_back = json.loads(json.dumps(json_safe(payload)))
    assert m.checksum(Side.ERP, read_back) == m.checksum(Side.ERP, payload)
    # and importing it again gives the CRM's canonical value
    assert m.canonical(Side.CRM, m.map_record(read_back, to=Side.CRM))["c"] == expected


@settings(max_examples=150, deadline=None)
@given(text_inputs)
def test_text_round_trip(value):
    round_trip("text", value)


@settings(max_examples=150, deadline=None)
@given(number_inputs)
def test_number_round_trip(value):
    round_trip("number", value)


@settings(max_examples=150, deadline=None)
@given(date_inputs)
def test_date_round_trip(value):
    round_trip("date", value)


@settings(max_examples=100, deadline=None)
@given(datetime_inputs)
def test_datetime_round_trip(value):
    round_trip("datetime", value)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["company", "total", "date", "active", "other"]),
        st.one_of(st.none(), st.text(max_size=5), st.integers(), st.booleans()),
    )
)
def test_checksum_of_any_record_is_stable_under_key_order(data):
    m = mapping()
    assert m.checksum(Side.CRM, data) == m.checksum(Side.CRM, dict(reversed(list(data.items()))))
