"""Zoho CRM's default mappings: which fields of its modules hold the product's common fields (see
erpsync_gui.mapping.presets). Entities are Zoho's modules (clients are Accounts, orders are Quotes); a
lookup is its `.id` field; Zoho computes the totals of quotes and invoices, which are read but never written.
The account's billing address is the client's address."""

from __future__ import annotations

from erpsync_gui.mapping.presets import Held, KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

_LINES = (("description", text("Description")), ("qty", held("Quantity", "number")),
          ("unit_price", held("List_Price", "number")),
          ("product_id", held("Product_Name.id", "lookup", lookup="products")),
          ("amount", held("Total", "number", target=False)))
_EMAIL = ("strip", "lower")


def _account() -> Held:
    return held("Account_Name.id", "lookup", lookup="clients", required=True)


def presets(endpoint: EndpointConfig) -> KindPresets:
    return KindPresets({
        "clients": entity({
            "company": text("Account_Name", required=True), "customer_number": text("Account_Number"),
            "phone": text("Phone"), "website": text("Website"), "address": text("Billing_Street"),
            "city": text("Billing_City"), "county": text("Billing_State"), "zip": text("Billing_Code"),
            "country": text("Billing_Country"),
        }, keys=("customer_number", "company"), name="Accounts"),
        "contacts": entity({
            "client_id": _account(), "first_name": text("First_Name"), "last_name": text("Last_Name", required=True),
            "email": text("Email", transform=_EMAIL), "phone": text("Phone"), "mobile": text("Mobile"),
            "position": text("Title"),
        }, keys=("email",), name="Contacts"),
        "leads": entity({"name": text("Last_Name", required=True), "company": text("Company"),
                         "email": text("Email", transform=_EMAIL), "phone": text("Phone")},
                        keys=("email",), name="Leads"),
        "products": entity({"name": text("Product_Name", required=True), "code": text("Product_Code"),
                            "description": held("Description"), "unit_price": held("Unit_Price", "number")},
                           keys=("code", "name"), name="Products"),
        "invoices": entity({
            "number": text("Subject", required=True), "client_id": _account(), "date": held("Invoice_Date", "date"),
            "due_date": held("Due_Date", "date"), "total": held("Grand_Total", "number", target=False),
            "lines": held("lines", "lines", lines=_LINES),
        }, keys=("number",), name="Invoices"),
        "orders": entity({
            "number": text("Subject", required=True), "client_id": _account(),
            "total": held("Grand_Total", "number", target=False), "lines": held("lines", "lines", lines=_LINES),
        }, keys=("number",), name="Quotes"),
    })
