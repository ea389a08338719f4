"""Payamgostar CRM's default mappings: which fields of its identities and quotes hold the product's common
fields (see erpsync_gui.mapping.presets). A client's nickName is its shown name, its economic code the
VAT code; a quote's lines are its `details`, each naming its product by code; Payamgostar computes the
quote's finalValue, which is read but never written."""

from __future__ import annotations

from erpsync_gui.mapping.presets import KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

_DETAILS = (("product_code", text("productCode")), ("qty", held("count", "number")),
            ("unit_price", held("baseUnitPrice", "number")), ("amount", held("totalUnitPrice", "number", target=False)))


def presets(endpoint: EndpointConfig) -> KindPresets:
    return KindPresets({
        "clients": entity({
            "company": text("nickName", required=True), "customer_number": text("customerNumber"),
            "vat": text("economicCode"), "email": text("email", transform=("strip", "lower")),
            "website": text("website"),
        }, keys=("customer_number", "vat", "email")),
        "orders": entity({
            "number": text("number"), "client_id": held("identityId", "lookup", lookup="clients", required=True),
            "total": held("finalValue", "number", target=False), "lines": held("details", "lines", lines=_DETAILS),
        }, keys=("number",)),
    })
