"""SAP Business One with the smartcrm CRM tables, set up exactly as the connection wizard saves the pair (the two
kinds' presets composed, nothing edited by hand), against the Service Layer fake: documents with lines arrive
after their client and products, each line naming its item and the document its business partner."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from erpsync_gui.connectors.sap_b1 import SapB1Connector
from erpsync_gui.errors import MappingError, PermanentError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.ui.wizard.state import WizardState
from tests.default_mappings_kit import PerfexCrm, Runner, wizard_profile
from tests.fakes.sap_b1 import COMPANY, PASSWORD, USER, SapB1Fake


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[PerfexCrm]:
    made = PerfexCrm(tmp_path)
    yield made
    made.close()


def _endpoint(sap: SapB1Fake) -> EndpointConfig:
    return EndpointConfig(Side.ERP, "sap_b1", sap.url("v2"), auth="session", options={
        "username": USER, "company_db": COMPANY, "timezone": "Europe/Berlin", "trust_cert_sha256": sap.fingerprint})


def _items(sap: SapB1Fake) -> None:
    for code, name in (("A-100", "Espresso beans 1kg"), ("A-200", "Milk frother")):
        sap.add("Items", {"ItemCode": code, "ItemName": name, "ItemsGroupCode": 100})


def _web_order(crm: PerfexCrm, client: int, lines: list[tuple[int, str, int]]) -> None:
    """An order as the Omni Sales module's shop stores it: the cart, and a detail row per product."""
    with crm.db.begin() as conn:
        cart = conn.execute(schema.CART.insert().values(
            id_contact=0, name="Brasserie Nord", address="Veldstraat 1", phone_number="", voucher="",
            order_number="WEB-1", userid=client, total="", sub_total="")).inserted_primary_key[0]
        conn.execute(schema.CART_DETAIL.insert(), [
            {"product_id": product, "quantity": qty, "cart_id": cart, "product_name": name, "prices": 10,
             "sku": "", "prices_discount": 0} for product, name, qty in lines])


def test_smartcrm_and_sap_business_one_sync_an_invoice_with_two_lines(store, crm: PerfexCrm) -> None:
    crm.add_currency()
    north = crm.add_client("Brasserie Nord", customer_number="C-100", city="Gent", vat="BE0123456789")
    with SapB1Fake() as sap:
        _items(sap)
        sap.add("Invoices", {"CardCode": "C-100", "NumAtCard": "SAP-INV-7", "DocDate": "2026-05-04",
                             "DocDueDate": "2026-06-03", "DocTotal": 61.0, "DocumentLines": [
                                 {"ItemCode": "A-100", "ItemDescription": "Espresso beans 1kg", "Quantity": 2,
                                  "UnitPrice": 18.5, "LineTotal": 37.0},
                                 {"ItemCode": "A-200", "ItemDescription": "Milk frother", "Quantity": 1,
                                  "UnitPrice": 24.0, "LineTotal": 24.0}]})
        profile = wizard_profile("sap", crm.endpoint(), _endpoint(sap),
                                 {"clients": None, "products": None, "invoices": None})
        with closing(crm.connector()) as sql, closing(SapB1Connector(profile.erp, {"password": PASSWORD})) as erp:
            runner = Runner(store, profile, sql, erp)
            for entity in ("clients", "products", "invoices"):
                runner.run(entity)
            assert sap.get("BusinessPartners", "C-100")["CardName"] == "Brasserie Nord"
            invoice = next(i for i in crm.rows(schema.INVOICES))
            assert invoice["clientid"] == north
            lines = sorted((r for r in crm.rows(schema.ITEMABLE) if r["rel_id"] == invoice["id"]),
                           key=lambda r: r["item_order"])
            assert [(r["description"], r["qty"], r["rate"]) for r in lines] == [
                ("Espresso beans 1kg", Decimal("2"), Decimal("18.5")), ("Milk frother", Decimal("1"), Decimal("24"))]
            for entity in ("clients", "products", "invoices"):
                runner.settled(entity)


def test_smartcrm_and_sap_business_one_sync_an_order_whose_lines_name_their_products(store, crm: PerfexCrm) -> None:
    crm.add_currency()
    north = crm.add_client("Brasserie Nord", customer_number="C-100", city="Gent")
    with SapB1Fake() as sap:
        _items(sap)
        sap.add("Orders", {"CardCode": "C-100", "NumAtCard": "SAP-ORD-3", "DocDate": "2026-05-04", "DocTotal": 61.0,
                           "DocumentLines": [
                               {"ItemCode": "A-100", "ItemDescription": "Espresso beans 1kg", "Quantity": 2,
                                "UnitPrice": 18.5, "LineTotal": 37.0},
                               {"ItemCode": "A-200", "ItemDescription": "Milk frother", "Quantity": 1,
                                "UnitPrice": 24.0, "LineTotal": 24.0}]})
        # orders both ways: a web shop order made in the CRM goes to SAP too
        profile = wizard_profile("sap", crm.endpoint(), _endpoint(sap), {"clients": None, "products": None,
                                                                          "orders": Direction.BOTH})
        with closing(crm.connector()) as sql, closing(SapB1Connector(profile.erp, {"password": PASSWORD})) as erp:
            runner = Runner(store, profile, sql, erp)
            for entity in ("clients", "products"):
                runner.run(entity)
            products = {r["description"]: r["id"] for r in crm.rows(schema.ITEMS)}
            _web_order(crm, north, [(products["Milk frother"], "Milk frother", 3), (products["Espresso beans 1kg"],
                                                                                    "Espresso beans 1kg", 1)])
            runner.run("orders")
            made = next(o for o in sap.records("Orders") if o["NumAtCard"] == "WEB-1")
            assert made["CardCode"] == "C-100"
            assert [(line["ItemCode"], line["Quantity"]) for line in made["DocumentLines"]] == [("A-200", 3),
                                                                                                ("A-100", 1)]
            order = next(o for o in crm.rows(schema.CART) if o["order_number"] == "SAP-ORD-3")
            assert order["userid"] == north
            lines = sorted((r for r in crm.rows(schema.CART_DETAIL) if r["cart_id"] == order["id"]),
                           key=lambda r: r["id"])
            assert [(r["product_id"], r["sku"], r["product_name"], r["quantity"]) for r in lines] == [
                (products["Espresso beans 1kg"], "A-100", "Espresso beans 1kg", 2.0),
                (products["Milk frother"], "A-200", "Milk frother", 1.0)]
            for entity in ("clients", "products", "orders"):
                runner.settled(entity)


def _sap_invoice(sap: SapB1Fake) -> None:
    sap.add("Invoices", {"CardCode": "C-100", "NumAtCard": "SAP-INV-7", "DocDate": "2026-05-04",
                         "DocDueDate": "2026-06-03", "DocTotal": 37.0, "DocumentLines": [
                             {"ItemCode": "A-100", "ItemDescription": "Espresso beans 1kg", "Quantity": 2,
                              "UnitPrice": 18.5, "LineTotal": 37.0}]})


def test_perfex_invoices_go_to_sap_only_as_service_documents_so_by_default_they_come_from_sap(store, crm: PerfexCrm
                                                                                             ) -> None:
    crm.add_currency()
    north = crm.add_client("Brasserie Nord", customer_number="C-100", city="Gent")
    own = crm.add_invoice(north, [("Barista training", "2", "150"), ("Travel", "1", "40")])
    with SapB1Fake() as sap:
        _items(sap)
        _sap_invoice(sap)
        profile = wizard_profile("sap", crm.endpoint(), _endpoint(sap), {"clients": None, "invoices": Direction.BOTH})
        # Perfex's invoice lines name no item, which every SAP item line needs: the wizard offers, and saves,
        # SAP -> CRM only, and says why and what lifts it
        invoices = next(e for e in profile.entities if e.entity == "invoices")
        assert invoices.direction is Direction.IMPORT
        state = WizardState(name="sap", endpoints={Side.CRM: crm.endpoint(), Side.ERP: _endpoint(sap)})
        reason = state.mappings()["invoices"].reason
        assert "ItemCode" in reason and "service_account" in reason and state.choice_for(
            "invoices").direction is Direction.IMPORT
        with closing(crm.connector()) as sql, closing(SapB1Connector(profile.erp, {"password": PASSWORD})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            done = runner.run("invoices")
            assert done.counts["failed"] == 0, done.counts
            assert [i["NumAtCard"] for i in sap.records("Invoices")] == ["SAP-INV-7"]  # Perfex's stays in Perfex
            assert own and len(crm.rows(schema.INVOICES)) == 2  # SAP's arrived beside it
            runner.settled("invoices")


def test_with_a_service_account_perfex_invoices_go_to_sap_as_service_documents(store, crm: PerfexCrm) -> None:
    crm.add_currency()
    north = crm.add_client("Brasserie Nord", customer_number="C-100", city="Gent")
    own = crm.add_invoice(north, [("Barista training", "2", "150"), ("Travel", "1", "40")])
    with SapB1Fake() as sap:
        _items(sap)
        _sap_invoice(sap)
        endpoint = _endpoint(sap)
        endpoint = dataclasses.replace(endpoint, options={**endpoint.options, "service_account": "_SYS00000000400"})
        profile = wizard_profile("sap", crm.endpoint(), endpoint, {"clients": None, "invoices": None})
        assert next(e for e in profile.entities if e.entity == "invoices").direction is Direction.BOTH
        with closing(crm.connector()) as sql, closing(SapB1Connector(profile.erp, {"password": PASSWORD})) as erp:
            runner = Runner(store, profile, sql, erp)
            runner.run("clients")
            runner.run("invoices")
            made = next(i for i in sap.records("Invoices") if i["NumAtCard"] == own)
            assert (made["DocType"], made["CardCode"], made["DocTotal"]) == ("dDocument_Service", "C-100", 340.0)
            assert [(line["ItemDescription"], line["AccountCode"], line["LineTotal"], line.get("ItemCode"))
                    for line in made["DocumentLines"]] == [("Barista training", "_SYS00000000400", 300.0, None),
                                                           ("Travel", "_SYS00000000400", 40.0, None)]
            # SAP's own item invoice still arrives, its lines as they are
            came = next(i for i in crm.rows(schema.INVOICES) if i["total"] == 37)
            lines = [r for r in crm.rows(schema.ITEMABLE) if r["rel_id"] == came["id"]]
            assert [(r["description"], r["qty"]) for r in lines] == [("Espresso beans 1kg", Decimal("2"))]
            for entity in ("clients", "invoices"):
                runner.settled(entity)


def test_sap_refuses_a_service_line_without_its_account_and_a_document_cannot_mix_items_and_services() -> None:
    with SapB1Fake() as sap:
        sap.add("BusinessPartners", {"CardCode": "C-1", "CardName": "One", "CardType": "cCustomer"})
        _items(sap)
        plain = SapB1Connector(_endpoint(sap), {"password": PASSWORD})
        with closing(plain), pytest.raises(PermanentError, match=r"\[DocumentLines.AccountCode\]\[line: 1\]"):
            plain.create("invoices", {"CardCode": "C-1", "DocType": "dDocument_Service",
                                      "lines": [{"ItemDescription": "Advice", "LineTotal": 10}]})
        endpoint = _endpoint(sap)
        services = SapB1Connector(dataclasses.replace(endpoint, options={**endpoint.options, "service_account": "400"}),
                                  {"password": PASSWORD})
        with closing(services), pytest.raises(MappingError, match="lines 1 name an item"):
            services.create("invoices", {"CardCode": "C-1", "lines": [{"ItemCode": "A-100", "Quantity": 1},
                                                                     {"ItemDescription": "Advice", "Quantity": 1}]})
