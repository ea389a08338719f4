"""invoices on `account.invoice` with its `account.invoice.line`s.

Invoices are read, and created from the CRM's where the entity's direction writes to the ERP: a customer
invoice (`type` "out", the default) or a supplier one ("in"). What Tryton's client would fill in is looked
up: the party's receivable (payable) account, else the company's default one; the first revenue (expense)
journal; each line's account as Tryton's on_change chooses it for the product, else the product's accounting
category's, else options.revenue_account (the only source for a line without a product).
A created invoice stays a draft, or is validated or posted as the options (or the payload's `state`) say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from erpsync_gui.connectors.tryton.documents import Document, document_fields
from erpsync_gui.connectors.tryton.models import Models, Row
from erpsync_gui.connectors.tryton.options import TrytonOptions
from erpsync_gui.errors import MappingError, PermanentError


def kind_of(payload: Mapping[str, Any]) -> str:
    """out (a customer invoice, the default) or in (a supplier's)."""
    kind = payload.get("type") or "out"
    if kind not in ("out", "in"):
        raise MappingError(f"an invoice's type is out (customer) or in (supplier), not {kind!r}", field="type")
    return kind


class Invoices(Document):
    name = "invoices"
    model = "account.invoice"
    line_model = "account.invoice.line"
    header = ("type", "number", "reference", "description", "state", "invoice_date", "comment", "payment_term",
              "invoice_address", "account", "journal", "amount_to_pay")
    fields = document_fields(header)
    keys: ClassVar[Mapping[str, str]] = {"number": "number", "reference": "reference"}
    companions: ClassVar[Mapping[str, str]] = {"account.invoice.line": "invoice"}
    steps: ClassVar[Mapping[str, tuple[str, ...]]] = {"draft": (), "validated": ("validate_invoice",),
                                                      "posted": ("validate_invoice", "post")}
    read_only = Document.read_only | {"amount_to_pay"}
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "number": ("text", False), "reference": ("text", False), "type": ("text", False),
        "client_id": ("text", True), "invoice_date": ("date", False), "currency": ("text", False),
        "state": ("text", False), "lines": ("list", True), "total_amount": ("number", False)}

    def __init__(self, models: Models, options: TrytonOptions) -> None:
        super().__init__(models, options)
        self._category_defaults: dict[str, int | None] = {}

    def default_state(self) -> str:
        return self.options.invoice_state

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        kind = kind_of(payload)
        values = super().create_values({**payload, "type": kind})
        values["type"] = kind
        values.setdefault("journal", self.journal(kind))
        return values

    def party_defaults(self, party: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        field = "account_receivable" if kind_of(payload) == "out" else "account_payable"
        rows = self.models.by_ids("party.party", [party], ["id", field])
        account = rows.get(party, {}).get(field) or self.default_account(field)
        return {"invoice_address": self.party_address(party, "invoice"), "account": account}

    def default_account(self, field: str) -> int:
        rows = self.models.search_read("account.configuration", [], ["id", f"default_{field}"], limit=1)
        account = rows[0].get(f"default_{field}") if rows else None
        if not isinstance(account, int):
            raise PermanentError(f"Tryton has no default {field.replace('_', ' ')} for invoices",
                                 hint="set it in Tryton's accounting configuration or on the party")
        return account

    def journal(self, kind: str) -> int:
        wanted = "revenue" if kind == "out" else "expense"
        rows = self.models.search_read("account.journal", [("type", "=", wanted)], ["id"], limit=1,
                                       order=[("id", "ASC")])
        if not rows:
            raise PermanentError(f"Tryton has no {wanted} journal for invoices", hint="create one in Tryton")
        return rows[0]["id"]

    def parent_values(self, header: Mapping[str, Any], basis: Mapping[str, Any]) -> dict[str, Any]:
        kind = kind_of(basis)
        return {"invoice": None, "invoice_type": kind, "party": header.get("party"), "_parent_invoice.type": kind,
                "_parent_invoice.party": header.get("party"), "_parent_invoice.currency": self.currency_of(header),
                "_parent_invoice.invoice_date": header.get("invoice_date")}

    def complete_line(self, item: dict[str, Any], product: Row | None, payload: Mapping[str, Any]
                      ) -> dict[str, Any]:
        if item.get("account"):
            return item  # Tryton's on_change chose it
        side = "account_revenue" if kind_of(payload) == "out" else "account_expense"
        account = (product.get("account_category.") or {}).get(side) if product is not None else None
        account = account or self.options.revenue_account or self.category_default(side)
        if account is None:
            raise MappingError("an invoice line needs an account: a product with an accounting category, "
                               "options.revenue_account, or a default category account in Tryton's accounting "
                               "configuration", field="lines")
        return {**item, "account": account}

    def category_default(self, side: str) -> int | None:
        """The account Tryton's accounting configuration gives products without a category of their own (its
        chart wizard sets it), read once per connector."""
        field = f"default_category_{side}"
        if field not in self._category_defaults:
            rows = self.models.search_read("account.configuration", [], ["id", field], limit=1)
            value = rows[0].get(field) if rows else None
            self._category_defaults[field] = value if isinstance(value, int) else None
        return self._category_defaults[field]
