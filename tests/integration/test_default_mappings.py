"""Each ERP kind with a Perfex-style CRM, and Zoho CRM with QuickBooks Online, set up exactly as the connection
wizard saves the pair (the two kinds' presets composed, nothing edited by hand), against the systems' fakes:
records made on either side arrive on the other, and a second run writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync_gui.connectors.quickbooks import QuickBooksConnector
from erpsync_gui.connectors.sap_b1 import SapB1Connector
from erpsync_gui.connectors.siagh import SiaghConnector
from erpsync_gui.connectors.tally import TallyConnector
from erpsync_gui.connectors.zoho import ZohoConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.store.models import LinkRow
from tests.default_mappings_kit import PerfexCrm, Runner, wizard_profile, zoho_endpoint
from tests.fakes.quickbooks import QuickBooksFake
from tests.fakes.sap_b1 import COMPANY, PASSWORD, USER, SapB1Fake
from tests.fakes.siagh import SiaghFake
from tests.fakes.tally import TallyFake
from tests.fakes.zoho import ZohoFake

CLIENTS = {"clients": None}


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[PerfexCrm]:
    made = PerfexCrm(tmp_path)
    yield made
    made.close()


def _companies(crm: PerfexCrm) -> set[str]:
    return {r["company"] for r in crm.rows(schema.CLIENTS)}


def _qbo_endpoint(qbo: QuickBooksFake) -> tuple[EndpointConfig, dict[str, str]]:
    qbo.state.refresh_tokens["AB-defaults"] = qbo.state.clock() + 86400
    endpoint = EndpointConfig(Side.ERP, "quickbooks", qbo.url, auth="oauth2", timeout=10, options={
        "client_id": qbo.state.client_id, "token_url": qbo.token_url, "authorize_url": qbo.authorize_url,
        "realm_id": qbo.state.realm_id})
    return endpoint, {"client_secret": qbo.state.client_secret, "refresh_token": "AB-defaults"}


def _link_state(runner: Runner, side: Side, record_id: str) -> str:
    column = LinkRow.crm_id if side is Side.CRM else LinkRow.erp_id
    with runner.engine.store.session() as session:
        return session.scalars(select(LinkRow.state).where(LinkRow.profile_id == runner.profile.id,
                                                           column == record_id)).one()


def test_perfex_and_quickbooks_sync_clients_and_invoices_with_lines(store, crm: PerfexCrm) -> None:
    north = crm.add_client("Brasserie Nord", city="Gent", zip_code="9000", address="Veldstraat 1")
    crm.add_client("Atelier Sud", city="Namur")
    number = crm.add_invoice(north, [("Consulting", "2", "150.00"), ("Travel", "1", "40.50")])
    with QuickBooksFake() as qbo:
        qbo.add("Customer", DisplayName="Made in QuickBooks", BillAddr={"City": "Boise"})
        endpoint, secrets = _qbo_endpoint(qbo)
        profile = wizard_profile("qbo", crm.endpoint(), endpoint, {"clients": None, "invoices": None})
        with closing(crm.connector()) as sql, closing(QuickBooksConnector(profile.erp, secrets)) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            customers = {c["DisplayName"]: c for c in qbo.state.objects["Customer"].values()}
            assert {"Brasserie Nord", "Atelier Sud"} <= set(customers)
            address = customers["Brasserie Nord"]["BillAddr"]
            assert (address["Line1"], address["City"], address["PostalCode"]) == ("Veldstraat 1", "Gent", "9000")
            assert "Made in QuickBooks" in _companies(crm)
            runner.settled("clients")

            runner.run("invoices")
            invoice = next(i for i in qbo.state.objects["Invoice"].values() if i["DocNumber"] == number)
            assert invoice["CustomerRef"]["value"] == customers["Brasserie Nord"]["Id"]
            assert [(line["Description"], line["DetailType"], line["SalesItemLineDetail"]["Qty"])
                    for line in invoice["Line"]] == [("Consulting", "SalesItemLineDetail", 2),
                                                     ("Travel", "SalesItemLineDetail", 1)]
            assert invoice["TotalAmt"] == 340.5
            runner.settled("invoices")


def test_perfex_and_sap_business_one_sync_clients(store, crm: PerfexCrm) -> None:
    crm.add_client("Brasserie Nord", customer_number="C-100", city="Gent", vat="BE0123456789")
    crm.add_client("Atelier Sud", customer_number="C-101", city="Namur")
    with SapB1Fake() as sap:
        sap.add("BusinessPartners", {"CardCode": "C-200", "CardName": "Made in SAP", "CardType": "cCustomer",
                                     "City": "Walldorf"})
        endpoint = EndpointConfig(Side.ERP, "sap_b1", sap.url("v2"), auth="session", options={
            "username": USER, "company_db": COMPANY, "timezone": "Europe/Berlin",
            "trust_cert_sha256": sap.fingerprint})
        profile = wizard_profile("sap", crm.endpoint(), endpoint, CLIENTS)
        with closing(crm.connector()) as sql, closing(SapB1Connector(profile.erp, {"password": PASSWORD})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            partners = {p["CardCode"]: p for p in sap.records("BusinessPartners")}
            assert partners["C-100"]["CardName"] == "Brasserie Nord"
            assert partners["C-100"]["FederalTaxID"] == "BE0123456789"
            assert partners["C-101"]["CardType"] == "cCustomer"
            assert "Made in SAP" in _companies(crm)
            runner.settled("clients")


def test_perfex_and_tally_sync_clients(store, crm: PerfexCrm) -> None:
    crm.add_client("Brasserie Nord", city="Gent", phone="+3291234567")
    with TallyFake() as tally:
        tally.add_master("LEDGER", "Made in Tally", PARENT="Sundry Debtors", EMAIL="tally@example.in")
        endpoint = EndpointConfig(Side.ERP, "tally", tally.url, options={"company": tally.company.name})
        profile = wizard_profile("tally", crm.endpoint(), endpoint, CLIENTS)
        with closing(crm.connector()) as sql, closing(TallyConnector(profile.erp, {})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            ledger = tally.get("LEDGER", "Brasserie Nord")
            assert ledger is not None and ledger["LEDGERPHONE"] == "+3291234567"
            assert "Made in Tally" in _companies(crm)
            runner.settled("clients")


def test_perfex_and_siagh_sync_clients(store, crm: PerfexCrm) -> None:
    crm.add_client("Brasserie Nord", city="Gent", phone="+3291234567", address="Veldstraat 1")
    with SiaghFake() as siagh:
        siagh.add_contact(Name="Made in Siagh", Email="siagh@example.ir")
        endpoint = EndpointConfig(Side.ERP, "siagh", siagh.url, auth="session",
                                  options={"username": siagh.username})
        profile = wizard_profile("siagh", crm.endpoint(), endpoint, CLIENTS)
        with closing(crm.connector()) as sql, closing(SiaghConnector(profile.erp, {"password": "siagh-pass"})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            contacts = {c["Name"]: c for c in siagh.contacts.values()}
            assert contacts["Brasserie Nord"]["TelNo"] == "+3291234567"
            assert contacts["Brasserie Nord"]["Address"] == "Veldstraat 1"
            assert "Made in Siagh" in _companies(crm)
            runner.settled("clients")


def test_zoho_crm_and_quickbooks_sync_clients_products_and_invoices_with_lines(store) -> None:
    with ZohoFake() as zoho, QuickBooksFake() as qbo:
        account = zoho.add("Accounts", Account_Name="Zoho Customer", Billing_City="Chennai")
        item = qbo.add("Item", Name="Consulting hour", Type="Service", UnitPrice=90)
        buyer = qbo.add("Customer", DisplayName="QuickBooks Customer")
        qbo.add("Invoice", DocNumber="QB-1", CustomerRef={"value": buyer}, TxnDate="2026-05-04", Line=[
            {"Description": "Advice", "Amount": 180, "DetailType": "SalesItemLineDetail",
             "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 2, "UnitPrice": 90}}])
        erp_endpoint, erp_secrets = _qbo_endpoint(qbo)
        crm_endpoint, crm_secrets = zoho_endpoint(zoho)
        profile = wizard_profile("zoho-qbo", crm_endpoint, erp_endpoint,
                                 {"clients": None, "products": Direction.IMPORT, "invoices": None})
        with closing(ZohoConnector(profile.crm, crm_secrets)) as crm, \
                closing(QuickBooksConnector(profile.erp, erp_secrets)) as erp:
            runner = Runner(store, profile, crm, erp)
            for entity in ("clients", "products", "invoices"):
                runner.run(entity)
            names = {c["DisplayName"] for c in qbo.state.objects["Customer"].values()}
            assert "Zoho Customer" in names
            assert "QuickBooks Customer" in {a["Account_Name"] for a in zoho.records("Accounts")}
            product = next(p for p in zoho.records("Products") if p["Product_Name"] == "Consulting hour")
            invoice = next(i for i in zoho.records("Invoices") if i["Subject"] == "QB-1")
            assert [(line["Product_Name"]["id"], line["Quantity"], Decimal(str(line["List_Price"])))
                    for line in invoice["Invoiced_Items"]] == [(product["id"], 2, Decimal("90"))]
            assert account  # made in Zoho, now in QuickBooks (above)
            for entity in ("clients", "products", "invoices"):
                runner.settled(entity)

            # deletes as each system reports them (QuickBooks' CDC, Zoho's deleted-records list) retire the pair
            # as the profile's on_delete (ignore, the default) says: the twin stays
            qbo_invoice = next(i["Id"] for i in qbo.state.objects["Invoice"].values() if i["DocNumber"] == "QB-1")
            qbo.remove("Invoice", qbo_invoice)
            zoho.remove("Accounts", account)
            runner.run("invoices")
            runner.run("clients")
            customer = next(c["Id"] for c in qbo.state.objects["Customer"].values()
                            if c["DisplayName"] == "Zoho Customer")
            assert _link_state(runner, Side.CRM, invoice["id"]) == "deleted"  # the pair, found by its survivor
            assert _link_state(runner, Side.ERP, customer) == "deleted"
            assert invoice["id"] in {i["id"] for i in zoho.records("Invoices")}
            assert "Zoho Customer" in {c["DisplayName"] for c in qbo.state.objects["Customer"].values()}


def test_perfex_products_become_quickbooks_items_of_the_endpoint_type_with_its_income_account(
        store, crm: PerfexCrm) -> None:
    with crm.db.begin() as conn:
        conn.execute(schema.ITEMS.insert(), [
            {"description": "Espresso beans 1kg", "long_description": "", "rate": Decimal("18.50"), "unit": ""},
            {"description": "Barista course", "long_description": "", "rate": Decimal("240.00"), "unit": ""}])
    with QuickBooksFake() as qbo:
        endpoint, secrets = _qbo_endpoint(qbo)
        profile = wizard_profile("qbo", crm.endpoint(), endpoint, {"products": Direction.EXPORT})
        with closing(crm.connector()) as sql, closing(QuickBooksConnector(profile.erp, secrets)) as erp:
            runner = Runner(store, profile, sql, erp)
            result = runner.run("products")
            assert result.counts["inserted"] == 2, result.counts
            items = {i["Name"]: i for i in qbo.state.objects["Item"].values()}
            assert set(items) == {"Espresso beans 1kg", "Barista course"}
            income = qbo.account_id("Sales of Product Income")
            assert {(i["Type"], i["IncomeAccountRef"]["value"]) for i in items.values()} == {("NonInventory", income)}
            assert items["Espresso beans 1kg"]["UnitPrice"] == 18.5
            runner.settled("products")
