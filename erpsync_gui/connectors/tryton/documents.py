"""What sales and invoices share: a header on a party with lines of products, and a workflow.

Over raw RPC Tryton fills defaults but not what its client's on_change would. A line's unit, price,
taxes (after the party's tax rules) and account are asked of Tryton itself: the line model's `on_change`
for its product, as the client does. A document's addresses are looked up: the party's first invoice
(delivery) address, its first address when none is marked. Lines arrive as a list of
{product_id or product_code, quantity, unit_price, description}; a written list replaces every line.

A create that Tryton accepts but whose workflow step it refuses (quote, confirm, post) is rolled back
(the draft is deleted) and reported with Tryton's message, so a retry never makes a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from erpsync_gui.connectors.tryton.catalog import decimal
from erpsync_gui.connectors.tryton.entity import Entity, nested
from erpsync_gui.connectors.tryton.models import Row, versions
from erpsync_gui.errors import ERPSyncError, MappingError

log = logging.getLogger(__name__)

LINE_FIELDS = ("type", "product", "product.code", "description", "quantity", "unit", "unit.symbol", "unit_price",
               "amount", "_timestamp")


def document_fields(header: tuple[str, ...]) -> tuple[str, ...]:
    """What a document reads: its own header fields, then the party, currency, totals and lines."""
    return (*header, "party", "party.code", "currency", "currency.code", "untaxed_amount", "tax_amount",
            "total_amount", "lines", *(f"lines.{f}" for f in LINE_FIELDS))


def added_ids(changes: Any) -> list[int]:
    """The ids an on_change adds to a many2many ({"add": [[index, {"id": 1, ...}], ...]})."""
    added = changes.get("add") if isinstance(changes, dict) else None
    return [item[1]["id"] for item in added or []
            if isinstance(item, list) and len(item) == 2 and isinstance(item[1], dict)
            and isinstance(item[1].get("id"), int)]


class Document(Entity):
    """A sale or an invoice."""

    has_active = False
    writable = True
    #: the model of the lines and its one2many name on the document
    line_model: ClassVar[str]
    header: ClassVar[tuple[str, ...]] = ()
    #: the workflow steps to each state, in order: state -> (button, ...)
    steps: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    read_only = frozenset({"number", "state", "client_code", "untaxed_amount", "tax_amount", "total_amount",
                           "lines", "currency"})

    def data(self, row: Row) -> dict[str, Any]:
        data = {k: row.get(k) for k in self.header}
        data.update({"client_id": row.get("party"), "client_code": nested(row, "party"),
                     "currency": nested(row, "currency"), "untaxed_amount": row.get("untaxed_amount"),
                     "tax_amount": row.get("tax_amount"), "total_amount": row.get("total_amount")})
        data["lines"] = [{"id": line["id"], "product_id": line.get("product"),
                          "product_code": nested(line, "product"), "description": line.get("description"),
                          "quantity": line.get("quantity"), "unit": nested(line, "unit", "symbol"),
                          "unit_price": line.get("unit_price"), "amount": line.get("amount")}
                         for line in row.get("lines.") or [] if isinstance(line, dict)]
        return data

    def version_entries(self, row: Row) -> dict[str, str]:
        return {**versions(self.model, [row]), **versions(self.line_model, row.get("lines.") or [])}

    # -- values -------------------------------------------------------------------------------------

    def header_values(self, payload: Mapping[str, Any], *, creating: bool,
                      basis: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values = self.passed(payload, known=("client_id", "currency", "payment_term_id", "lines", "state"))
        if "client_id" in payload or creating:
            values["party"] = self.tryton_id(payload.get("client_id"))
            values.update(self.party_defaults(values["party"], basis or payload))
        if payload.get("currency"):
            values["currency"] = self.models.code_id("currency.currency", "code", str(payload["currency"]),
                                                     "currency")
        term = payload.get("payment_term_id") or (self.options.payment_term if creating else None)
        if term:
            values["payment_term"] = self.tryton_id(term)
        return values

    def party_defaults(self, party: int, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Values a document takes from its party (addresses, accounts)."""
        return {"invoice_address": self.party_address(party, "invoice")}

    def party_address(self, party: int, flag: str) -> int:
        rows = self.models.search_read("party.address", [("party", "=", party), ("active", "=", True)],
                                       ["id", flag], order=[("sequence", "ASC"), ("id", "ASC")])
        if not rows:
            raise MappingError(f"the Tryton party {party} has no address, which {self.name} need",
                               field="client_id")
        return next((r["id"] for r in rows if r.get(flag)), rows[0]["id"])

    def line_values(self, lines: Any, parent: Mapping[str, Any], basis: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Tryton values of the payload's lines; `parent` is what a line's on_change reads of its document."""
        if not isinstance(lines, list | tuple) or not lines:
            raise MappingError(f"{self.name} need at least one line", field="lines")
        products = self.products(lines)
        values: list[dict[str, Any]] = []
        for line in lines:
            if not isinstance(line, Mapping):
                raise MappingError(f"a line of {self.name} is not a table: {line!r}", field="lines")
            product = products.get(self.line_product(line))
            quantity = decimal(line.get("quantity", 1), "quantity")
            item: dict[str, Any] = {"type": "line", "quantity": float(quantity if quantity is not None else 1),
                                    "description": line.get("description")}
            price = decimal(line.get("unit_price"), "unit_price")
            if product is not None:
                filled = self.filled(product["id"], item["quantity"], parent)
                item.update(product=product["id"],
                            unit=filled.get("unit") or product.get("sale_uom") or product.get("default_uom"))
                taxes = added_ids(filled.get("taxes"))
                if taxes:
                    item["taxes"] = [["add", taxes]]
                if filled.get("account"):
                    item["account"] = filled["account"]
                if price is None:
                    price = filled.get("unit_price") or product.get("list_price_used")
            elif not line.get("description"):
                raise MappingError("a line needs a product or a description", field="lines")
            if price is None:
                raise MappingError("a line without a product needs a unit price", field="unit_price")
            item["unit_price"] = price
            values.append(self.complete_line(item, product, basis))
        return values

    def filled(self, product: int, quantity: float, parent: Mapping[str, Any]) -> dict[str, Any]:
        """What Tryton's own on_change of a line's product sets (unit, price, taxes by the party's tax
        rules, the account), as its client would ask for it."""
        # without the company Tryton's on_change finds neither the account nor the taxes of an invoice line
        values = {"type": "line", "product": product, "quantity": quantity, "company": self.models.company()["id"],
                  **parent}
        reply = self.models.client.model(self.line_model, "on_change", values, ["product"],
                                         what=f"the line values of {self.name}")
        return reply if isinstance(reply, dict) else {}

    def parent_values(self, header: Mapping[str, Any], basis: Mapping[str, Any]) -> dict[str, Any]:
        """The document's fields a line's on_change reads (`_parent_<field>.<name>`)."""
        return {}

    def currency_of(self, header: Mapping[str, Any]) -> int | None:
        """The document's currency id: its own, else the company's (Tryton's default)."""
        currency = header.get("currency")
        return currency if isinstance(currency, int) else self.models.company().get("currency")

    def complete_line(self, item: dict[str, Any], product: Row | None, payload: Mapping[str, Any]
                      ) -> dict[str, Any]:
        return item

    @staticmethod
    def line_product(line: Mapping[str, Any]) -> Any:
        return line.get("product_id") or (("code", str(line["product_code"])) if line.get("product_code") else None)

    def products(self, lines: Sequence[Any]) -> dict[Any, Row]:
        """The lines' products by id and by ("code", code); an unknown one is a MappingError."""
        ids = [self.tryton_id(line["product_id"]) for line in lines
               if isinstance(line, Mapping) and line.get("product_id")]
        codes = [str(line["product_code"]) for line in lines
                 if isinstance(line, Mapping) and not line.get("product_id") and line.get("product_code")]
        fields = ["id", "code", "sale_uom", "default_uom", "list_price_used", "account_category",
                  "account_category.account_revenue", "account_category.account_expense"]
        found: dict[Any, Row] = {}
        domain: list[Any] = ["OR", [("id", "in", ids)], [("code", "in", codes)]]
        for row in self.models.search_read("product.product", domain, fields) if ids or codes else []:
            found[row["id"]] = found[str(row["id"])] = found[("code", row.get("code"))] = row
        for wanted in [*ids, *(("code", c) for c in codes)]:
            if wanted not in found:
                what = wanted[1] if isinstance(wanted, tuple) else wanted
                raise MappingError(f"Tryton has no product {what!r}", field="lines")
        return found

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        values = self.header_values(payload, creating=True)
        parent = self.parent_values(values, payload)
        values[self.lines_field] = [["create", self.line_values(payload.get("lines"), parent, payload)]]
        return values

    def write_values(self, row: Row, payload: Mapping[str, Any]) -> dict[str, Any]:
        basis = {"type": row.get("type"), **payload}  # what looked-up values depend on (an invoice's type)
        values = self.header_values(payload, creating=False, basis=basis)
        if "lines" in payload:
            header = {k: row.get(k) for k in ("party", "currency", *self.header)} | values
            actions: list[list[Any]] = []
            if row.get("lines"):
                actions.append(["delete", list(row["lines"])])
            actions.append(["create", self.line_values(payload["lines"], self.parent_values(header, basis), basis)])
            values[self.lines_field] = actions
        return values

    lines_field = "lines"

    # -- workflow -----------------------------------------------------------------------------------

    def target_state(self, payload: Mapping[str, Any]) -> str:
        wanted = payload.get("state")
        return wanted if isinstance(wanted, str) and wanted in self.steps else self.default_state()

    def default_state(self) -> str:
        return "draft"

    def after_create(self, rid: int, payload: Mapping[str, Any]) -> None:
        """The new document through its workflow; refused, it is deleted and the refusal raised."""
        try:
            self.advance(rid, self.target_state(payload))
        except ERPSyncError:
            self.roll_back(rid)
            raise

    def roll_back(self, rid: int) -> None:
        """Delete a document whose workflow stopped halfway: cancelled first, as Tryton deletes only drafts and
        cancelled documents (and refuses to take a validated invoice back to draft)."""
        try:
            state = self.models.by_ids(self.model, [rid], ["id", "state"]).get(rid, {}).get("state")
            if state not in (None, "draft", "cancelled"):
                self.models.call(self.model, "cancel", [rid], f"the cancel of {self.name} {rid}")
            self.remove(rid, None)
        except ERPSyncError as exc:
            log.warning("%s %s stays in Tryton: it could not be deleted after its workflow failed: %s",
                        self.name, rid, exc)

    def advance(self, rid: int, state: str) -> None:
        for button in self.steps.get(state, ()):
            self.models.call(self.model, button, [rid], f"the {button} of {self.name} {rid}")
