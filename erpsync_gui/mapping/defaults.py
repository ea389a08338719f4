"""Default mapping rows between the generic REST ERP dialect and a Perfex CRM 2.7.3 database.

CRM names are stock Perfex's own columns (tblclients, tblcontacts, tblleads, tblprojects, tbltickets,
tblinvoices + tblitemable lines, tblestimates, tblitems, tblitems_groups, tblcurrencies,
tblcustomers_groups, tblinvoicepaymentrecords), so the same rows work on a fresh Perfex installation and on
the demo CRM. Decisions worth knowing:
- clients: Perfex keeps e-mail on contacts, so the client rows carry none; `default_currency` 0 means
  "the system default" in Perfex and is read as empty; the country is the ISO code (the SQL connector
  turns it into the tblcountries id); clients are matched by VAT code (stock Perfex has no customer number).
- invoices and estimates: Perfex numbers its own documents (prefix + next number from tbloptions); the
  number it shows for a document it made (`own_number`) becomes the ERP's number of that document; a
  document that came from the ERP keeps the ERP's number, and Perfex's never flows back over it.
  The status flows ERP -> CRM only: Perfex derives paid / partially paid / overdue from its own payments.
  A line's tax rate is Perfex's tblitem_tax rate (`taxrate`).
- contacts: `is_primary` flows ERP -> CRM only: Perfex keeps exactly one primary contact per client.
- leads: the status is left to Perfex's default lead status (each installation has its own statuses).
- products: stock Perfex items have no code, so the ERP's SKU is not kept; items are matched by name. The
  CRM price (`rate`) is in CRM currency 1, the Perfex default currency.
- tickets: stock Perfex has Low/Medium/High priorities: the ERP's "urgent" arrives as High, and the
  priority flows ERP -> CRM only (Perfex's High sent back would downgrade an urgent ERP ticket).
- `userid` 0 on tickets and `group_id` 0 on products mean "none" in Perfex: used as defaults on import.
- units, warehouses, stock and discount grids live in the smartcrm preset's tables (tblware_unit_type,
  tblwarehouse, tblinventory_manage, tblitem_client_group_discounts); a stock row is one product in one
  warehouse, its quantity kept as Perfex's Warehouse module keeps it, as text in inventory_number.
"""

from __future__ import annotations

from typing import Any

from erpsync_gui.entities import spec
from erpsync_gui.mapping import defaults_smartcrm as smartcrm


def _text(crm: str, erp: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp or crm, "type": "text", "transform": ["strip"], **extra}


def _typed(crm: str, erp: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp, "type": type_, **extra}


def _lookup(crm: str, erp: str, entity: str, **extra: Any) -> dict[str, Any]:
    return {"crm": crm, "erp": erp, "type": "lookup", "lookup": entity, **extra}


PROJECT_STATUSES = {"1": "not_started", "2": "in_progress", "3": "on_hold", "4": "finished", "5": "cancelled"}
#: stock Perfex's tbltickets_priorities: 1 Low, 2 Medium, 3 High
TICKET_PRIORITIES = {"1": "low", "2": "medium", "3": "high"}
TICKET_PRIORITIES_TO_CRM = {"low": 1, "medium": 2, "high": 3, "urgent": 3}
TICKET_STATUSES = {"1": "open", "2": "in_progress", "3": "answered", "4": "on_hold", "5": "closed"}
#: Perfex's invoice statuses, as the ERP names them (3 partially paid has no ERP word: it is unpaid there)
INVOICE_STATUSES_TO_CRM = {"unpaid": 1, "paid": 2, "overdue": 4, "cancelled": 5, "draft": 6}
#: the CRM currency product prices are kept in (Perfex's default currency row)
CRM_PRICE_CURRENCY = 1


def _document_rows() -> list[dict[str, Any]]:
    """Rows shared by invoices and estimates (orders)."""
    return [
        # the number Perfex gave a document it made (its prefix, its own sequence) becomes the ERP's number; a
        # document that came from the ERP keeps the ERP's number there
        _text("own_number", "number", direction="export"),
        _lookup("clientid", "client_id", "clients", required=True),
        _typed("date", "date", "date"),
        _typed("currency", "currency_id", "currency"),
        _typed("total", "total", "number"),
        _typed("lines", "lines", "lines", fields=[
            _typed("description", "description", "text"),
            _typed("qty", "qty", "number"),
            _typed("rate", "unit_price", "number"),
            _typed("taxrate", "tax_rate", "number"),
        ]),
    ]


def _rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "clients": [
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
            _typed("is_primary", "is_primary", "boolean", direction="import"),
        ],
        "leads": [
            _text("name", required=True),
            _text("company"),
            {**_text("email"), "transform": ["strip", "lower"]},
            _text("phonenumber", "phone"),
            _typed("lead_value", "value", "number"),
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
            # ERP -> CRM only: stock Perfex's three priorities cannot hold the ERP's four, and sending Perfex's
            # "High" back would turn an urgent ERP ticket into a high one
            _typed("priority", "priority", "picklist", value_map=dict(TICKET_PRIORITIES),
                   value_map_to_crm=dict(TICKET_PRIORITIES_TO_CRM), direction="import"),
            _typed("status", "status", "picklist", value_map=dict(TICKET_STATUSES)),
        ],
        "invoices": [
            *_document_rows()[:3],
            _typed("duedate", "due_date", "date"),
            *_document_rows()[3:],
            _typed("status", "status", "picklist", direction="import",
                   value_map_to_crm=dict(INVOICE_STATUSES_TO_CRM),
                   value_map={str(v): k for k, v in INVOICE_STATUSES_TO_CRM.items()}),
        ],
        "orders": _document_rows(),
        "products": [
            _text("description", "name", required=True),
            _typed("long_description", "description", "text"),
            _lookup("group_id", "group_id", "product_groups", default=0),
            _typed("rate", "prices", "price", currency=CRM_PRICE_CURRENCY),
        ],
        "product_groups": [
            _text("name", required=True),
        ],
        "currencies": [
            {**_text("name", "code"), "transform": ["strip", "upper"], "required": True},
            _text("symbol", required=True),
        ],
        "client_groups": [
            _text("name", required=True),
        ],
        # the smartcrm preset's tables (the Warehouse module's and the CRM module's)
        "units": [
            _text("unit_code", "code", required=True),
            _text("unit_name", "name"),
        ],
        "warehouses": [
            _text("warehouse_code", "code", required=True),
            _text("warehouse_name", "name"),
        ],
        "stock": [
            _lookup("commodity_id", "product_id", "products", required=True),
            _lookup("warehouse_id", "warehouse_id", "warehouses", required=True),
            _text("inventory_number", "quantity"),
        ],
        "discount_grids": [
            _lookup("client_group_id", "client_group_id", "client_groups", required=True),
            _lookup("item_group_id", "product_group_id", "product_groups"),
            _typed("discount_percent", "discount_percent", "number"),
        ],
        "payments": [
            _lookup("invoiceid", "invoice_id", "invoices", required=True),
            _typed("amount", "amount", "number", required=True),
            _typed("date", "date", "date"),
            _text("paymentmethod", "method"),
        ],
    }


_MATCH_KEYS: dict[str, tuple[str, ...]] = {
    "clients": ("vat",),
    "contacts": ("email",),
    "leads": ("email",),
    "projects": ("name",),
    "tickets": (),
    "invoices": ("own_number",),
    "orders": ("own_number",),
    "products": ("description",),
    "product_groups": ("name",),
    "currencies": ("name",),
    "client_groups": ("name",),
    "payments": (),
    "units": ("unit_code",),
    "warehouses": ("warehouse_code",),
    "stock": (),
    "discount_grids": (),
}


def _optional_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        # the client's customer group (tblcustomer_groups): needs the client groups synced before the clients
        "clients": [_lookup("customer_group", "group_id", "client_groups")],
    }


def optional_fields(entity: str) -> list[dict[str, Any]]:
    """Rows a profile may add to the defaults once the entities they point at are synced first (the wizard
    offers them); [] for an entity without any."""
    spec(entity)
    return _optional_rows().get(entity, [])


def default_fields(entity: str, preset: str = "perfex") -> list[dict[str, Any]]:
    """Fresh default mapping rows for `entity` in the CRM tables of `preset` ([] for a known entity without
    defaults); the smartcrm preset has rows of its own where its tables differ from Perfex's."""
    spec(entity)  # unknown names raise ConfigError
    rows = _rows()
    if preset == "smartcrm":
        rows.update(smartcrm.rows(rows))
    return rows.get(entity, [])


def default_match_keys(entity: str, preset: str = "perfex") -> tuple[str, ...]:
    """CRM field names of the default rows used as natural keys, tried in order."""
    spec(entity)
    if preset == "smartcrm" and entity in smartcrm.MATCH_KEYS:
        return smartcrm.MATCH_KEYS[entity]
    return _MATCH_KEYS.get(entity, ())
