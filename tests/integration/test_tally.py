"""The Tally connector against the fake TallyPrime XML server (tests/fakes/tally.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from erpsync_gui.config.kinds import kinds
from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.tally import TallyConnector, vouchers
from erpsync_gui.errors import ConfigError, DuplicateError, MappingError, NotFoundError, StaleVersionError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.fakes.tally import CTRL, TallyFake

Make = Callable[..., TallyConnector]


@pytest.fixture
def tally() -> Iterator[TallyFake]:
    with TallyFake() as fake:
        yield fake


@pytest.fixture
def make(tally: TallyFake) -> Iterator[Make]:
    made: list[TallyConnector] = []

    def build(**options: Any) -> TallyConnector:
        opts = {"company": tally.company.name, **options}
        connector = TallyConnector(EndpointConfig(Side.ERP, "tally", tally.url, retries=0, options=opts), {})
        made.append(connector)
        return connector

    yield build
    for connector in made:
        connector.close()


def _all(pages: Iterator[Any]) -> list[Any]:
    return [r for page in pages for r in page.records]


def _debtors(tally: TallyFake, count: int) -> None:
    for n in range(1, count + 1):
        tally.add_master("LEDGER", f"Customer {n}", PARENT="Sundry Debtors", EMAIL=f"c{n}@example.in",
                         PARTYGSTIN=f"27AAAPL{n:04d}C1Z5", OPENINGBALANCE=f"-{n}000.00")


# -- reading ------------------------------------------------------------------------------------------------

def test_first_read_takes_the_debtors_ledgers_in_utf16(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 5)
    tally.add_master("LEDGER", "Zone Buyer & Co <North>", PARENT="North Zone Debtors",
                     ADDRESS=["12 MG Road", "Pune"], LEDSTATENAME="Maharashtra")
    connector = make()
    assert isinstance(connector, Connector)
    pages = list(connector.changes("clients", None, 4))
    records = [r for p in pages for r in p.records]
    assert sorted(r.data["NAME"] for r in records) == [*(f"Customer {n}" for n in range(1, 6)),
                                                      "Zone Buyer & Co <North>"]  # not Sales, not Cash
    assert [len(p.records) for p in pages] == [4, 2] and pages[-1].complete
    first = next(r for r in records if r.data["NAME"] == "Customer 2")
    assert first.data["OPENINGBALANCE"] == Decimal("-2000.00") and first.data["EMAIL"] == "c2@example.in"
    assert first.id == tally.get("LEDGER", "Customer 2")["GUID"]
    assert first.version == str(tally.get("LEDGER", "Customer 2")["ALTERID"])
    zone = next(r for r in records if r.data["NAME"].startswith("Zone"))
    assert zone.data["ADDRESS"] == "12 MG Road\nPune" and zone.data["LEDSTATENAME"] == "Maharashtra"
    assert tally.requests and all(r["utf16"] for r in tally.requests)
    assert "<SVCURRENTCOMPANY>Krishna Traders (from 1-Apr-24)</SVCURRENTCOMPANY>" in tally.requests[0]["body"]


def test_the_utf8_option_sends_utf8(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 2)
    assert len(_all(make(encoding="utf-8").changes("clients", None, 10))) == 2
    assert not any(r["utf16"] for r in tally.requests)


def test_changes_since_the_cursor_are_read_by_alterid(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 6)
    connector = make()
    cursor = list(connector.changes("clients", None, 10))[-1].cursor
    assert cursor == str(max(o["ALTERID"] for o in tally.masters("LEDGER")))
    assert _all(connector.changes("clients", cursor, 10)) == []
    tally.edit("LEDGER", "Customer 3", EMAIL="new@example.in")  # a person edits in Tally
    again = list(connector.changes("clients", cursor, 10))
    assert [r.data["NAME"] for r in again[0].records] == ["Customer 3"]
    assert int(again[-1].cursor) > int(cursor)
    assert "$AlterID &gt; " + cursor in tally.requests[-1]["body"]


def test_natural_key_lookups(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 8)
    tally.add_master("LEDGER", 'The "Quoted" Shop', PARENT="Sundry Debtors")
    connector = make(lookup_chunk=3)
    found = connector.find_by_keys("clients", "NAME", ["customer 2", "Customer 7", "Nobody", "CUSTOMER 5"])
    assert {k: [r.data["NAME"] for r in v] for k, v in found.items()} == {
        "customer 2": ["Customer 2"], "Customer 7": ["Customer 7"], "CUSTOMER 5": ["Customer 5"]}
    quoted = connector.find_by_keys("clients", "NAME", ['The "Quoted" Shop'])  # no TDL literal for it
    assert [r.data["NAME"] for r in quoted['The "Quoted" Shop']] == ['The "Quoted" Shop']
    guid = tally.get("LEDGER", "Customer 4")["GUID"]
    assert list(connector.get_many("clients", [guid, "no-such-guid"])) == [guid]
    by_gstin = connector.find_by_keys("clients", "PARTYGSTIN", ["27AAAPL0006C1Z5"])
    assert by_gstin["27AAAPL0006C1Z5"][0].data["NAME"] == "Customer 6"


def test_tallys_xml_quirks_are_read(tally: TallyFake, make: Make) -> None:
    tally.add_master("STOCKGROUP", "Hardware", PARENT=CTRL + " Primary")
    tally.add_master("LEDGER", "Debtor Dr", PARENT="Sundry Debtors", OPENINGBALANCE="-1500.00")
    tally.add_master("LEDGER", "Debtor Cr", PARENT="Sundry Debtors", OPENINGBALANCE="250.00")
    tally.dr_cr_amounts = True
    tally.declaration = True  # a UTF-8 declaration on a UTF-16 body
    connector = make()
    group = _all(connector.changes("product_groups", None, 10))[0]
    assert group.data["PARENT"] == "Primary"  # the &#4; before it is gone
    balances = {r.data["NAME"]: r.data["OPENINGBALANCE"] for r in _all(connector.changes("clients", None, 10))}
    assert balances == {"Debtor Dr": Decimal("-1500.00"), "Debtor Cr": Decimal("250.00")}


# -- company ------------------------------------------------------------------------------------------------

def test_a_closed_company_is_a_config_error_naming_it(tally: TallyFake, make: Make) -> None:
    connector = make()
    tally.close_company()
    with pytest.raises(ConfigError, match=r"Krishna Traders \(from 1-Apr-24\).*Could not set 'SVCurrentCompany'"):
        list(connector.changes("clients", None, 10))
    with pytest.raises(ConfigError, match="Could not set"):
        connector.create("clients", {"NAME": "X"})
    result = connector.check()
    assert not result.ok and "Krishna Traders" in result.message
    wrong = make(company="No Such Company").check()
    assert not wrong.ok and "No Such Company" in wrong.message


def test_check_names_the_open_company(tally: TallyFake, make: Make) -> None:
    result = make().check()
    assert result.ok and result.server == "TallyPrime, company Krishna Traders (from 1-Apr-24)"
    assert result.server_time is not None


# -- writing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("root", ["envelope", "response"])
def test_line_errors_go_to_the_right_records(tally: TallyFake, make: Make, root: str) -> None:
    tally.reply_root = root
    tally.reject("LEDGER", "EMAIL", "bad@example.in", "Invalid E-Mail 'bad@example.in'")
    tally.add_master("LEDGER", "Already Here", PARENT="Sundry Debtors")
    connector = make(batch_size=10)
    payloads = [{"NAME": "Good A", "EMAIL": "a@example.in"},
                {"NAME": "Wrong Parent", "PARENT": "Sundry Debtorss"},
                {"NAME": "Good B & Sons"},
                {"NAME": "Bad Mail", "EMAIL": "bad@example.in"},
                {"NAME": "already here"},
                {"NAME": "Good C", "OPENINGBALANCE": Decimal("-99.50")}]
    results = connector.create_many("clients", payloads)
    assert [r.index for r in results] == list(range(6))
    assert [r.record.data["NAME"] if r.record else None for r in results] == [
        "Good A", None, "Good B & Sons", None, None, "Good C"]
    assert "Parent group 'Sundry Debtorss' does not exist" in str(results[1].error)
    assert "Invalid E-Mail 'bad@example.in'" in str(results[3].error)
    assert isinstance(results[4].error, DuplicateError)
    assert results[4].error.existing_id == tally.get("LEDGER", "Already Here")["GUID"]
    assert tally.get("LEDGER", "Good C")["OPENINGBALANCE"] == "-99.50"
    assert tally.get("LEDGER", "Good A")["PARENT"] == "Sundry Debtors"
    imports = [r for r in tally.requests if r["kind"] == "import data"]
    assert len(imports) == 1 and 'ACTION="Create"' in imports[0]["body"]


def test_edits_go_both_ways(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 3)
    connector = make()
    record = next(r for r in _all(connector.changes("clients", None, 10)) if r.data["NAME"] == "Customer 2")
    updated = connector.update("clients", record.id, {"EMAIL": "changed@example.in", "LEDGERPHONE": "+91 20 5550"},
                               version=record.version)
    assert tally.get("LEDGER", "Customer 2")["EMAIL"] == "changed@example.in"
    assert int(updated.version) > int(record.version) and updated.data["LEDGERPHONE"] == "+91 20 5550"
    assert 'ACTION="Alter"' in tally.requests[-2]["body"]
    tally.edit("LEDGER", "Customer 2", EMAIL="person@example.in")  # a person edits it in Tally meanwhile
    with pytest.raises(StaleVersionError):
        connector.update("clients", record.id, {"EMAIL": "late@example.in"}, version=updated.version)
    assert tally.get("LEDGER", "Customer 2")["EMAIL"] == "person@example.in"
    renamed = connector.update("clients", record.id, {"NAME": "Customer Two"})
    assert renamed.id == record.id and tally.get("LEDGER", "Customer Two") is not None
    with pytest.raises(NotFoundError):
        connector.update("clients", "no-such-guid", {"EMAIL": "x@y.in"})


def test_vouchers_are_read_by_date_range_and_created_with_lines(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 1)
    tally.add_master("STOCKITEM", "Bolt M8", BASEUNITS="Nos")
    tally.add_voucher("Sales", "20260105", "S/1", "Customer 1", NARRATION="first", **{
        "ALLINVENTORYENTRIES.LIST": [{"STOCKITEMNAME": "Bolt M8", "ACTUALQTY": "10 Nos", "RATE": "2.50/Nos",
                                      "AMOUNT": "25.00"}],
        "LEDGERENTRIES.LIST": [{"LEDGERNAME": "Customer 1", "AMOUNT": "-25.00", "ISDEEMEDPOSITIVE": "Yes"}]})
    tally.add_voucher("Sales", "20260220", "S/2", "Customer 1")
    tally.add_voucher("Receipt", "20260221", "R/1", "Customer 1")
    connector = make(from_date="2026-01-01", to_date="2026-03-31", chunk_days=20)
    invoices = _all(connector.changes("invoices", None, 10))
    assert sorted(r.data["VOUCHERNUMBER"] for r in invoices) == ["S/1", "S/2"]
    exports = [r for r in tally.requests if r["kind"] == "export"]
    assert len(exports) == 5 + 2 and "<SVFROMDATE>1-Jan-2026</SVFROMDATE>" in exports[0]["body"]
    # the party ledger and the stock item the vouchers name are read once, after the vouchers
    assert ['$NAME = "Customer 1"' in exports[5]["body"], '$NAME = "Bolt M8"' in exports[6]["body"]] == [True, True]
    first = next(r for r in invoices if r.data["VOUCHERNUMBER"] == "S/1")
    assert first.data["DATE"] == "2026-01-05" and first.data["lines"][0]["AMOUNT"] == Decimal("25.00")
    assert first.data["ledger_entries"][0]["AMOUNT"] == Decimal("-25.00")
    assert [r.data["VOUCHERNUMBER"] for r in _all(connector.changes("payments", None, 10))] == ["R/1"]
    made = connector.create("invoices", {"DATE": "2026-03-10", "VOUCHERNUMBER": "S/3", "PARTYLEDGERNAME": "Customer 1",
                                         "lines": [{"STOCKITEMNAME": "Bolt M8", "ACTUALQTY": "4 Nos",
                                                    "AMOUNT": Decimal("10.00")}]})
    assert made.data["VOUCHERNUMBER"] == "S/3" and made.data["lines"][0]["STOCKITEMNAME"] == "Bolt M8"
    altered = connector.update("invoices", made.id, {"NARRATION": "corrected"}, version=made.version)
    assert altered.data["NARRATION"] == "corrected" and int(altered.version) > int(made.version)
    assert next(v for v in tally.vouchers() if v["GUID"] == made.id)["NARRATION"] == "corrected"
    results = connector.create_many("invoices", [
        {"DATE": "2026-03-11", "VOUCHERNUMBER": "S/4", "PARTYLEDGERNAME": "Nobody Ltd"},
        {"DATE": "2026-03-12", "VOUCHERNUMBER": "S/5", "PARTYLEDGERNAME": "Customer 1"}])
    assert 'Ledger "Nobody Ltd" is not defined' in str(results[0].error) and results[1].record is not None


def test_options_problems_are_listed_with_their_paths(tally: TallyFake) -> None:
    endpoint = EndpointConfig(Side.ERP, "tally", tally.url, options={
        "encoding": "latin-1", "chunk_days": 0, "sales_type": 'Sa"les'})
    with pytest.raises(ConfigError) as caught:
        TallyConnector(endpoint, {})
    for path in ("encoding", "chunk_days", "sales_type"):
        assert f"{path}:" in caught.value.message
    with pytest.raises(ConfigError, match="from_date"):
        TallyConnector(EndpointConfig(Side.ERP, "tally", tally.url, options={
            "from_date": date(2026, 5, 1).isoformat(), "to_date": "2026-04-01"}), {})


def test_the_kind_is_registered() -> None:
    assert "tally" in kinds()


def test_ten_thousand_records_through_the_fake(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 10_000)
    records = _all(make().changes("clients", None, 500))
    assert len(records) == 10_000 and len({r.id for r in records}) == 10_000


def test_voucher_parties_and_items_are_named_by_id_and_quantities_carry_the_items_unit(tally: TallyFake,
                                                                                      make: Make) -> None:
    _debtors(tally, 1)
    tally.add_master("UNIT", "Kgs", ISSIMPLEUNIT="Yes")
    tally.add_master("STOCKITEM", "Cement", BASEUNITS="Kgs")
    connector = make(from_date="2026-01-01", to_date="2026-12-31", chunk_days=366)
    party = connector.find_by_keys("clients", "NAME", ["Customer 1"])["Customer 1"][0]
    item = connector.find_by_keys("products", "NAME", ["Cement"])["Cement"][0]
    made = connector.create("invoices", {"DATE": "2026-03-10", "VOUCHERNUMBER": "S/9", "party_id": party.id,
                                         "lines": [{"item_id": item.id, "quantity": Decimal("2.5"),
                                                    "unit_rate": Decimal("40")}]})
    assert (made.data["PARTYLEDGERNAME"], made.data["party_id"], made.data["total"]) == ("Customer 1", party.id,
                                                                                         Decimal("100.00"))
    line = made.data["lines"][0]
    assert (line["ACTUALQTY"], line["RATE"], line["item_id"], line["quantity"], line["unit"], line["unit_rate"]) == (
        "2.5 Kgs", "40.00/Kgs", item.id, Decimal("2.5"), "Kgs", Decimal("40.00"))
    with pytest.raises(MappingError, match="not in Tally"):
        connector.create("invoices", {"DATE": "2026-03-10", "party_id": "no-such-guid", "lines": []})
    # the fake refuses what Tally refuses: a quantity in another unit than the item's, an unbalanced voucher
    wrong_unit = connector.create_many("invoices", [{"DATE": "2026-03-11", "PARTYLEDGERNAME": "Customer 1", "lines": [
        {"STOCKITEMNAME": "Cement", "ACTUALQTY": "2 Nos", "AMOUNT": Decimal("80")}]}])[0]
    assert "Unit 'Nos' does not exist for Stock Item 'Cement'" in str(wrong_unit.error)
    unbalanced = connector.create_many("invoices", [{"DATE": "2026-03-11", "PARTYLEDGERNAME": "Customer 1",
                                                     "lines": [{"STOCKITEMNAME": "Cement", "AMOUNT": Decimal("80")}],
                                                     "ledger_entries": [{"LEDGERNAME": "Customer 1",
                                                                         "AMOUNT": Decimal("-70")}]}])[0]
    assert "Voucher totals do not match!" in str(unbalanced.error)


@pytest.mark.parametrize(("text", "number", "unit"), [
    ("2 Nos", "2", "Nos"), (" 2.5 Kgs", "2.5", "Kgs"), ("1,200 Nos", "1200", "Nos"), ("3", "3", None),
    ("", None, None), ("Nos", None, None)])
def test_tally_quantities_are_read_as_a_number_and_a_unit(text: str, number: str | None, unit: str | None) -> None:
    assert vouchers.quantity(text) == (Decimal(number) if number else None, unit)


def test_tally_rates_and_quantities_are_written_in_the_unit() -> None:
    assert vouchers.rate("100.00/Nos") == Decimal("100.00") and vouchers.rate("2.5") == Decimal("2.5")
    assert vouchers.format_rate(Decimal("41.5"), "Kgs") == "41.50/Kgs"
    assert vouchers.format_rate(Decimal("0.125"), "Nos") == "0.125/Nos"
    assert vouchers.format_quantity(Decimal("4.000"), "Kgs") == "4 Kgs"
    assert vouchers.format_quantity(Decimal("10"), None) == "10"


def test_a_voucher_given_another_party_alone_moves_the_partys_ledger_entry_too(tally: TallyFake, make: Make) -> None:
    _debtors(tally, 2)
    tally.add_master("STOCKITEM", "Bolt M8", BASEUNITS="Nos")
    connector = make(from_date="2026-01-01", to_date="2026-12-31", chunk_days=366)
    parties = {r.data["NAME"]: r.id for rs in connector.find_by_keys(
        "clients", "NAME", ["Customer 1", "Customer 2"]).values() for r in rs}
    made = connector.create("invoices", {
        "DATE": "2026-03-10", "VOUCHERNUMBER": "S/7", "party_id": parties["Customer 1"],
        "lines": [{"STOCKITEMNAME": "Bolt M8", "quantity": 4, "unit_rate": 2}]})
    moved = connector.update("invoices", made.id, {"party_id": parties["Customer 2"]}, version=made.version)
    assert (moved.data["PARTYLEDGERNAME"], moved.data["party_id"], moved.data["total"]) == (
        "Customer 2", parties["Customer 2"], Decimal("8.00"))
    stored = next(v for v in tally.vouchers() if v["GUID"] == made.id)
    assert [(e["LEDGERNAME"], e["AMOUNT"]) for e in stored["LEDGERENTRIES.LIST"]] == [("Customer 2", "-8.00")]
