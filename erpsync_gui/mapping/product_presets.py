"""The product's own two declarations, read off its default mapping rows (mapping/defaults.py): the Perfex CRM
tables hold each row's CRM field, the generic REST ERP holds its ERP field under the same name. The REST ERP's
names are therefore the common names, and the pair Perfex ↔ REST ERP composes to exactly the default rows.

COMMON_FIELDS lists the common names: the REST ERP's, plus the ones other systems hold that the REST dialect
has no field for (a client's e-mail and customer number, a line's product and amount ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from erpsync_gui.entities import ENTITIES
from erpsync_gui.mapping.defaults import default_fields, default_match_keys
from erpsync_gui.mapping.presets import EntityFields, Held, KindPresets, text

#: common names beyond the default rows' ERP names, per entity
_EXTRA: dict[str, tuple[str, ...]] = {
    "clients": ("customer_number", "email", "mobile", "website"),  # the name is `company`
    "contacts": ("mobile",),
    "products": ("code", "unit_price"),
    "product_groups": ("code",),
    "orders": ("status",),
}
#: (entity, CRM field) -> the common name of a row whose ERP field another row already names: the smartcrm
#: products' price rows per warehouse and currency read the same ERP price list as Perfex's one `rate`
_ALIASES: dict[tuple[str, str], str] = {("products", "prices"): "price_rows"}
#: the CRM table presets whose default rows the ERP's declaration covers too
_PRESETS = ("perfex", "smartcrm")


def _common(name: str, row: Mapping[str, Any]) -> str:
    return _ALIASES.get((name, row["crm"]), row["erp"])
#: the common names of a line: a document's, and a price list's (a product's price in a warehouse and currency)
LINE_FIELDS = ("description", "qty", "unit_price", "tax_rate", "product_id", "product_code", "amount",
               "warehouse_id", "currency_id", "price")


def _common_fields() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name in ENTITIES:
        own = tuple(_common(name, r) for preset in _PRESETS for r in default_fields(name, preset))
        out[name] = tuple(dict.fromkeys((*own, *_EXTRA.get(name, ()))))
    return out


#: the product's common field names per entity (the generic REST ERP's names, and a few more)
COMMON_FIELDS: Mapping[str, tuple[str, ...]] = _common_fields()


def _crm_held(row: Mapping[str, Any]) -> Held:
    direction = row.get("direction", "both")
    return Held(row["crm"], row.get("type", "text"), source=direction != "import", target=direction != "export",
                required=bool(row.get("required")), transform=tuple(row.get("transform") or ()),
                to_common=dict(row.get("value_map") or {}), from_common=row.get("value_map_to_crm"),
                default=row.get("default"), lookup=row.get("lookup"), currency=row.get("currency"),
                lines=tuple((sub["erp"], _crm_held(sub)) for sub in row.get("fields") or ()))


def _erp_held(rows: list[Mapping[str, Any]]) -> Held:
    """The ERP's field the rows (of each preset) read, with the union of their lines' fields."""
    subs: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        for sub in row.get("fields") or ():
            subs.setdefault(sub["erp"], []).append(sub)
    return Held(rows[0]["erp"], rows[0].get("type", "text"),
                lines=tuple((common, _erp_held(held)) for common, held in subs.items()))


def _keys(name: str, preset: str = "perfex") -> tuple[str, ...]:
    by_crm = {r["crm"]: r["erp"] for r in default_fields(name, preset)}
    return tuple(by_crm[k] for k in default_match_keys(name, preset) if k in by_crm)


def perfex_presets(*, customer_number: bool = False, preset: str = "perfex") -> KindPresets:
    """The Perfex CRM tables' declaration, with the default rows of the table preset `preset` ("smartcrm" keeps
    orders and product prices in tables of its own, an order line with its product's code in `sku`);
    `customer_number` for the CRM module's tblclients.customer_number, which stock Perfex has not (offered as the
    first key, the ERP's customer number kept in the CRM)."""
    entities: dict[str, EntityFields] = {}
    for name in ENTITIES:
        rows = default_fields(name, preset)
        if not rows:
            continue
        fields = tuple((_common(name, r), _crm_held(r)) for r in rows)
        keys = _keys(name, preset)
        if name == "clients":
            keys = (*keys, "company")  # after the VAT code: where the other side keeps names unique
            if customer_number:
                fields = (("customer_number", text("customer_number")), *fields)
                keys = ("customer_number", *keys)
        # Perfex's own fields that other systems hold under common names the REST dialect has no field for
        if name == "products":
            fields += (("unit_price", Held("rate", "number")),)
        if name == "orders" and preset == "smartcrm":  # the Omni Sales order line keeps its product's code
            fields = tuple((common, _more_lines(h, ("product_code", text("sku")))) if common == "lines" else
                           (common, h) for common, h in fields)
        entities[name] = EntityFields(fields, keys)
    return KindPresets(entities)


def _more_lines(lines: Held, *more: tuple[str, Held]) -> Held:
    return dataclasses.replace(lines, lines=(*lines.lines, *more))


def rest_erp_presets() -> KindPresets:
    """The generic REST ERP's declaration: every default row's ERP field (of each CRM table preset), under its
    own name or the row's alias."""
    entities: dict[str, EntityFields] = {}
    for name in ENTITIES:
        held: dict[str, list[Mapping[str, Any]]] = {}
        for preset in _PRESETS:
            for row in default_fields(name, preset):
                held.setdefault(_common(name, row), []).append(row)
        if held:
            entities[name] = EntityFields(tuple((common, _erp_held(rows)) for common, rows in held.items()),
                                          _keys(name))
    return KindPresets(entities)
