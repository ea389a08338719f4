"""Tally Prime with Zoho CRM, set up exactly as the connection wizard saves the pair (the two kinds' presets
composed, nothing edited by hand), against the two systems' fakes."""

from __future__ import annotations

from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from erpsync_gui.connectors.tally import TallyConnector
from erpsync_gui.connectors.zoho import ZohoConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.store.models import LinkRow
from tests.default_mappings_kit import PerfexCrm, Runner, wizard_profile, zoho_endpoint
from tests.fakes.tally import TallyFake
from tests.fakes.zoho import ZohoFake


def _tally_endpoint(tally: TallyFake) -> EndpointConfig:
    return EndpointConfig(Side.ERP, "tally", tally.url, options={"company": tally.company.name})


def test_zoho_crm_and_tally_sync_clients_both_ways(store) -> None:
    with ZohoFake() as zoho, TallyFake() as tally:
        both = zoho.add("Accounts", Account_Name="Krishna Stores", Billing_Code="600001")
        tally.add_master("LEDGER", "Krishna Stores", PARENT="Sundry Debtors", PINCODE="600001")
        zoho.add("Accounts", Account_Name="Made in Zoho", Phone="+914422334455", Billing_City="Chennai",
                 Billing_Street="12 Anna Salai", Billing_State="Tamil Nadu", Billing_Code="600002",
                 Billing_Country="India")
        tally.add_master("LEDGER", "Made in Tally", PARENT="North Zone Debtors", LEDGERPHONE="+911123456789",
                         ADDRESS=["4 Chandni Chowk", "Delhi"], PINCODE="110006", LEDSTATENAME="Delhi")
        crm_endpoint, crm_secrets = zoho_endpoint(zoho)
        profile = wizard_profile("zoho-tally", crm_endpoint, _tally_endpoint(tally), {"clients": None})
        with closing(ZohoConnector(profile.crm, crm_secrets)) as crm, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, crm, erp)
            first = runner.run("clients")
            accounts = {a["Account_Name"]: a for a in zoho.records("Accounts")}
            ledgers = {ledger["NAME"]: ledger for ledger in tally.masters("LEDGER")}
            # the two records a person made on both sides are one pair, not two copies
            assert sorted(accounts) == ["Krishna Stores", "Made in Tally", "Made in Zoho"]
            assert {"Krishna Stores", "Made in Tally", "Made in Zoho"} <= set(ledgers)
            assert first.counts["inserted"] == 2, first.counts
            made = ledgers["Made in Zoho"]
            assert made["PARENT"] == "Sundry Debtors"
            assert (made["LEDGERPHONE"], made["PINCODE"], made["LEDSTATENAME"], made["COUNTRYNAME"]) == (
                "+914422334455", "600002", "Tamil Nadu", "India")
            assert made["ADDRESS"] == ["12 Anna Salai"]
            came = accounts["Made in Tally"]
            assert (came["Phone"], came["Billing_Code"], came["Billing_State"]) == ("+911123456789", "110006",
                                                                                     "Delhi")
            assert came["Billing_Street"] == "4 Chandni Chowk\nDelhi"
            runner.settled("clients")

            zoho.edit("Accounts", both, Phone="+914400000001")
            tally.edit("LEDGER", "Made in Tally", PINCODE="110007")
            runner.run("clients")
            assert tally.get("LEDGER", "Krishna Stores")["LEDGERPHONE"] == "+914400000001"
            assert zoho.record("Accounts", came["id"])["Billing_Code"] == "110007"
            runner.settled("clients")

            # both sides change one field of one client: the wizard's policy for clients is that the CRM wins
            zoho.edit("Accounts", both, Billing_Code="600010")
            tally.edit("LEDGER", "Krishna Stores", PINCODE="600020")
            runner.run("clients")
            assert tally.get("LEDGER", "Krishna Stores")["PINCODE"] == "600010"
            assert zoho.record("Accounts", both)["Billing_Code"] == "600010"
            runner.settled("clients")


def _stock(tally: TallyFake) -> None:
    tally.add_master("UNIT", "Kgs", ORIGINALNAME="Kilograms", ISSIMPLEUNIT="Yes")
    tally.add_master("STOCKITEM", "Bolt M8", BASEUNITS="Nos")
    tally.add_master("STOCKITEM", "Cement", BASEUNITS="Kgs")


def _sales(tally: TallyFake, number: str, party: str, lines: list[tuple[str, str, str, str]]) -> None:
    """A sales invoice as a person enters it in Tally: each line (item, quantity, rate, amount) credited to Sales,
    the party debited with the total."""
    total = sum(Decimal(a) for *_rest, a in lines)
    tally.add_voucher("Sales", "20260504", number, party, **{
        "ALLINVENTORYENTRIES.LIST": [{"STOCKITEMNAME": item, "ISDEEMEDPOSITIVE": "No", "ACTUALQTY": f" {qty}",
                                      "BILLEDQTY": f" {qty}", "RATE": rate, "AMOUNT": amount}
                                     for item, qty, rate, amount in lines],
        "LEDGERENTRIES.LIST": [{"LEDGERNAME": party, "ISDEEMEDPOSITIVE": "Yes", "ISPARTYLEDGER": "Yes",
                                "AMOUNT": f"-{total:.2f}"}]})


def _sent(tally: TallyFake, number: str) -> dict:
    return next(v for v in tally.vouchers() if v["VOUCHERNUMBER"] == number)


def _tally_lines(voucher: dict) -> list[tuple[str, str, str, str, str]]:
    return [(line["STOCKITEMNAME"], line["ACTUALQTY"], line["BILLEDQTY"], line["RATE"], line["AMOUNT"])
            for line in voucher["ALLINVENTORYENTRIES.LIST"]]


def _window(tally: TallyFake) -> EndpointConfig:
    return EndpointConfig(Side.ERP, "tally", tally.url, options={
        "company": tally.company.name, "from_date": "2026-04-01", "to_date": "2027-03-31", "chunk_days": 366})


def test_zoho_crm_and_tally_sync_invoices_with_two_lines_both_ways(store) -> None:
    with ZohoFake() as zoho, TallyFake() as tally:
        account = zoho.add("Accounts", Account_Name="Krishna Stores")
        tally.add_master("LEDGER", "Krishna Stores", PARENT="Sundry Debtors")
        _stock(tally)
        _sales(tally, "S/1", "Krishna Stores", [("Bolt M8", "10 Nos", "2.50/Nos", "25.00"),
                                                 ("Cement", "2.5 Kgs", "40.00/Kgs", "100.00")])
        crm_endpoint, crm_secrets = zoho_endpoint(zoho)
        profile = wizard_profile("zoho-tally", crm_endpoint, _window(tally),
                                 {"clients": None, "products": None, "invoices": None})
        invoices = next(e for e in profile.entities if e.entity == "invoices")
        assert invoices.direction is Direction.BOTH
        with closing(ZohoConnector(profile.crm, crm_secrets)) as crm, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, crm, erp)
            runner.run("clients")
            runner.run("products")
            products = {p["Product_Name"]: p["id"] for p in zoho.records("Products")}
            assert set(products) == {"Bolt M8", "Cement"}
            zoho.add("Invoices", Subject="ZI-1", Account_Name={"id": account, "name": "Krishna Stores"},
                     Invoice_Date="2026-05-06", Invoiced_Items=[
                         {"Product_Name": {"id": products["Cement"]}, "Quantity": 4, "List_Price": 41.5},
                         {"Product_Name": {"id": products["Bolt M8"]}, "Quantity": 3, "List_Price": 2.5}])
            runner.run("invoices")

            # Zoho's invoice in Tally: the party and items by name, quantities and rates in each item's unit, the
            # lines credited to Sales and the party debited with their total, as Tally's invoice mode books it
            made = _sent(tally, "ZI-1")
            assert (made["PARTYLEDGERNAME"], made["DATE"], made["VOUCHERTYPENAME"]) == ("Krishna Stores", "20260506",
                                                                                        "Sales")
            assert _tally_lines(made) == [("Cement", "4 Kgs", "4 Kgs", "41.50/Kgs", "166.00"),
                                          ("Bolt M8", "3 Nos", "3 Nos", "2.50/Nos", "7.50")]
            assert [a["LEDGERNAME"] for line in made["ALLINVENTORYENTRIES.LIST"]
                    for a in line["ACCOUNTINGALLOCATIONS.LIST"]] == ["Sales", "Sales"]
            assert [(e["LEDGERNAME"], e["AMOUNT"]) for e in made["LEDGERENTRIES.LIST"]] == [("Krishna Stores",
                                                                                           "-173.50")]
            # Tally's invoice in Zoho: the account and products by their links, plain numbers
            came = next(i for i in zoho.records("Invoices") if i["Subject"] == "S/1")
            assert came["Account_Name"]["id"] == account and came["Invoice_Date"] == "2026-05-04"
            assert [(line["Product_Name"]["id"], Decimal(str(line["Quantity"])), Decimal(str(line["List_Price"])),
                     line["Description"]) for line in came["Invoiced_Items"]] == [
                (products["Bolt M8"], Decimal("10"), Decimal("2.50"), "Bolt M8"),
                (products["Cement"], Decimal("2.5"), Decimal("40.00"), "Cement")]
            for entity in ("clients", "products", "invoices"):
                runner.settled(entity)

            # a line edited in Zoho reaches the voucher, which still balances
            zi = next(i for i in zoho.records("Invoices") if i["Subject"] == "ZI-1")
            zoho.edit("Invoices", zi["id"], Invoiced_Items=[zi["Invoiced_Items"][0],
                                                            {**zi["Invoiced_Items"][1], "Quantity": 5}])
            runner.run("invoices")
            altered = _sent(tally, "ZI-1")
            assert _tally_lines(altered) == [("Cement", "4 Kgs", "4 Kgs", "41.50/Kgs", "166.00"),
                                             ("Bolt M8", "5 Nos", "5 Nos", "2.50/Nos", "12.50")]
            assert [e["AMOUNT"] for e in altered["LEDGERENTRIES.LIST"]] == ["-178.50"]
            runner.settled("invoices")


def test_perfex_and_tally_sync_invoices_with_two_lines_both_ways(store, tmp_path: Path) -> None:
    crm = PerfexCrm(tmp_path)
    crm.add_currency("INR", "₹")
    north = crm.add_client("Krishna Stores", city="Chennai")
    # a Perfex invoice names no product: its lines' descriptions are the stock items' names
    own = crm.add_invoice(north, [("Cement", "4", "41.50"), ("Bolt M8", "3", "2.50")])
    with TallyFake() as tally:
        tally.add_master("LEDGER", "Krishna Stores", PARENT="Sundry Debtors")
        _stock(tally)
        _sales(tally, "S/1", "Krishna Stores", [("Bolt M8", "10 Nos", "2.50/Nos", "25.00"),
                                                 ("Cement", "2.5 Kgs", "40.00/Kgs", "100.00")])
        profile = wizard_profile("perfex-tally", crm.endpoint(), _window(tally), {"clients": None, "invoices": None})
        with closing(crm.connector()) as sql, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            runner.run("invoices")
            made = _sent(tally, own)
            assert made["PARTYLEDGERNAME"] == "Krishna Stores" and made["DATE"] == "20260504"
            assert _tally_lines(made) == [("Cement", "4 Kgs", "4 Kgs", "41.50/Kgs", "166.00"),
                                          ("Bolt M8", "3 Nos", "3 Nos", "2.50/Nos", "7.50")]
            assert [e["AMOUNT"] for e in made["LEDGERENTRIES.LIST"]] == ["-173.50"]
            came = next(i for i in crm.rows(schema.INVOICES) if i["clientid"] == north and i["total"] == 125)
            lines = sorted((r for r in crm.rows(schema.ITEMABLE) if r["rel_id"] == came["id"]),
                           key=lambda r: r["item_order"])
            assert [(r["description"], r["qty"], r["rate"]) for r in lines] == [
                ("Bolt M8", Decimal("10"), Decimal("2.5")), ("Cement", Decimal("2.5"), Decimal("40"))]
            for entity in ("clients", "invoices"):
                runner.settled(entity)

            # a line whose description names no stock item is refused by Tally with its own words, on that invoice
            crm.add_invoice(north, [("Consulting", "1", "500")], day=date(2026, 5, 8))
            failed = runner.engine.run("invoices")
            assert failed.counts["failed"] == 1, failed.counts
            with runner.engine.store.session() as session:
                errors = session.scalars(select(LinkRow.last_error).where(LinkRow.profile_id == runner.profile.id,
                                                                         LinkRow.state == "failed")).all()
            assert len(errors) == 1 and "Stock Item 'Consulting' does not exist" in str(errors[0])
    crm.close()


def test_tally_receipts_reach_perfex_as_payments_of_the_invoice_they_settle(store, tmp_path: Path) -> None:
    crm = PerfexCrm(tmp_path)
    crm.add_currency("INR", "₹")
    north = crm.add_client("Krishna Stores", city="Chennai")
    with TallyFake() as tally:
        tally.add_master("LEDGER", "Krishna Stores", PARENT="Sundry Debtors")
        _stock(tally)
        _sales(tally, "S/1", "Krishna Stores", [("Bolt M8", "10 Nos", "2.50/Nos", "25.00"),
                                                 ("Cement", "2.5 Kgs", "40.00/Kgs", "100.00")])
        # a receipt as Tally books it bill-wise: the party credited against the invoice's bill, cash debited
        tally.add_voucher("Receipt", "20260510", "R/1", "Krishna Stores", **{"LEDGERENTRIES.LIST": [
            {"LEDGERNAME": "Krishna Stores", "ISDEEMEDPOSITIVE": "No", "ISPARTYLEDGER": "Yes", "AMOUNT": "100.00",
             "BILLALLOCATIONS.LIST": [{"NAME": "S/1", "BILLTYPE": "Agst Ref", "AMOUNT": "100.00"}]},
            {"LEDGERNAME": "Cash", "ISDEEMEDPOSITIVE": "Yes", "AMOUNT": "-100.00"}]})
        profile = wizard_profile("perfex-tally", crm.endpoint(), _window(tally),
                                 {"clients": None, "invoices": None, "payments": None})
        assert next(e for e in profile.entities if e.entity == "payments").direction is Direction.IMPORT
        with closing(crm.connector()) as sql, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, sql, erp)
            for entity in ("clients", "invoices", "payments"):
                runner.run(entity)
            invoice = next(i for i in crm.rows(schema.INVOICES) if i["clientid"] == north)
            assert [(p["invoiceid"], p["amount"], str(p["date"])[:10]) for p in crm.rows(schema.PAYMENTS)] == [
                (invoice["id"], Decimal("100.00"), "2026-05-10")]
            for entity in ("clients", "invoices", "payments"):
                runner.settled(entity)
    crm.close()


def test_smartcrm_orders_and_tally_sales_orders_name_their_items_by_link(store, tmp_path: Path) -> None:
    crm = PerfexCrm(tmp_path)
    crm.add_currency("INR", "₹")
    north = crm.add_client("Krishna Stores", city="Chennai")
    with TallyFake() as tally:
        tally.add_master("LEDGER", "Krishna Stores", PARENT="Sundry Debtors")
        _stock(tally)
        tally.add_voucher("Sales Order", "20260504", "SO/1", "Krishna Stores", **{"ALLINVENTORYENTRIES.LIST": [
            {"STOCKITEMNAME": "Cement", "ACTUALQTY": " 20 Kgs", "BILLEDQTY": " 20 Kgs", "RATE": "40.00/Kgs",
             "AMOUNT": "800.00"},
            {"STOCKITEMNAME": "Bolt M8", "ACTUALQTY": " 100 Nos", "BILLEDQTY": " 100 Nos", "RATE": "2.50/Nos",
             "AMOUNT": "250.00"}]})
        profile = wizard_profile("perfex-tally", crm.endpoint(), _window(tally),
                                 {"clients": None, "products": None, "orders": Direction.BOTH})
        with closing(crm.connector()) as sql, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            runner.run("products")
            products = {r["description"]: r["id"] for r in crm.rows(schema.ITEMS)}
            with crm.db.begin() as conn:  # a web shop order, as the Omni Sales module stores it
                cart = conn.execute(schema.CART.insert().values(
                    id_contact=0, name="Krishna Stores", address="", phone_number="", voucher="",
                    order_number="WEB-1", userid=north, total="", sub_total="")).inserted_primary_key[0]
                conn.execute(schema.CART_DETAIL.insert(), [
                    {"product_id": products["Bolt M8"], "quantity": 12, "cart_id": cart, "product_name": "Bolt M8",
                     "prices": 2.5, "sku": "", "prices_discount": 0},
                    {"product_id": products["Cement"], "quantity": 5, "cart_id": cart, "product_name": "Cement",
                     "prices": 41, "sku": "", "prices_discount": 0}])
            runner.run("orders")
            made = _sent(tally, "WEB-1")
            assert (made["VOUCHERTYPENAME"], made["PARTYLEDGERNAME"]) == ("Sales Order", "Krishna Stores")
            assert _tally_lines(made) == [("Bolt M8", "12 Nos", "12 Nos", "2.50/Nos", "30.00"),
                                          ("Cement", "5 Kgs", "5 Kgs", "41.00/Kgs", "205.00")]
            order = next(o for o in crm.rows(schema.CART) if o["order_number"] == "SO/1")
            lines = sorted((r for r in crm.rows(schema.CART_DETAIL) if r["cart_id"] == order["id"]),
                           key=lambda r: r["id"])
            assert order["userid"] == north
            assert [(r["product_id"], r["product_name"], r["quantity"]) for r in lines] == [
                (products["Cement"], "Cement", 20.0), (products["Bolt M8"], "Bolt M8", 100.0)]
            for entity in ("clients", "products", "orders"):
                runner.settled(entity)
    crm.close()
