"""The demo CRM's reference rows and side rows, as a Perfex installation holds them: countries, settings,
statuses, a department, a tax, a payment mode, a staff member; contact permissions and project settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from erpsync_gui.connectors.perfex.php import serialize_flags
from erpsync_gui.connectors.perfex.projects import PROJECT_TABS, SETTING_NAMES
from erpsync_gui.sandbox import demo_crm_schema as s

#: a few of Perfex's tblcountries rows (its ids), the ones the demo's clients live in
COUNTRIES = [(15, "AT", "Austria", "AUT"), (76, "FR", "France", "FRA"), (83, "DE", "Germany", "DEU"),
             (104, "IR", "Iran", "IRN"), (181, "RO", "Romania", "ROU")]
COUNTRY_IDS = {iso2: country_id for country_id, iso2, _name, _iso3 in COUNTRIES}
PREFIX = "INV-"
ESTIMATE_PREFIX = "EST-"
#: PHP's serialize() of the six contact permission ids: every permission for a new contact
ALL_PERMISSIONS = 'a:6:{i:0;s:1:"1";i:1;s:1:"2";i:2;s:1:"3";i:3;s:1:"4";i:4;s:1:"5";i:5;s:1:"6";}'
VAT_RATE = 19


def options(next_invoice: int, next_estimate: int) -> dict[str, str]:
    return {"invoice_prefix": PREFIX, "next_invoice_number": str(next_invoice), "invoice_number_format": "1",
            "number_padding_prefixes": "6", "estimate_prefix": ESTIMATE_PREFIX,
            "next_estimate_number": str(next_estimate), "estimate_number_format": "1",
            "leads_default_status": "2", "leads_default_source": "1", "default_timezone": "UTC",
            "default_contact_permissions": ALL_PERMISSIONS}


def seed_reference_rows(conn: Connection) -> None:
    conn.execute(s.COUNTRIES.insert(), [{"country_id": i, "iso2": iso2, "short_name": name, "long_name": name,
                                         "iso3": iso3} for i, iso2, name, iso3 in COUNTRIES])
    conn.execute(s.TICKETS_STATUS.insert(), [
        {"ticketstatusid": i, "name": n, "isdefault": 1, "statusorder": i}
        for i, n in enumerate(("Open", "In progress", "Answered", "On Hold", "Closed"), 1)])
    conn.execute(s.TICKETS_PRIORITIES.insert(), [{"priorityid": i, "name": n}
                                                 for i, n in enumerate(("Low", "Medium", "High"), 1)])
    conn.execute(s.DEPARTMENTS.insert(), [{"departmentid": 1, "name": "Suport", "email": "suport@crm-demo.example"}])
    conn.execute(s.TAXES.insert(), [{"id": 1, "name": "TVA", "taxrate": VAT_RATE}])
    conn.execute(s.PAYMENT_MODES.insert(), [{"id": 1, "name": "Bank", "active": 1}])
    conn.execute(s.STAFF.insert(), [{"staffid": 1, "email": "admin@crm-demo.example", "firstname": "Ana",
                                     "lastname": "Ionescu", "password": "!", "admin": 1, "active": 1,
                                     "datecreated": datetime(2025, 1, 5, 9, 0)}])


def write_options(conn: Connection, next_invoice: int, next_estimate: int) -> None:
    conn.execute(s.OPTIONS.insert(), [{"name": k, "value": v, "autoload": 1}
                                      for k, v in options(next_invoice, next_estimate).items()])


def contact_permissions(contacts: Sequence[int]) -> list[dict[str, int]]:
    return [{"userid": c, "permission_id": p} for c in contacts for p in range(1, 7)]


def project_settings(projects: Sequence[int]) -> list[dict[str, object]]:
    """The settings Perfex's form gives a new project: every one checked but hide_tasks_on_main_tasks_table."""
    rows = []
    for project in projects:
        for name in SETTING_NAMES:
            if name == "available_features":
                value = serialize_flags(dict.fromkeys(PROJECT_TABS, 1))
            else:
                value = "0" if name == "hide_tasks_on_main_tasks_table" else "1"
            rows.append({"project_id": project, "name": name, "value": value})
    return rows
