"""The product's own two declarations, read off its default mapping rows (mapping/defaults.py, per table preset):
the Perfex CRM tables hold each row's CRM field, the generic REST ERP holds its ERP field under the same name.
The REST ERP's names are therefore the common names, and the pair Perfex (or smartcrm) ↔ REST ERP composes to
exactly the preset's default rows.

COMMON_FIELDS lists the common names: the REST ERP's, plus the ones other systems hold that the REST dialect
has no field for (a client's e-mail and customer number, a line's product and amount ...).
"""

from __future__ import annotations

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
#: the common names of a document line
LINE_FIELDS = ("description", "qty", "unit_price", "tax_rate", "product_id", "product_code", "amount")
#: the table presets whose default rows the product declares
TABLE_PRESETS = ("perfex", "smartcrm")


def _rows(name: str) -> list[dict[str, Any]]:
    """The default rows of every table preset for `name`, the first preset's first."""
    return [r for preset in TABLE_PRESETS for r in default_fields(name, preset)]


def _common_fields() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name in ENTITIES:
        own = tuple(r["erp"] for r in _rows(name))
        out[name] = tuple(dict.fromkeys((*own, *_EXTRA.get(name, ()))))
    return out


def _common_lines() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name in ENTITIES:
        for row in _rows(name):
            if row.get("fields"):
                key = f"{name}.{row['erp']}"
                out[key] = tuple(dict.fromkeys((*out.get(key, LINE_FIELDS), *(sub["erp"] for sub in row["fields"]))))
    return out


#: the product's common field names per entity (the generic REST ERP's names, and a few more)
COMMON_FIELDS: Mapping[str, tuple[str, ...]] = _common_fields()
#: the common names of the items of a list field ("invoices.lines", "products.prices")
COMMON_LINES: Mapping[str, tuple[str, ...]] = _common_lines()


def _crm_held(row: Mapping[str, Any]) -> Held:
    direction = row.get("direction", "both")
    return Held(row["crm"], row.get("type", "text"), source=direction != "import", target=direction != "export",
                required=bool(row.get("required")), transform=tuple(row.get("transform") or ()),
                to_common=dict(row.get("value_map") or {}), from_common=row.get("value_map_to_crm"),
                default=row.get("default"), lookup=row.get("lookup"), currency=row.get("currency"),
                lines=tuple((sub["erp"], _crm_held(sub)) for sub in row.get("fields") or ()))


def _erp_held(row: Mapping[str, Any]) -> Held:
    return Held(row["erp"], row.get("type", "text"),
                lines=tuple((sub["erp"], _erp_held(sub)) for sub in row.get("fields") or ()))


def _keys(name: str, preset: str) -> tuple[str, ...]:
    by_crm = {r["crm"]: r["erp"] for r in default_fields(name, preset)}
    return tuple(by_crm[k] for k in default_match_keys(name, preset) if k in by_crm)


def perfex_presets(preset: str = "perfex") -> KindPresets:
    """The declaration of the Perfex CRM tables of a table preset; smartcrm's clients also keep the ERP's
    customer number (the CRM module's tblclients.customer_number, offered as the first key)."""
    entities: dict[str, EntityFields] = {}
    for name in ENTITIES:
        rows = default_fields(name, preset)
        if not rows:
            continue
        fields = tuple((r["erp"], _crm_held(r)) for r in rows)
        keys = _keys(name, preset)
        if name == "clients":
            keys = (*keys, "company")  # after the VAT code: where the other side keeps names unique
            if preset == "smartcrm":
                fields = (("customer_number", text("customer_number")), *fields)
                keys = ("customer_number", *keys)
        # Perfex's own fields that other systems hold under common names the REST dialect has no field for
        if name == "products":
            fields += (("unit_price", Held("rate", "number")),)
        entities[name] = EntityFields(fields, keys)
    return KindPresets(entities)


def _merged(first: Held | None, second: Held) -> Held:
    """One ERP field the presets' rows use twice (a product's `prices` as one price and as a price list)."""
    if first is None:
        return second
    lines = dict(first.lines)
    for common, held in second.lines:
        lines.setdefault(common, held)
    kind = "lines" if "lines" in (first.type, second.type) else first.type
    return Held(first.field, kind, lines=tuple(lines.items()))


def rest_erp_presets() -> KindPresets:
    """The generic REST ERP's declaration: every default row's ERP field (of every table preset), under its own
    name."""
    entities: dict[str, EntityFields] = {}
    for name in ENTITIES:
        fields: dict[str, Held] = {}
        for row in _rows(name):
            fields[row["erp"]] = _merged(fields.get(row["erp"]), _erp_held(row))
        if fields:
            keys = tuple(dict.fromkeys(k for preset in TABLE_PRESETS for k in _keys(name, preset)))
            entities[name] = EntityFields(tuple(fields.items()), keys)
    return KindPresets(entities)
