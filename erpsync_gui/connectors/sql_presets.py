"""Table presets for the SQL connector: which table and columns hold each entity in a known CRM schema.

A preset only proposes names; `sql_schema` checks every one against the reflected database and keeps
what exists. "perfex" follows Perfex CRM as extended by the CRMConnect module (external_id +
external_channel marker columns, customer_number on clients).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: columns that, when a table has one, make it a cursor table (first match wins)
UPDATED_CANDIDATES = (
    "updated_at", "last_updated", "dateupdated", "date_updated", "lastupdated", "modified_at",
)
#: columns filled with the current time on create when the payload leaves them out
CREATED_CANDIDATES = ("datecreated", "dateadded", "created_at", "date_created")
#: the origin marker columns CRMConnect adds to the tables it syncs
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
class EntityPreset:
    table: str
    id: str = "id"
    #: natural-key candidates; only those present in the table are offered
    key_fields: tuple[str, ...] = ()
    updated: tuple[str, ...] = UPDATED_CANDIDATES
    created: tuple[str, ...] = CREATED_CANDIDATES
    children: tuple[ChildPreset, ...] = ()


def _lines(rel_type: str) -> ChildPreset:
    return ChildPreset("lines", "tblitemable", "rel_id", {"rel_type": rel_type}, "item_order")


PERFEX: dict[str, EntityPreset] = {
    "clients": EntityPreset("tblclients", "userid", ("customer_number", "vat", "company")),
    # contacts.userid is the client's id (the FK), contacts.id the contact's own
    "contacts": EntityPreset("tblcontacts", "id", ("email",)),
    "leads": EntityPreset("tblleads", "id", ("email", "name")),
    "projects": EntityPreset("tblprojects", "id", ("name",),
                             created=("project_created", *CREATED_CANDIDATES)),
    "tickets": EntityPreset("tbltickets", "ticketid", ("subject",), created=("date", *CREATED_CANDIDATES)),
    "invoices": EntityPreset("tblinvoices", "id", ("number",), children=(_lines("invoice"),)),
    "orders": EntityPreset("tblestimates", "id", ("number",), children=(_lines("estimate"),)),
    "products": EntityPreset("tblitems", "id", ("commodity_code", "description")),
    "product_groups": EntityPreset("tblitems_groups", "id", ("name",)),
    "currencies": EntityPreset("tblcurrencies", "id", ("name",)),
    "client_groups": EntityPreset("tblcustomers_groups", "id", ("name",)),
    "payments": EntityPreset("tblinvoicepaymentrecords", "id", ("transactionid",), created=("daterecorded",)),
    "warehouses": EntityPreset("tblwarehouse", "warehouse_id", ("warehouse_code", "warehouse_name")),
}

PRESETS: dict[str, dict[str, EntityPreset]] = {"perfex": PERFEX, "none": {}}


def preset_named(name: str) -> dict[str, EntityPreset]:
    """The preset's entity table, or ConfigError naming the presets that exist."""
    try:
        return PRESETS[name]
    except KeyError:
        from erpsync_gui.errors import ConfigError

        raise ConfigError(
            f"Unknown SQL preset {name!r}", hint=f"known presets: {', '.join(PRESETS)}"
        ) from None
