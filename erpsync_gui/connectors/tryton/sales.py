"""orders (and proformas) on `sale.sale` with its `sale.line`s.

A created sale is taken as far as the options say (or the payload's `state`): a quotation is Tryton's
proforma (`quote`), a confirmed sale goes through `quote` then `confirm`, as Tryton's workflow requires.
Tryton lets a sale change only while it is a draft; its refusal comes back as a PermanentError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from erpsync_gui.connectors.tryton.documents import Document, document_fields


class Orders(Document):
    name = "orders"
    model = "sale.sale"
    line_model = "sale.line"
    header = ("number", "reference", "description", "state", "sale_date", "comment", "warehouse", "payment_term",
              "invoice_address", "shipment_address")
    fields = document_fields(header)
    keys: ClassVar[Mapping[str, str]] = {"number": "number", "reference": "reference"}
    companions: ClassVar[Mapping[str, str]] = {"sale.line": "sale"}
    steps: ClassVar[Mapping[str, tuple[str, ...]]] = {"draft": (), "quotation": ("quote",),
                                                      "confirmed": ("quote", "confirm")}
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "number": ("text", False), "reference": ("text", False), "client_id": ("text", True),
        "sale_date": ("date", False), "currency": ("text", False), "state": ("text", False),
        "lines": ("list", True), "total_amount": ("number", False)}

    def default_state(self) -> str:
        return self.options.sale_state

    def parent_values(self, header: Mapping[str, Any], basis: Mapping[str, Any]) -> dict[str, Any]:
        return {"sale": None, "_parent_sale.party": header.get("party"),
                "_parent_sale.currency": self.currency_of(header), "_parent_sale.sale_date": header.get("sale_date")}

    def party_defaults(self, party: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        address = self.party_address(party, "invoice")
        values = {"invoice_address": address, "shipment_address": self.party_address(party, "delivery")}
        if self.options.warehouse is not None:
            values["warehouse"] = self.options.warehouse
        return values
