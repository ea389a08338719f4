"""Tally Prime's default mappings: which tags of its masters and vouchers hold the product's common fields
(see erpsync_gui.mapping.presets). Masters are found by NAME; a client is a ledger under the debtors group (the
connector puts it there). A sales invoice or order is found by its VOUCHERNUMBER; Tally names its party and
its stock items by NAME, which the connector turns into the ids lookups carry (`party_id`, a line's
`item_id`) and back, and a line's quantity and rate into numbers without their unit (`quantity`,
`unit_rate`); a receipt names the invoice it settles (`invoice_id`, from its bill allocation) and is read
only. A line's description is its stock item's name: where the other side names no product, the
item is found by that name. Tally computes the amounts; they are read, never written."""

from __future__ import annotations

from erpsync_gui.mapping.presets import Held, KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

_LINES = (("description", text("STOCKITEMNAME")), ("qty", held("quantity", "number")),
          ("unit_price", held("unit_rate", "number")),
          ("product_id", held("item_id", "lookup", lookup="products")),
          ("amount", held("AMOUNT", "number", target=False)))


def _voucher() -> dict[str, Held]:
    return {"number": text("VOUCHERNUMBER"), "client_id": held("party_id", "lookup", lookup="clients", required=True),
            "date": held("DATE", "date"), "total": held("total", "number", target=False),
            "lines": held("lines", "lines", lines=_LINES)}


def presets(endpoint: EndpointConfig) -> KindPresets:
    return KindPresets({
        "clients": entity({
            "company": text("NAME", required=True), "email": text("EMAIL", transform=("strip", "lower")),
            "phone": text("LEDGERPHONE"), "mobile": text("LEDGERMOBILE"), "address": held("ADDRESS"),
            "county": text("LEDSTATENAME"), "country": text("COUNTRYNAME"), "zip": text("PINCODE"),
            "vat": text("PARTYGSTIN"),
        }, keys=("company", "vat", "email")),
        "products": entity({"name": text("NAME", required=True), "description": held("DESCRIPTION")},
                           keys=("name",)),
        "product_groups": entity({"name": text("NAME", required=True)}, keys=("name",)),
        "units": entity({"code": text("NAME", required=True), "name": text("ORIGINALNAME")}, keys=("code",)),
        "warehouses": entity({"name": text("NAME", required=True)}, keys=("name",)),
        "invoices": entity(_voucher(), keys=("number",)),
        "orders": entity(_voucher(), keys=("number",)),
        # receipts come from Tally: the connector reads the invoice a receipt settles, but does not write bills
        "payments": entity({"invoice_id": held("invoice_id", "lookup", lookup="invoices", target=False),
                            "amount": held("total", "number", target=False),
                            "date": held("DATE", "date", target=False)}),
    })
