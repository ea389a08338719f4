"""The catalogue of entities the product knows, with their defaults.

A profile may configure any of them; the engine treats them all alike. `advanced` entities are the
ones the generic REST ERP serves only with the client token (the seed's "v2" sync).
"""

from __future__ import annotations

from dataclasses import dataclass

from erpsync_gui.records import Direction


@dataclass(frozen=True)
class EntitySpec:
    name: str
    label: str
    default_direction: Direction = Direction.BOTH
    advanced: bool = False
    #: entities whose links must exist first (lookups point at them)
    depends_on: tuple[str, ...] = ()


ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("clients", "Clients"),
        EntitySpec("contacts", "Contacts", depends_on=("clients",)),
        EntitySpec("leads", "Leads"),
        EntitySpec("projects", "Projects", depends_on=("clients",)),
        EntitySpec("tickets", "Tickets", depends_on=("clients",)),
        EntitySpec("invoices", "Invoices", depends_on=("clients", "products")),
        EntitySpec("product_groups", "Product groups", Direction.IMPORT, advanced=True),
        EntitySpec("products", "Products", Direction.IMPORT, advanced=True,
                   depends_on=("product_groups", "currencies")),
        EntitySpec("units", "Units", Direction.IMPORT, advanced=True),
        EntitySpec("currencies", "Currencies", Direction.IMPORT, advanced=True),
        EntitySpec("warehouses", "Warehouses", Direction.IMPORT, advanced=True),
        EntitySpec("stock", "Stock per warehouse", Direction.IMPORT, advanced=True,
                   depends_on=("products", "warehouses")),
        EntitySpec("client_groups", "Client groups", Direction.IMPORT, advanced=True),
        EntitySpec("discount_grids", "Discount grids", Direction.IMPORT, advanced=True,
                   depends_on=("client_groups", "products")),
        EntitySpec("orders", "Orders / proformas", Direction.IMPORT, advanced=True,
                   depends_on=("clients", "products")),
        EntitySpec("payments", "Payments", Direction.IMPORT, depends_on=("invoices",)),
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
