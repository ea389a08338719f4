"""Service documents: a marketing document whose lines name no item.

SAP keeps a document either of items (DocType dDocument_Items, the default: every line needs its ItemCode) or
of services (dDocument_Service: every line is a description booked to a G/L account, AccountCode, for its
LineTotal). A CRM invoice made of free-text lines (stock Perfex's) can only be the second kind; when the site
names the G/L account (the `service_account` option) such a document is written that way. A document mixing
lines with and without an item cannot be either, and is refused before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from erpsync_gui.errors import MappingError

DOCUMENT_SETS = frozenset({"Orders", "Quotations", "Invoices"})
SERVICE = "dDocument_Service"


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def as_service(entity_set: str, body: Mapping[str, Any], account: str | None) -> dict[str, Any]:
    """`body` as SAP takes it: unchanged when it is not a document, names an item on every line, or no service
    account is set; else a service document whose lines are booked to `account`, each with its LineTotal
    (quantity x unit price, which a service line has no other way to hold)."""
    lines = body.get("DocumentLines")
    if account is None or entity_set not in DOCUMENT_SETS or not lines:
        return dict(body)
    with_item = [n for n, line in enumerate(lines, start=1) if line.get("ItemCode") not in (None, "")]
    if len(with_item) == len(lines):
        return dict(body)
    if with_item:
        raise MappingError(f"lines {', '.join(map(str, with_item))} name an item and the others none: a SAP "
                           "document is either of items or of services", field="DocumentLines.ItemCode")
    out = []
    for line in lines:
        service = {k: v for k, v in line.items() if k != "ItemCode"}
        service.setdefault("AccountCode", account)
        quantity, price = _amount(line.get("Quantity")), _amount(line.get("UnitPrice"))
        if service.get("LineTotal") is None and quantity is not None and price is not None:
            service["LineTotal"] = float((quantity * price).quantize(Decimal("0.01"), ROUND_HALF_UP))
        out.append(service)
    return {**body, "DocType": SERVICE, "DocumentLines": out}
