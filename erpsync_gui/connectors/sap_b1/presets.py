"""SAP Business One's default mappings: which Service Layer fields hold the product's common fields (see
erpsync_gui.mapping.presets). A business partner's CardCode is the customer number (SAP needs one to create
a partner); a document's NumAtCard holds the other system's number (DocNum is SAP's own), its CardCode is the
linked partner's id and every line needs an item: its ItemCode is the linked item's id (an item's id is its
code), which a side keeping the code on the line receives too. A side whose document lines name no item (stock
Perfex's invoices) can therefore only receive SAP's documents, unless the endpoint's `service_account` option
is set: lines without an item are then written as service lines booked to that G/L account (service.py). SAP
computes DocTotal and LineTotal, which are read but never written."""

from __future__ import annotations

from erpsync_gui.mapping.presets import Held, KindPresets, entity, held, text
from erpsync_gui.profile import EndpointConfig

#: how a site sends documents whose lines name no item, in the wizard's words
SERVICE_HINT = ("to send them as service documents, set a Service account (the G/L account they are booked to, "
                "option service_account) in SAP's connection settings")


def _lines(services: bool) -> tuple[tuple[str, Held], ...]:
    """A document line; its item is required unless lines without one go as service lines (`services`)."""
    return (("description", text("ItemDescription")), ("qty", held("Quantity", "number")),
            ("unit_price", held("UnitPrice", "number")),
            ("product_id", held("ItemCode", "lookup", lookup="products", required=not services)),
            # the same ItemCode as the item's code, for a side that keeps it on the line: read only, since the
            # product's link writes it
            ("product_code", text("ItemCode", target=False)),
            ("amount", held("LineTotal", "number", target=False)))


def _document(services: bool, **more: Held) -> dict[str, Held]:
    return {"number": text("NumAtCard"), "client_id": held("CardCode", "lookup", lookup="clients", required=True),
            "date": held("DocDate", "date"), **more, "total": held("DocTotal", "number", target=False),
            "lines": held("lines", "lines", lines=_lines(services))}


def presets(endpoint: EndpointConfig) -> KindPresets:
    services = bool((endpoint.options or {}).get("service_account"))
    hint = "" if services else SERVICE_HINT
    return KindPresets({
        "clients": entity({
            "customer_number": text("CardCode", required=True), "company": text("CardName", required=True),
            "vat": text("FederalTaxID"), "email": text("EmailAddress", transform=("strip", "lower")),
            "phone": text("Phone1"), "mobile": text("Cellular"), "address": text("Address"), "city": text("City"),
            "zip": text("ZipCode"), "country": text("Country", transform=("strip", "upper")),
        }, keys=("customer_number", "vat", "email")),
        "products": entity({"code": text("ItemCode", required=True), "name": text("ItemName", required=True)},
                           keys=("code", "name")),
        "product_groups": entity({"name": text("GroupName", required=True)}, keys=("name",)),
        "warehouses": entity({"code": text("WarehouseCode", required=True), "name": text("WarehouseName")},
                             keys=("code", "name")),
        "invoices": entity(_document(services, due_date=held("DocDueDate", "date")), keys=("number",), hint=hint),
        "orders": entity(_document(services), keys=("number",), hint=hint),
    })
