"""Tryton's default mappings: which fields of its records hold the product's common fields (see
erpsync_gui.mapping.presets). A party's code is the customer number; a document's `reference` holds the
other system's number (Tryton numbers its own invoices and sales when they are validated, and that number is
read only); totals and states are Tryton's own, read but never written."""

from __future__ import annotations

from erpsync_gui.mapping.presets import Held, KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

#: account.invoice states in the common words
INVOICE_STATES = {"draft": "draft", "validated": "unpaid", "posted": "unpaid", "paid": "paid",
                  "cancelled": "cancelled"}
_LINES = (("description", text("description")), ("qty", held("quantity", "number")),
          ("unit_price", held("unit_price", "number")), ("product_id", held("product_id", "lookup", lookup="products")),
          ("amount", held("amount", "number", target=False)))


def _document(date: str, **more: Held) -> dict[str, Held]:
    return {"number": text("reference"), "client_id": held("client_id", "lookup", lookup="clients", required=True),
            "date": held(date, "date"), **more, "total": held("total_amount", "number", target=False),
            "lines": held("lines", "lines", lines=_LINES)}


def presets(endpoint: EndpointConfig) -> KindPresets:
    return KindPresets({
        "clients": entity({
            "company": text("name", required=True), "customer_number": text("code"), "vat": text("vat", target=False),
            "email": text("email", transform=("strip", "lower")), "phone": text("phone"), "mobile": text("mobile"),
            "website": text("website"), "address": text("street"), "city": text("city"), "zip": text("zip"),
            "country": text("country", transform=("strip", "upper")),
        }, keys=("customer_number", "vat", "email")),
        "products": entity({"name": text("name", required=True), "code": text("code"),
                            "description": held("description"), "unit_price": held("list_price", "number")},
                           keys=("code", "name")),
        "product_groups": entity({"name": text("name", required=True), "code": text("code")}, keys=("name", "code")),
        "currencies": entity({"code": text("code", required=True, transform=("strip", "upper")),
                              "symbol": text("symbol")}, keys=("code",)),
        "warehouses": entity({"code": text("code"), "name": text("name", required=True)}, keys=("code", "name")),
        "invoices": entity(_document("invoice_date", status=held("state", "picklist", target=False,
                                                                 to_common=INVOICE_STATES)), keys=("number",)),
        "orders": entity(_document("sale_date"), keys=("number",)),
    })
