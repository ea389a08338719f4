"""Default mapping rows between the generic REST ERP dialect and a Perfex-style CRM database.

CRM names are Perfex's own columns (tblclients, tblcontacts, tblleads, tblprojects, tbltickets,
tblinvoices + tblitemable lines, tblitems, tblitems_groups). Decisions worth knowing:
- clients: Perfex keeps e-mail on contacts, so the client rows carry none; `default_currency` 0 means
  "the system default" in Perfex and is read as empty.
- products: the SKU lives in `commodity_code`, the column Perfex's Warehouse module adds to tblitems;
  the CRM price (`rate`) is in CRM currency 1, the Perfex default currency.
- picklists map Perfex's integer codes to the ERP's words; Perfex lead statuses are rows of
  tblleads_status, so their map assumes the demo CRM's ids 1..4 listed below.
- `userid` 0 on tickets and `group_id` 0 on products mean "none" in Perfex: used as defaults on import.
"""

from __future__ import annotations

from typing import Any

from erpsync_gui.entities import spec


def _text(crm: str, erp: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp or crm, "type": "text", "transform": ["strip"], **extra}


def _typed(crm: str, erp: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp, "type": type_, **extra}


def _lookup(crm: str, erp: str, entity: str, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp, "type": "lookup", "lookup": entity, **extra}


#: the demo CRM's tblleads_status rows: 1 Nou, 2 Contactat, 3 Ofertă trimisă, 4 Pierdut
LEAD_STATUSES = {"1": "new", "2": "contacted", "3": "qualified", "4": "lost"}
PROJECT_STATUSES = {"1": "not_started", "2": "in_progress", "3": "on_hold", "4": "cancelled", "5": "finished"}
TICKET_PRIORITIES = {"1": "low", "2": "medium", "3": "high", "4": "urgent"}
TICKET_STATUSES = {"1": "open", "2": "in_progress", "3": "answered", "4": "on_hold", "5": "closed"}
#: the CRM currency product prices are kept in (Perfex's default currency row)
CRM_PRICE_CURRENCY = 1


def _rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "clients": [
            _text("customer_number"),
            {**_text("company"), "transform": ["strip", "collapse_spaces"], "required": True},
            _text("vat"),
            _text("phonenumber", "phone"),
            _text("address"),
            _text("city"),
            _text("state", "county"),
            _text("country"),
            _text("zip"),
            _typed("default_currency", "currency_id", "currency"),
        ],
        "contacts": [
            _lookup("userid", "client_id", "clients", required=True),
            _text("firstname", "first_name"),
            _text("lastname", "last_name"),
            {**_text("email"), "transform": ["strip", "lower"]},
            _text("phonenumber", "phone"),
            _text("title", "position"),
            _typed("is_primary", "is_primary", "boolean"),
        ],
        "leads": [
            _text("name", required=True),
            _text("company"),
            {**_text("email"), "transform": ["strip", "lower"]},
            _text("phonenumber", "phone"),
            _typed("lead_value", "value", "number"),
            _typed("status", "status", "picklist", value_map=dict(LEAD_STATUSES)),
        ],
        "projects": [
            _lookup("clientid", "client_id", "clients", required=True),
            _text("name", required=True),
            _typed("status", "status", "picklist", value_map=dict(PROJECT_STATUSES)),
            _typed("start_date", "start_date", "date"),
            _typed("deadline", "deadline", "date"),
            _typed("project_cost", "budget", "number"),
        ],
        "tickets": [
            _lookup("userid", "client_id", "clients", default=0),
            _text("subject", required=True),
            _typed("message", "message", "text"),
            _typed("priority", "priority", "picklist", value_map=dict(TICKET_PRIORITIES)),
            _typed("status", "status", "picklist", value_map=dict(TICKET_STATUSES)),
        ],
        "invoices": [
            # Perfex keeps an integer number (and the prefix apart): "INV-2026-00001" arrives as 202600001
            _text("number", required=True, transform_to_crm=["strip", "digits_only"]),
            _lookup("clientid", "client_id", "clients", required=True),
            _typed("date", "date", "date"),
            _typed("duedate", "due_date", "date"),
            _typed("currency", "currency_id", "currency"),
            _typed("total", "total", "number"),
            # Perfex requires a subtotal; the ERP dialect has only the total (taxes live on the lines)
            _typed("subtotal", "total", "number", direction="import"),
            _typed("lines", "lines", "lines", fields=[
                _typed("description", "description", "text"),
                _typed("qty", "qty", "number"),
                _typed("rate", "unit_price", "number"),
            ]),
        ],
        "products": [
            _text("commodity_code", "sku", required=True),
            _text("description", "name", required=True),
            _typed("long_description", "description", "text"),
            _lookup("group_id", "group_id", "product_groups", default=0),
            _typed("rate", "prices", "price", currency=CRM_PRICE_CURRENCY),
        ],
        "product_groups": [
            _text("name", required=True),
        ],
    }


_MATCH_KEYS: dict[str, tuple[str, ...]] = {
    "clients": ("customer_number", "vat"),
    "contacts": ("email",),
    "leads": ("email",),
    "projects": ("name",),
    "tickets": (),
    "invoices": ("number",),
    "products": ("commodity_code",),
    "product_groups": ("name",),
}


def default_fields(entity: str) -> list[dict[str, Any]]:
    """Fresh default mapping rows for `entity` ([] for a known entity without defaults)."""
    spec(entity)  # unknown names raise ConfigError
    return _rows().get(entity, [])


def default_match_keys(entity: str) -> tuple[str, ...]:
    """CRM field names of the default rows used as natural keys, tried in order."""
    spec(entity)
    return _MATCH_KEYS.get(entity, ())
