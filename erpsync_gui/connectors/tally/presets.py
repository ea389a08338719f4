"""Tally Prime's default mappings: which tags of its masters hold the product's common fields (see
erpsync_gui.mapping.presets). Masters are found by NAME; a client is a ledger under the debtors group (the
connector puts it there). Vouchers name their party by its ledger name, not by an id a lookup could give, so
no voucher mapping is offered by default."""

from __future__ import annotations

from erpsync_gui.mapping.presets import KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig


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
    })
