"""The catalogue of entities the product knows, with their defaults.

A profile may configure any of them; the engine treats them all alike. `advanced` entities are the
ones the generic REST ERP serves only with the client token (the seed's "v2" sync).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from erpsync_gui.records import Direction

#: the longest display name shown for a record (a long description is cut with an ellipsis)
NAME_LIMIT = 60


@dataclass(frozen=True)
class EntitySpec:
    name: str
    label: str
    default_direction: Direction = Direction.BOTH
    advanced: bool = False
    #: entities whose links must exist first (lookups point at them)
    depends_on: tuple[str, ...] = ()
    #: the fields that name a record for people, tried in order, in the CRM's field names (a mapping row
    #: translates them for the other side); "a+b" joins two fields with a space (first and last name)
    display: tuple[str, ...] = ()


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("clients", "Clients", display=("company", "name", "customer_number")),
        EntitySpec("contacts", "Contacts", depends_on=("clients",), display=("firstname+lastname", "email")),
        EntitySpec("leads", "Leads", display=("name", "company", "email")),
        EntitySpec("projects", "Projects", depends_on=("clients",), display=("name",)),
        EntitySpec("tickets", "Tickets", depends_on=("clients",), display=("subject",)),
        EntitySpec("invoices", "Invoices", depends_on=("clients", "products"), display=("number", "prefix+number")),
        EntitySpec("product_groups", "Product groups", Direction.IMPORT, advanced=True, display=("name",)),
        EntitySpec("products", "Products", Direction.IMPORT, advanced=True,
                   depends_on=("product_groups", "currencies", "warehouses"),
                   display=("description", "name", "commodity_code")),
        EntitySpec("units", "Units", Direction.IMPORT, advanced=True, display=("name", "code")),
        EntitySpec("currencies", "Currencies", Direction.IMPORT, advanced=True, display=("name", "code")),
        EntitySpec("warehouses", "Warehouses", Direction.IMPORT, advanced=True, display=("name", "code")),
        EntitySpec("stock", "Stock per warehouse", Direction.IMPORT, advanced=True,
                   depends_on=("products", "warehouses"), display=("product+warehouse",)),
        EntitySpec("client_groups", "Client groups", Direction.IMPORT, advanced=True, display=("name",)),
        EntitySpec("discount_grids", "Discount grids", Direction.IMPORT, advanced=True,
                   depends_on=("client_groups", "products"), display=("name",)),
        EntitySpec("orders", "Orders / proformas", Direction.IMPORT, advanced=True,
                   depends_on=("clients", "products"), display=("number",)),
        EntitySpec("payments", "Payments", Direction.IMPORT, depends_on=("invoices",),
                   display=("transactionid", "reference", "number")),
    )
}

#: the five the seed syncs on its schedule, in dependency order
MAIN_ENTITIES = ("clients", "leads", "projects", "tickets", "invoices")


def spec(name: str) -> EntitySpec:
    try:
        return ENTITIES[name]
    except KeyError:
        known = ", ".join(ENTITIES)
        from erpsync_gui.errors import ConfigError

        raise ConfigError(f"Unknown entity {name!r}", hint=f"known entities: {known}") from None


def label(name: str) -> str:
    """The entity's name for people ("Product groups"); an entity outside the catalogue keeps its own name."""
    known = ENTITIES.get(name)
    return known.label if known else name.replace("_", " ").capitalize()


def display_name(entity: str, data: Mapping[str, Any], renamed: Mapping[str, str] | None = None) -> str | None:
    """The record's name for people: the first of the entity's display fields that holds a value, or None.

    `renamed` maps the catalogue's (CRM) field names to the names in `data` when the record is another
    side's (an ERP record, a payload written to the ERP); names it does not list are looked up as they are."""
    known = ENTITIES.get(entity)
    for choice in known.display if known else ("name",):
        parts = [_text(data.get((renamed or {}).get(part, part))) for part in choice.split("+")]
        text = " ".join(part for part in parts if part)
        if text:
            return text if len(text) <= NAME_LIMIT else text[:NAME_LIMIT - 1].rstrip() + "…"
    return None


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list | tuple | bool):
        return ""
    return " ".join(str(value).split())
