"""Default mapping rows of the smartcrm preset where its tables differ from stock Perfex's.

- orders land in the Omni Sales module's tblcart (the ERP's orders and proformas become the module's sales
  orders): the ERP's number in order_number, the client in userid, the date in datecreator, the total as the
  module keeps it (text); each line in tblcart_detailt with the CRM's product id, its name, quantity, unit
  price (`prices`) and tax rate.
- products keep Perfex's rows (`rate`: the price in the CRM's default currency) and add every ERP price as a row of
  the module's tblitem_prices: one per (warehouse, currency), the ERP's currency turned into the CRM's by the
  currency mapping, the warehouse by its link. Without a currency mapping no product is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _row(crm: str, erp: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp, "type": type_, **extra}


def _lookup(crm: str, erp: str, entity: str, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp, "type": "lookup", "lookup": entity, **extra}


def rows(perfex: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """entity -> the preset's rows for it, from the Perfex rows `perfex` (entities not named keep those)."""
    return {
        "products": [
            # both rows read the ERP's price list: neither writes it back (products flow ERP -> CRM)
            *({**r, "direction": "import"} if r["erp"] == "prices" else r for r in perfex["products"]),
            _row("prices", "prices", "lines", direction="import", fields=[
                _lookup("warehouse_id", "warehouse_id", "warehouses", required=True),
                _row("currency_id", "currency_id", "currency", required=True),
                _row("price", "price", "number", required=True),
            ]),
        ],
        "orders": [
            _row("order_number", "number", "text", transform=["strip"], required=True),
            _lookup("userid", "client_id", "clients", required=True),
            _row("datecreator", "date", "date"),
            _row("currency", "currency_id", "currency"),
            _row("total", "total", "number"),
            _row("lines", "lines", "lines", fields=[
                _lookup("product_id", "product_id", "products", required=True),
                _row("product_name", "description", "text"),
                _row("quantity", "qty", "number"),
                _row("prices", "unit_price", "number"),
                _row("tax_rate", "tax_rate", "number"),
            ]),
        ],
    }


MATCH_KEYS: dict[str, tuple[str, ...]] = {"orders": ("order_number",)}
