"""products on `product.product` (with its `product.template`), product_groups on `product.category`,
currencies on `currency.currency` and warehouses on `stock.location` of type warehouse.

A product's name, list price, type, unit and categories live on its template; a product is created as a
template with one variant, and a write goes to the template with the variant's own fields in the same
call (the template's `products` one2many), so both change together or not at all. List prices are in
the company's currency, which the record names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from erpsync_gui.connectors.tryton.entity import Entity, as_bool, changed, nested
from erpsync_gui.connectors.tryton.models import Row, versions
from erpsync_gui.errors import MappingError
from erpsync_gui.records import Record

#: product data key -> product.template field
TEMPLATE_FIELDS = {"name": "name", "type": "type", "salable": "salable", "list_price": "list_price",
                   "code": "code", "account_category": "account_category", "unit": "default_uom",
                   "category_ids": "categories"}


def decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise MappingError(f"{field} {value!r} is not a number", field=field) from None


class Products(Entity):
    name = "products"
    model = "product.product"
    fields = ("code", "suffix_code", "name", "description", "type", "salable", "template", "template.list_price",
              "template.code", "template._timestamp", "default_uom", "default_uom.symbol", "account_category",
              "categories", "categories.name")
    keys: ClassVar[Mapping[str, str]] = {"code": "code", "name": "name"}
    writable = True
    companions: ClassVar[Mapping[str, str]] = {"product.template": "products"}
    read_only = frozenset({"template_id", "currency", "category_names"})
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "name": ("text", True), "code": ("text", False), "list_price": ("number", False),
        "currency": ("text", False), "type": ("text", False), "salable": ("boolean", False),
        "unit": ("text", False), "category_ids": ("list", False), "description": ("text", False),
        "active": ("boolean", False),
    }

    def collect(self, hits: Mapping[str, list[Row]]) -> tuple[list[Record], list[str]]:
        # a template names its variants as a list: one companion row per variant
        flat = {name: [{**r, "products": p} for r in rows for p in (r.get("products") or [])]
                if name.startswith("product.template") else rows for name, rows in hits.items()}
        return super().collect(flat)

    def data(self, row: Row) -> dict[str, Any]:
        categories = row.get("categories.") or []
        return {
            "code": row.get("code"), "name": row.get("name"), "description": row.get("description"),
            "type": row.get("type"), "salable": as_bool(row.get("salable")),
            "list_price": nested(row, "template", "list_price"), "currency": self.models.company_currency(),
            "unit": nested(row, "default_uom", "symbol"), "account_category": row.get("account_category"),
            "category_ids": list(row.get("categories") or []),
            "category_names": [c.get("name") for c in categories if isinstance(c, dict)],
            "template_id": row.get("template"),
        }

    def version_entries(self, row: Row) -> dict[str, str]:
        template = row.get("template.") or {}
        return {**versions(self.model, [row]), **versions("product.template", [template] if template else [])}

    def template_values(self, payload: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, field in TEMPLATE_FIELDS.items():
            if key not in payload:
                continue
            value = payload[key]
            if key == "list_price":
                value = decimal(value, key)
            elif key == "salable":
                value = as_bool(value)
            elif key == "unit":
                value = self.models.code_id("product.uom", "symbol", str(value or self.options.unit), "unit",
                                            fold=False)
                values["sale_uom"] = value
            elif key == "category_ids":
                value = [["set", [self.tryton_id(v) for v in value or []]]]
            values[field] = value
        if creating:
            values.setdefault("type", "goods")
            values.setdefault("salable", True)
            if "default_uom" not in values:
                values["default_uom"] = values["sale_uom"] = self.models.code_id(
                    "product.uom", "symbol", self.options.unit, "unit", fold=False)
            if self.options.account_category is not None:
                values.setdefault("account_category", self.options.account_category)
        return values

    def product_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        values = self.passed(payload, known=TEMPLATE_FIELDS)
        if "active" in values:
            values["active"] = as_bool(values["active"])
        return values

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        if not str(payload.get("name") or "").strip():
            raise MappingError("a Tryton product needs a name", field="name")
        values = self.template_values(payload, creating=True)
        values["products"] = [["create", [self.product_values(payload)]]]
        return values

    def create_ids(self, values: Sequence[Mapping[str, Any]]) -> list[int]:
        """Creates templates with their variant; returns the variants' ids."""
        templates = self.models.create("product.template", values, "the create of products")
        rows = self.models.by_ids("product.template", templates, ["id", "products"])
        return [min(rows[t]["products"]) for t in templates]

    def remove(self, rid: int, timestamps: Mapping[str, str] | None) -> None:
        """Deletes the variant, and its template with it when it was the template's only one."""
        row = self.models.by_ids(self.model, [rid], ["id", "template", "template.products"]).get(rid)
        if row is None:
            return
        siblings = (row.get("template.") or {}).get("products") or []
        context = {"_timestamp": dict(timestamps)} if timestamps else None
        model, ids = ("product.template", [row["template"]]) if siblings == [rid] else (self.model, [rid])
        self.models.client.model(model, "delete", ids, what=f"the delete of products {rid}", context=context)

    def update(self, row: Row, payload: Mapping[str, Any], timestamps: Mapping[str, str] | None) -> None:
        values = changed(row, self.template_values(payload, creating=False))
        product = changed(row, self.product_values(payload))
        if product:
            values["products"] = [["write", [row["id"]], product]]
        if values:
            self.models.write("product.template", [row["template"]], values,
                              f"the update of products {row['id']}", timestamps)


class ProductGroups(Entity):
    name = "product_groups"
    model = "product.category"
    fields = ("name", "code", "parent", "parent.name", "accounting")
    keys: ClassVar[Mapping[str, str]] = {"name": "name", "code": "code"}
    has_active = False
    writable = True
    read_only = frozenset({"parent_name"})
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "name": ("text", True), "code": ("text", False), "parent_id": ("text", False),
        "accounting": ("boolean", False)}

    def data(self, row: Row) -> dict[str, Any]:
        return {"name": row.get("name"), "code": row.get("code"), "parent_id": row.get("parent"),
                "parent_name": nested(row, "parent", "name"), "accounting": as_bool(row.get("accounting"))}

    def create_values(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self.write_values({}, payload)

    def write_values(self, row: Row, payload: Mapping[str, Any]) -> dict[str, Any]:
        values = self.passed(payload, known=("parent_id",))
        if "parent_id" in payload:
            values["parent"] = self.tryton_id(payload["parent_id"]) if payload["parent_id"] else None
        if "accounting" in values:
            values["accounting"] = as_bool(values["accounting"])
        return values


class Currencies(Entity):
    name = "currencies"
    model = "currency.currency"
    fields = ("name", "code", "numeric_code", "symbol", "rate", "digits", "rounding")
    keys: ClassVar[Mapping[str, str]] = {"code": "code"}
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "code": ("text", True), "name": ("text", True), "symbol": ("text", False), "rate": ("number", False),
        "digits": ("number", False), "rounding": ("number", False)}

    def data(self, row: Row) -> dict[str, Any]:
        return {key: row.get(key) for key in self.fields}


class Warehouses(Entity):
    name = "warehouses"
    model = "stock.location"
    fields = ("name", "code", "address", "storage_location")
    domain = (("type", "=", "warehouse"),)
    keys: ClassVar[Mapping[str, str]] = {"code": "code", "name": "name"}
    described: ClassVar[Mapping[str, tuple[str, bool]]] = {
        "name": ("text", True), "code": ("text", False), "address_id": ("text", False)}

    def data(self, row: Row) -> dict[str, Any]:
        return {"name": row.get("name"), "code": row.get("code"), "address_id": row.get("address"),
                "storage_location_id": row.get("storage_location")}
