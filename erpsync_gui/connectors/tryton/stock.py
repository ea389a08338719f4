"""stock: the quantity of each goods product in each warehouse, as Tryton computes it from stock moves
(`product.product` read with the `locations` context: `quantity` on hand, `forecast_quantity` with the
planned moves).

Quantities are computed, not stored, so they carry no change stamp: every read is a full read (no cursor,
its last page `complete`). A record's id is "<product id>@<warehouse id>".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.base import chunked
from erpsync_gui.connectors.tryton.models import ID_CHUNK, Models, Row
from erpsync_gui.connectors.tryton.options import TrytonOptions
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import EntityInfo, FieldInfo, Page, Record

PRODUCT_FIELDS = ("id", "code", "default_uom.symbol")
GOODS = [("type", "=", "goods"), ("active", "=", True)]


def stock_id(product: int, warehouse: int) -> str:
    return f"{product}@{warehouse}"


def parse_stock_id(value: str) -> tuple[int, int] | None:
    product, sep, warehouse = str(value).partition("@")
    if not sep or not product.isdigit() or not warehouse.isdigit() or len(value) > 40:
        return None
    return int(product), int(warehouse)


class Stock:
    """Stock per warehouse, read in full each time."""

    name = "stock"
    has_active = False
    writable = False
    keys: Mapping[str, str] = {"product_code": "code"}

    def __init__(self, models: Models, options: TrytonOptions) -> None:
        self.models = models
        self.options = options

    def warehouses(self, only: Sequence[int] | None = None) -> dict[int, Row]:
        domain: list[Any] = [("type", "=", "warehouse"), ("active", "=", True)]
        if self.options.warehouse is not None:
            domain.append(("id", "=", self.options.warehouse))
        if only is not None:
            domain.append(("id", "in", list(only)))
        return {r["id"]: r for r in self.models.search_read("stock.location", domain, ["id", "code", "name"])}

    def _records(self, products: Sequence[Row], warehouses: Mapping[int, Row]) -> list[Record]:
        records: list[Record] = []
        by_id = {p["id"]: p for p in products}
        for wid, warehouse in warehouses.items():
            rows = self.models.search_read("product.product", [("id", "in", list(by_id))],
                                           ["id", "quantity", "forecast_quantity"], context={"locations": [wid]})
            for row in rows:
                product = by_id[row["id"]]
                unit = product.get("default_uom.")
                records.append(Record(id=stock_id(row["id"], wid), data={
                    "product_id": row["id"], "product_code": product.get("code"),
                    "warehouse_id": wid, "warehouse_code": warehouse.get("code"),
                    "quantity": row.get("quantity"), "forecast_quantity": row.get("forecast_quantity"),
                    "unit": unit.get("symbol") if isinstance(unit, dict) else None}))
        return records

    def pages(self, cursor: str | None, page_size: int) -> Iterator[Page]:
        warehouses = self.warehouses()
        size = max(1, page_size // max(1, len(warehouses)))
        last, done = 0, False
        while not done:
            products = self.models.search_read("product.product", [*GOODS, ("id", ">", last)], PRODUCT_FIELDS,
                                               limit=size, order=[("id", "ASC")])
            done = len(products) < size
            if products:
                last = products[-1]["id"]
            yield Page(tuple(self._records(products, warehouses)), cursor=None, complete=done)

    def get_many(self, ids: Sequence[str]) -> dict[str, Record]:
        pairs = [p for p in (parse_stock_id(i) for i in ids) if p is not None]
        if not pairs:
            return {}
        warehouses = self.warehouses(sorted({w for _, w in pairs}))
        found: dict[str, Record] = {}
        for chunk in chunked(sorted({p for p, _ in pairs}), ID_CHUNK):
            products = self.models.search_read("product.product", [("id", "in", chunk)], PRODUCT_FIELDS)
            found.update((r.id, r) for r in self._records(products, warehouses))
        wanted = {stock_id(p, w) for p, w in pairs}
        return {k: v for k, v in found.items() if k in wanted}

    def find_by_keys(self, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        if field != "product_code":
            raise PermanentError(f"stock cannot be looked up by {field!r} in Tryton", hint="use product_code")
        codes = [str(v) for v in values if v is not None and str(v).strip()]
        products = self.models.search_read("product.product", [("code", "in", codes)], PRODUCT_FIELDS) if codes else []
        found: dict[str, list[Record]] = {}
        for record in self._records(products, self.warehouses()):
            found.setdefault(str(record.data["product_code"]), []).append(record)
        return found

    def describe(self) -> EntityInfo:
        names = ("product_id", "product_code", "warehouse_id", "warehouse_code", "quantity", "forecast_quantity",
                 "unit")
        return EntityInfo(self.name, tuple(FieldInfo(n, "number" if "quantity" in n else "text") for n in names),
                          has_cursor=False, key_fields=("product_code",))
