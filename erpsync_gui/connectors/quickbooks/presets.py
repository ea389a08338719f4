"""QuickBooks Online's default mappings: which fields of its entities hold the product's common fields (see
erpsync_gui.mapping.presets). Clients are Customers (found by DisplayName, which QuickBooks keeps unique),
products Items, invoices Invoices and orders Estimates; a line's item, quantity and price sit in its
SalesItemLineDetail. QuickBooks computes the documents' TotalAmt, which is read but never written."""

from __future__ import annotations

from erpsync_gui.mapping.presets import Held, KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

_LINES = (("description", text("Description")), ("qty", held("SalesItemLineDetail.Qty", "number")),
          ("unit_price", held("SalesItemLineDetail.UnitPrice", "number")),
          ("product_id", held("SalesItemLineDetail.ItemRef.value", "lookup", lookup="products")),
          ("amount", held("Amount", "number")))


def _document(**more: Held) -> dict[str, Held]:
    return {"number": text("DocNumber"),
            "client_id": held("CustomerRef.value", "lookup", lookup="clients", required=True),
            "date": held("TxnDate", "date"), **more, "total": held("TotalAmt", "number", target=False),
            "lines": held("lines", "lines", lines=_LINES)}


def presets(endpoint: EndpointConfig) -> KindPresets:
    return KindPresets({
        "clients": entity({
            "company": text("DisplayName", required=True), "email": text("PrimaryEmailAddr.Address",
                                                                      transform=("strip", "lower")),
            "phone": text("PrimaryPhone.FreeFormNumber"), "mobile": text("Mobile.FreeFormNumber"),
            "website": text("WebAddr.URI"), "address": text("BillAddr.Line1"), "city": text("BillAddr.City"),
            "county": text("BillAddr.CountrySubDivisionCode"), "zip": text("BillAddr.PostalCode"),
            "country": text("BillAddr.Country"),
        }, keys=("company",), name="Customer"),
        "products": entity({"name": text("Name", required=True), "code": text("Sku"),
                            "description": held("Description"), "unit_price": held("UnitPrice", "number")},
                           keys=("name", "code"), name="Item"),
        "invoices": entity(_document(due_date=held("DueDate", "date")), keys=("number",), name="Invoice"),
        "orders": entity(_document(), keys=("number",), name="Estimate"),
    })
