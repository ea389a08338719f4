"""orders on sale.sale and invoices on account.invoice, against a real server: lines, the workflow
Tryton requires, Tryton's refusals, and a refused workflow step leaving nothing behind."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from erpsync_gui.errors import MappingError, PermanentError

pytestmark = pytest.mark.tryton


@pytest.fixture(scope="module")
def customer(admin) -> str:
    return str(admin.create("party.party", {"name": "Buyer", "addresses": [["create", [{"street": "Main 1"}]]]})[0])


@pytest.fixture(scope="module")
def product(admin) -> dict:
    category = admin.search_read("product.category", [("name", "=", "Accounting")], ["id"])[0]["id"]
    template = admin.create("product.template", {
        "name": "Service hour", "type": "service", "default_uom": 1, "sale_uom": 1, "salable": True,
        "list_price": Decimal("80"), "account_category": category, "code": "HOUR", "products": [["create", [{}]]]})[0]
    pid = admin.read("product.template", [template], ["products"])[0]["products"][0]
    return {"id": str(pid), "code": "HOUR"}


def test_an_order_is_quoted_as_a_proforma_by_default(connector, admin, customer, product):
    record = connector.create("orders", {"client_id": customer, "reference": "CRM-1001",
                                         "sale_date": datetime.date(2026, 1, 15),
                                         "lines": [{"product_code": product["code"], "quantity": 2},
                                                   {"product_id": product["id"], "quantity": 1,
                                                    "unit_price": Decimal("99.50"), "description": "Rush"}]})

    assert record.data["state"] == "quotation" and record.data["number"]
    assert record.data["sale_date"] == datetime.date(2026, 1, 15)
    assert record.data["total_amount"] == Decimal("259.50")
    assert [(line["product_code"], line["quantity"], line["unit_price"]) for line in record.data["lines"]] == [
        ("HOUR", 2, Decimal("80")), ("HOUR", 1, Decimal("99.50"))]
    row = admin.read("sale.sale", [int(record.id)], ["state", "invoice_address", "shipment_address"])[0]
    assert row["state"] == "quotation" and row["invoice_address"] and row["shipment_address"]
    assert connector.find_by_keys("orders", "reference", ["CRM-1001"])["CRM-1001"][0].id == record.id


def test_an_order_can_be_confirmed_and_then_tryton_refuses_changes(make_connector, customer, product):
    connector = make_connector(sale_state="confirmed")
    record = connector.create("orders", {"client_id": customer, "lines": [{"product_id": product["id"]}]})
    assert record.data["state"] in ("confirmed", "processing")

    with pytest.raises(PermanentError) as caught:
        connector.update("orders", record.id, {"description": "too late"}, version=record.version)
    assert "You are not allowed to modify" in str(caught.value)
    with pytest.raises(PermanentError) as caught:
        connector.delete("orders", record.id)
    assert "cancel" in str(caught.value)


def test_a_draft_order_gets_new_lines(make_connector, customer, product):
    connector = make_connector(sale_state="draft")
    record = connector.create("orders", {"client_id": customer, "lines": [{"product_id": product["id"]}]})

    updated = connector.update("orders", record.id, {"lines": [{"product_code": "HOUR", "quantity": 5}]},
                               version=record.version)
    assert [(line["quantity"], line["unit_price"]) for line in updated.data["lines"]] == [(5, Decimal("80"))]
    assert updated.data["state"] == "draft"


def test_an_order_edit_of_a_line_brings_the_order_back(connector, admin, customer, product):
    record = connector.create("orders", {"client_id": customer, "lines": [{"product_id": product["id"]}]})
    cursor = list(connector.changes("orders", None, 100))[-1].cursor
    sale = admin.read("sale.sale", [int(record.id)], ["lines"])[0]
    admin.call("sale.sale", "draft", [int(record.id)])
    admin.write("sale.line", sale["lines"], {"quantity": 3})

    changed = {r.id: r for p in connector.changes("orders", cursor, 100) for r in p.records}
    assert changed[record.id].data["lines"][0]["quantity"] == 3


def test_an_order_names_unknown_products_plainly(connector, customer):
    with pytest.raises(MappingError) as caught:
        connector.create("orders", {"client_id": customer, "lines": [{"product_code": "NOPE"}]})
    assert "NOPE" in str(caught.value)


def test_an_invoice_from_the_crm_is_created_and_posted(make_connector, admin, customer, product):
    connector = make_connector(invoice_state="posted")
    record = connector.create("invoices", {"client_id": customer, "reference": "CRM-INV-7",
                                           "invoice_date": datetime.date.today(),
                                           "lines": [{"product_id": product["id"], "quantity": 3}]})

    assert record.data["state"] == "posted" and record.data["number"]
    assert record.data["type"] == "out" and record.data["total_amount"] == Decimal("240")
    found = connector.find_by_keys("invoices", "number", [record.data["number"]])
    assert [r.id for r in found[record.data["number"]]] == [record.id]
    assert admin.read("account.invoice", [int(record.id)], ["move"])[0]["move"]


def test_a_refused_post_leaves_no_draft_behind(make_connector, admin, customer, product):
    connector = make_connector(invoice_state="posted")
    before = admin.call("account.invoice", "search_count", [])

    with pytest.raises(PermanentError):  # no fiscal year covers the date
        connector.create("invoices", {"client_id": customer, "invoice_date": datetime.date(2001, 1, 1),
                                      "lines": [{"product_id": product["id"]}]})
    assert admin.call("account.invoice", "search_count", []) == before


def test_invoices_are_read_with_their_lines(connector, admin, customer, product):
    made = connector.create("invoices", {"client_id": customer, "lines": [{"product_id": product["id"]}]})
    records = {r.id: r for p in connector.changes("invoices", None, 100) for r in p.records}

    invoice = records[made.id]
    assert invoice.data["state"] == "draft" and invoice.data["currency"] == "USD"
    assert invoice.data["lines"][0]["product_code"] == "HOUR"
    assert isinstance(invoice.data["lines"][0]["unit_price"], Decimal)
    assert not connector.capabilities("invoices").archive


@pytest.fixture(scope="module")
def taxed_product(admin) -> str:
    """A product whose accounting category carries a 21 % customer tax."""
    accounts = {a["code"]: a["id"] for a in admin.search_read("account.account", [("code", "in", ["6.3.6"])],
                                                              ["code"])}
    base = admin.search_read("product.category", [("name", "=", "Accounting")],
                             ["account_revenue", "account_expense"])[0]
    tax = admin.create("account.tax", {"name": "VAT 21", "description": "VAT 21", "type": "percentage",
                                       "rate": Decimal("0.21"), "invoice_account": accounts["6.3.6"],
                                       "credit_note_account": accounts["6.3.6"], "company": 1})[0]
    category = admin.create("product.category", {
        "name": "Taxed", "accounting": True, "account_revenue": base["account_revenue"],
        "account_expense": base["account_expense"], "customer_taxes": [["add", [tax]]]})[0]
    template = admin.create("product.template", {
        "name": "Taxed good", "type": "goods", "default_uom": 1, "sale_uom": 1, "salable": True,
        "list_price": Decimal("100"), "account_category": category, "code": "TAXED",
        "products": [["create", [{}]]]})[0]
    return str(admin.read("product.template", [template], ["products"])[0]["products"][0])


def test_lines_get_the_taxes_tryton_chooses(connector, admin, customer, taxed_product):
    order = connector.create("orders", {"client_id": customer, "lines": [{"product_id": taxed_product}]})
    assert (order.data["untaxed_amount"], order.data["tax_amount"], order.data["total_amount"]) == (
        Decimal("100.00"), Decimal("21.00"), Decimal("121.00"))

    invoice = connector.create("invoices", {"client_id": customer,
                                            "lines": [{"product_code": "TAXED", "quantity": 2}]})
    assert (invoice.data["tax_amount"], invoice.data["total_amount"]) == (Decimal("42.00"), Decimal("242.00"))
    line = admin.read("account.invoice", [int(invoice.id)], ["lines"])[0]["lines"][0]
    assert admin.read("account.invoice.line", [line], ["taxes"])[0]["taxes"]


def test_an_invoice_line_without_a_product_takes_the_configured_account(make_connector, admin, customer):
    revenue = admin.search_read("product.category", [("name", "=", "Accounting")], ["account_revenue"])[0]
    config = admin.search_read("account.configuration", [], ["id", "default_category_account_revenue"])[0]
    assert config["default_category_account_revenue"]  # Tryton's chart wizard sets it
    line = {"description": "Consulting", "unit_price": "50", "quantity": 3}

    by_default = make_connector().create("invoices", {"client_id": customer, "lines": [line]})
    account = admin.read("account.invoice.line", [int(by_default.data["lines"][0]["id"])], ["account"])[0]
    assert account["account"] == config["default_category_account_revenue"]

    admin.write("account.configuration", [config["id"]], {"default_category_account_revenue": None})
    try:
        with pytest.raises(MappingError):
            make_connector().create("invoices", {"client_id": customer, "lines": [line]})
        connector = make_connector(revenue_account=revenue["account_revenue"])
        invoice = connector.create("invoices", {"client_id": customer, "lines": [line]})
    finally:
        admin.write("account.configuration", [config["id"]],
                    {"default_category_account_revenue": config["default_category_account_revenue"]})
    assert invoice.data["total_amount"] == Decimal("150")
    assert invoice.data["lines"][0]["description"] == "Consulting"
