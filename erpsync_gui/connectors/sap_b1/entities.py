"""The Service Layer entities the connector offers, under the product's entity names, and the flat record
shape each one has.

Record data keeps SAP's own field names, flat: scalar fields as the Service Layer sends them, except

- document lines (DocumentLines of Orders, Quotations, Invoices; PaymentInvoices of IncomingPayments)
  are a list of flat dicts under `lines`; a business partner's ContactEmployees are one under `contacts`;
- an item's prices per price list (ItemPrices) become `Price_<PriceList>` and `Currency_<PriceList>`
  (price lists without a price are left out); written back the same way;
- `stock` has one record per item and warehouse, from the item's ItemWarehouseInfoCollection:
  {ItemCode, WarehouseCode, InStock, Committed, Ordered}, with the id `["<ItemCode>","<WarehouseCode>"]`;
- OData annotations (odata.metadata, @odata.etag ...) are dropped: the ETag is the record's version.

Record ids are the entity's key as text (CardCode, ItemCode, DocEntry ...). Changes are read by
UpdateDate + UpdateTime where the entity has them; item groups, warehouses and stock are read whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_ID = 200
_PRICE = re.compile(r"^(Price|Currency)_(\d+)$")
_DOC_LINE = ("LineNum", "ItemCode", "ItemDescription", "Quantity", "UnitPrice", "Price", "Currency",
             "DiscountPercent", "WarehouseCode", "TaxCode", "LineTotal", "UoMCode")
_DOC = ("DocEntry", "DocNum", "DocType", "DocDate", "DocDueDate", "TaxDate", "CardCode", "CardName", "NumAtCard",
        "DocTotal", "VatSum", "DocCurrency", "DocRate", "DocumentStatus", "Cancelled", "Comments", "SalesPersonCode",
        "UpdateDate", "UpdateTime", "CreationDate", "DocumentLines")
#: fields written as numbers in filters
NUMERIC = frozenset({"DocEntry", "DocNum", "Number", "GroupCode", "ItemsGroupCode", "PriceList", "LineNum",
                     "InternalCode", "SalesPersonCode"})


@dataclass(frozen=True)
class Spec:
    """One entity: where it lives, its key, what is read and how it is found."""

    name: str
    entity_set: str
    key: str
    select: tuple[str, ...]
    #: natural keys the Service Layer can filter by, most specific first
    natural_keys: tuple[str, ...]
    #: read by UpdateDate/UpdateTime (else read whole)
    cursor: bool = True
    #: SAP's collection field -> the record's list key
    collections: tuple[tuple[str, str], ...] = ()
    #: a filter every read of this entity carries (None: none)
    base_filter: str | None = None
    writable: bool = True
    #: DELETE removes it (master data; documents answer -5006 "not supported" and are closed or cancelled)
    deletable: bool = False
    #: archived by marking it inactive (Frozen = tYES), as the client does with "Inactive"
    archivable: bool = False
    #: documented line fields, for describe()
    line_fields: tuple[str, ...] = ()

    @property
    def numeric_key(self) -> bool:
        return self.key in NUMERIC


SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("clients", "BusinessPartners", "CardCode",
         ("CardCode", "CardName", "CardType", "GroupCode", "EmailAddress", "Phone1", "Phone2", "Cellular",
          "FederalTaxID", "Currency", "Address", "City", "ZipCode", "Country", "Valid", "Frozen",
          "UpdateDate", "UpdateTime", "ContactEmployees"),
         ("CardCode", "FederalTaxID", "EmailAddress", "CardName"),
         collections=(("ContactEmployees", "contacts"),), base_filter="CardType eq 'cCustomer'",
         deletable=True, archivable=True,
         line_fields=("InternalCode", "Name", "FirstName", "LastName", "E_Mail", "Phone1", "MobilePhone",
                      "Position")),
    Spec("products", "Items", "ItemCode",
         ("ItemCode", "ItemName", "ItemsGroupCode", "BarCode", "SalesUnit", "Valid", "Frozen", "QuantityOnStock",
          "UpdateDate", "UpdateTime", "ItemPrices"),
         ("ItemCode", "BarCode", "ItemName"), deletable=True, archivable=True),
    Spec("product_groups", "ItemGroups", "Number", ("Number", "GroupName"), ("GroupName",), cursor=False),
    Spec("warehouses", "Warehouses", "WarehouseCode", ("WarehouseCode", "WarehouseName", "Inactive"),
         ("WarehouseCode", "WarehouseName"), cursor=False),
    Spec("stock", "Items", "ItemCode", ("ItemCode", "ItemWarehouseInfoCollection"), ("ItemCode",),
         cursor=False, writable=False),
    Spec("orders", "Orders", "DocEntry", _DOC, ("DocNum", "NumAtCard"),
         collections=(("DocumentLines", "lines"),), line_fields=_DOC_LINE),
    Spec("quotations", "Quotations", "DocEntry", _DOC, ("DocNum", "NumAtCard"),
         collections=(("DocumentLines", "lines"),), line_fields=_DOC_LINE),
    Spec("invoices", "Invoices", "DocEntry", _DOC, ("DocNum", "NumAtCard"),
         collections=(("DocumentLines", "lines"),), line_fields=_DOC_LINE),
    Spec("payments", "IncomingPayments", "DocEntry",
         ("DocEntry", "DocNum", "DocDate", "CardCode", "CardName", "DocCurrency", "CashSum", "TransferSum",
          "TransferAccount", "TransferReference", "Remarks", "Cancelled", "UpdateDate", "UpdateTime",
          "PaymentInvoices"),
         ("DocNum",), collections=(("PaymentInvoices", "lines"),),
         line_fields=("LineNum", "DocEntry", "SumApplied", "InvoiceType")),
)}


def _scalar_items(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if "@" not in k and not k.startswith("odata.")}


def flat(spec: Spec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record's data dict from one Service Layer entity (see the module docstring)."""
    data = _scalar_items(raw)
    for native, ours in spec.collections:
        items = data.pop(native, None)
        data[ours] = [_scalar_items(i) for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    prices = data.pop("ItemPrices", None)
    if isinstance(prices, list):
        for price in prices:
            if isinstance(price, Mapping) and price.get("Price") is not None and price.get("PriceList") is not None:
                data[f"Price_{price['PriceList']}"] = price["Price"]
                data[f"Currency_{price['PriceList']}"] = price.get("Currency")
    return data


def native(spec: Spec, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Service Layer body for a flat payload: lists back under SAP's collection names, prices back
    into ItemPrices."""
    body: dict[str, Any] = {}
    prices: dict[int, dict[str, Any]] = {}
    ours = {o: n for n, o in spec.collections}
    for name, value in payload.items():
        match = _PRICE.match(name) if spec.entity_set == "Items" else None
        if match:
            entry = prices.setdefault(int(match[2]), {"PriceList": int(match[2])})
            entry[match[1]] = value
        elif name in ours:
            body[ours[name]] = [dict(v) for v in value or ()]
        else:
            body[name] = value
    if prices:
        body["ItemPrices"] = [prices[k] for k in sorted(prices)]
    return body


def stock_rows(raw: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(id, data) of each warehouse row of one item."""
    code = raw.get("ItemCode")
    rows = raw.get("ItemWarehouseInfoCollection")
    out: list[tuple[str, dict[str, Any]]] = []
    if code is None or not isinstance(rows, list):
        return out
    for row in rows:
        if not isinstance(row, Mapping) or row.get("WarehouseCode") in (None, ""):
            continue
        data = {"ItemCode": code, "WarehouseCode": row["WarehouseCode"], "InStock": row.get("InStock"),
                "Committed": row.get("Committed"), "Ordered": row.get("Ordered")}
        out.append((stock_id(str(code), str(row["WarehouseCode"])), data))
    return out


def stock_id(item: str, warehouse: str) -> str:
    return json.dumps([item, warehouse], ensure_ascii=False, separators=(",", ":"))


def parse_stock_id(record_id: str) -> tuple[str, str] | None:
    try:
        item, warehouse = json.loads(record_id)
    except (ValueError, TypeError):
        return None
    return (str(item), str(warehouse)) if isinstance(item, str) and isinstance(warehouse, str) else None
