"""Table presets for the SQL connector: which table and columns hold each entity in a known CRM schema.

A preset only proposes names; `sql_schema` checks every one against the reflected database and keeps
what exists. "perfex" follows Perfex CRM 2.7.3 as its own installer creates it ("smartcrm" adds the tables of
the advanced entities the product's CRM module syncs, with Perfex's rules); the CRM module of the
product's source adds the origin marker (external_id + external_channel) to the tables it syncs, which
stock Perfex has not (`sql_markers` writes the DDL that adds them). A preset may bring rules of its own
(defaults, numbering, side rows): `rules_for` builds them; the generic connector only calls their hooks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from erpsync_gui.errors import ConfigError

if TYPE_CHECKING:
    from erpsync_gui.connectors.sql_rules import PresetRules

#: columns that, when a table has one, make it a cursor table (first match wins)
UPDATED_CANDIDATES = (
    "updated_at", "last_updated", "dateupdated", "date_updated", "lastupdated", "modified_at",
)
#: columns filled with the current time on create when the payload leaves them out
CREATED_CANDIDATES = ("datecreated", "dateadded", "created_at", "date_created")
#: the origin marker columns the CRM module adds to the tables it syncs
MARKER_ID = "external_id"
MARKER_CHANNEL = "external_channel"


@dataclass(frozen=True)
class ChildPreset:
    """A child table read and written with its parent, e.g. invoice lines."""

    name: str  # key in Record.data and in payloads
    table: str
    fk: str  # column holding the parent's id
    #: columns with one fixed value for this parent kind (Perfex's polymorphic rel_type)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    order_by: str | None = None


@dataclass(frozen=True)
class Reference:
    """A column holding the id of a row of a lookup table that the connector shows by a code instead: Perfex's
    `country` holds a tblcountries id and is read and written as the ISO code in `iso2`."""

    table: str
    id: str
    code: str
    #: the stored value that means "none" (Perfex writes 0 for no country)
    none: Any = 0


@dataclass(frozen=True)
class EntityPreset:
    table: str
    id: str = "id"
    #: natural-key candidates; only those present in the table are offered
    key_fields: tuple[str, ...] = ()
    updated: tuple[str, ...] = UPDATED_CANDIDATES
    created: tuple[str, ...] = CREATED_CANDIDATES
    children: tuple[ChildPreset, ...] = ()
    #: columns read and written by a code of another table (column name -> reference)
    references: Mapping[str, Reference] = field(default_factory=dict)
    #: the entity has no natural key a lost create could be found again by: until the table carries the
    #: origin marker, the connector refuses to create its records rather than risk a duplicate
    keyless: bool = False


def _lines(rel_type: str) -> ChildPreset:
    return ChildPreset("lines", "tblitemable", "rel_id", {"rel_type": rel_type}, "item_order")


_COUNTRY = Reference("tblcountries", "country_id", "iso2", 0)
_ADDRESS = {"billing_country": _COUNTRY, "shipping_country": _COUNTRY}

PERFEX: dict[str, EntityPreset] = {
    # customer_number is not a Perfex column: it is offered as a key where the CRM module keeps it
    "clients": EntityPreset("tblclients", "userid", ("customer_number", "vat", "company"),
                            references={"country": _COUNTRY, **_ADDRESS}),
    # contacts.userid is the client's id (the FK), contacts.id the contact's own
    "contacts": EntityPreset("tblcontacts", "id", ("email",)),
    "leads": EntityPreset("tblleads", "id", ("email", "name"), references={"country": _COUNTRY}),
    "projects": EntityPreset("tblprojects", "id", ("name",),
                             created=("project_created", *CREATED_CANDIDATES)),
    "tickets": EntityPreset("tbltickets", "ticketid", (), created=("date", *CREATED_CANDIDATES), keyless=True),
    "invoices": EntityPreset("tblinvoices", "id", ("number",), children=(_lines("invoice"),),
                             references=_ADDRESS),
    "orders": EntityPreset("tblestimates", "id", ("number",), children=(_lines("estimate"),),
                           references=_ADDRESS),
    "products": EntityPreset("tblitems", "id", ("commodity_code", "description")),
    "product_groups": EntityPreset("tblitems_groups", "id", ("name",)),
    "currencies": EntityPreset("tblcurrencies", "id", ("name",)),
    "client_groups": EntityPreset("tblcustomers_groups", "id", ("name",)),
    "payments": EntityPreset("tblinvoicepaymentrecords", "id", (), created=("daterecorded",), keyless=True),
    # the Warehouse module's table: absent from stock Perfex
    "warehouses": EntityPreset("tblwarehouse", "warehouse_id", ("warehouse_code", "warehouse_name")),
}

#: Perfex with the tables the product's CRM module syncs its advanced entities into: the Warehouse module's
#: units (tblware_unit_type), warehouses and stock (tblinventory_manage: one row per product and warehouse,
#: its quantity in inventory_number), and the module's own client groups (tbldiscount_groups) and discount
#: grids (tblitem_client_group_discounts: one row per client group and product or product group), and the Omni
#: Sales module's orders (tblcart + tblcart_detailt) in place of Perfex's estimates
SMARTCRM: dict[str, EntityPreset] = {
    **PERFEX,
    "units": EntityPreset("tblware_unit_type", "unit_type_id", ("unit_code", "unit_name")),
    "stock": EntityPreset("tblinventory_manage", "id", (), keyless=True),
    "client_groups": EntityPreset("tbldiscount_groups", "id", ("name",)),
    "discount_grids": EntityPreset("tblitem_client_group_discounts", "id", (), keyless=True),
    # a product's prices per warehouse and currency: one row of the CRM module's tblitem_prices each, written with
    # the product as its child rows (tblitems.rate keeps Perfex's one price in its default currency)
    "products": dataclasses.replace(PERFEX["products"],
                                    children=(ChildPreset("prices", "tblitem_prices", "item_id"),)),
    # the Omni Sales module's sales orders: the ERP's orders and proformas, numbered by the ERP (order_number),
    # dated by datecreator, their lines in tblcart_detailt (cart_id: the order's id), written with the order
    "orders": EntityPreset("tblcart", "id", ("order_number",), created=("datecreator", *CREATED_CANDIDATES),
                           children=(ChildPreset("lines", "tblcart_detailt", "cart_id"),)),
}

PRESETS: dict[str, dict[str, EntityPreset]] = {"perfex": PERFEX, "smartcrm": SMARTCRM, "none": {}}


def preset_named(name: str) -> dict[str, EntityPreset]:
    """The preset's entity table, or ConfigError naming the presets that exist."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown SQL preset {name!r}", hint=f"known presets: {', '.join(PRESETS)}"
        ) from None


def rules_for(name: str, options: Mapping[str, Any]) -> PresetRules:
    """The preset's own rules (Perfex's defaults, numbering and side rows); no-op rules for the others."""
    preset_named(name)
    if name in ("perfex", "smartcrm"):
        from erpsync_gui.connectors.perfex.rules import PerfexRules

        return PerfexRules(options)
    from erpsync_gui.connectors.sql_rules import PresetRules

    return PresetRules()
