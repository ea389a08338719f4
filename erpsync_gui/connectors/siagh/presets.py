"""Siagh Finance's default mappings: which fields of its contacts and pre-invoices hold the product's common
fields (see erpsync_gui.mapping.presets). Pre-invoices are written only: their customer is the contact's code
(a lookup of clients) and each line names its product by code (codekala)."""

from __future__ import annotations

from erpsync_gui.mapping.presets import KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

_LINES = (("product_code", text("codekala", required=True)), ("qty", held("qty", "number")),
          ("unit_price", held("price", "number")))


def presets(endpoint: EndpointConfig) -> KindPresets:
    return KindPresets({
        "clients": entity({
            "company": text("Name", required=True), "email": text("Email", transform=("strip", "lower")),
            "phone": text("TelNo"), "mobile": text("MobileNo"), "address": text("Address"), "zip": text("PostalCode"),
            "website": text("WebSiteAddress"),
        }, keys=("email", "mobile")),
        "orders": entity({
            "client_id": held("codemoshtari", "lookup", lookup="clients", required=True, source=False),
            "lines": held("lines", "lines", source=False, lines=_LINES),
        }),
    })
