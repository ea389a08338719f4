"""What a new QuickBooks Online Item needs beyond the mapped fields. QuickBooks refuses an Item create without
`Type` (Inventory, NonInventory or Service), and a sales item without the income account its sales post to
(`IncomeAccountRef`); a CRM product carries neither, so the endpoint's options supply them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.quickbooks.client import QboClient
from erpsync_gui.connectors.quickbooks.entities import Entity
from erpsync_gui.connectors.quickbooks.options import QuickBooksOptions
from erpsync_gui.errors import ConfigError

#: the chart of accounts, read only to find the income account of new items
ACCOUNT = Entity("Account", (("Name", "text"), ("AccountType", "text"), ("AccountSubType", "text"),
                             ("Active", "boolean")))
#: the Income sub-type that suits each item type
SUB_TYPES = {"NonInventory": "SalesOfProductIncome", "Service": "ServiceFeeIncome"}
INCOME = "IncomeAccountRef.value"


class NewItems:
    """Completes flat Item create payloads with the endpoint's item type and income account."""

    def __init__(self, options: QuickBooksOptions) -> None:
        self.options = options
        self._income: str | None = options.item_income_account

    def complete(self, api: QboClient, payloads: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = [dict(p) for p in payloads]
        for payload in out:
            if _empty(payload.get("Type")):
                payload["Type"] = self.options.item_type
            # Inventory items name their own accounts: the mapping that makes them sends those too
            if payload["Type"] != "Inventory" and _empty(payload.get(INCOME)) and not payload.get("IncomeAccountRef"):
                payload[INCOME] = self.income_account(api)
        return out

    def income_account(self, api: QboClient) -> str:
        """The configured income account, else the company's best match (looked up once per connection)."""
        if self._income is None:
            self._income = self._find(api)
        return self._income

    def _find(self, api: QboClient) -> str:
        found, _stamp = api.query("SELECT * FROM Account WHERE AccountType = 'Income' AND Active = true "
                                  "MAXRESULTS 1000", ACCOUNT)
        ids = [str(a["Id"]) for a in found if not _empty(a.get("Id"))]
        if not ids:
            raise ConfigError("QuickBooks Online has no active Income account for the sales of new items",
                              hint="make one in QuickBooks, or set the endpoint's item_income_account")
        wanted = SUB_TYPES[self.options.item_type]
        suited = [str(a["Id"]) for a in found if a.get("AccountSubType") == wanted and not _empty(a.get("Id"))]
        return min(suited or ids, key=_id_order)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _id_order(value: str) -> tuple[int, str]:
    return (int(value), value) if value.isdigit() else (1 << 62, value)
