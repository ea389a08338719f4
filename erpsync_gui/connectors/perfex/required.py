"""Values Perfex requires (NOT NULL without a default) that a mapping may leave empty: what Perfex's own code
writes there, or the database's own row where Perfex needs a reference.

What Perfex's models write when they insert (Perfex 2.7, application/models):
  - Invoices_model::add: ``$data['addedfrom'] = !DEFINED('CRON') ? get_staff_user_id() : 0;``
    ``$data['hash'] = app_generate_hash();``; map_shipping_columns(): ``$data['include_shipping'] = 0`` when
    no shipping is given; the form posts discount_type '' when there is no discount.
  - Estimates_model::add: addedfrom, include_shipping and hash the same way.
  - Leads_model::add: ``$data['hash'] = app_generate_hash();`` addedfrom the staff member; the status and source
    forms preselect get_option('leads_default_status') / get_option('leads_default_source'), and the settings
    page offers every status but the converted-customer one (isdefault = 1).
  - Tickets_model::add: ``$data['ticketkey'] = md5(uniqid(time(), true)); $data['status'] = 1;``
    ``if (!isset($data['userid'])) { $data['userid'] = 0; }``; the form requires a department.
  - Payments_model::add: the note is the form's text ('' when empty).
We write 0 (no staff member, as Perfex's cron does) for addedfrom, '' for text a form leaves empty, the date
of today in Perfex's time zone where a date is required, and the rows named by the endpoint's
perfex_defaults option, else the first (or Perfex's default) row of the reference table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table

from erpsync_gui.connectors.perfex.php import app_generate_hash
from erpsync_gui.connectors.perfex.settings import first_id, int_option, row_exists
from erpsync_gui.connectors.sql_options import PerfexDefaults
from erpsync_gui.connectors.sql_schema import SchemaCatalog

#: constants Perfex's PHP writes, per table and column
CONSTANTS: dict[str, dict[str, Any]] = {
    "tblcontacts": {"phonenumber": "", "firstname": "", "lastname": ""},
    "tblleads": {"addedfrom": 0},
    "tblprojects": {"addedfrom": 0},
    "tbltickets": {"userid": 0},
    "tblinvoices": {"discount_type": "", "include_shipping": 0, "addedfrom": 0},
    "tblestimates": {"addedfrom": 0, "include_shipping": 0},
    "tblinvoicepaymentrecords": {"note": ""},
    "tblitems": {"rate": 0},
    # the Omni Sales module's order: the contact and address fields its portal form fills ('' and 0 when an
    # order comes from elsewhere)
    "tblcart": {"id_contact": 0, "name": "", "address": "", "phone_number": "", "voucher": ""},
}
#: the same for the lines of a child table (the module's order lines: no SKU, no discount)
LINE_CONSTANTS: dict[str, dict[str, Any]] = {
    "tblcart_detailt": {"sku": "", "prices_discount": 0},
}
#: random values Perfex generates on insert (public links): never a default a person could guess
GENERATED: dict[str, tuple[str, ...]] = {
    "tblinvoices": ("hash",), "tblestimates": ("hash",), "tblleads": ("hash",), "tbltickets": ("ticketkey",),
}
#: required dates that are today's date (in Perfex's time zone) when the mapping gives none
TODAY: dict[str, tuple[str, ...]] = {
    "tblprojects": ("start_date",), "tblinvoices": ("date",), "tblestimates": ("date",),
    "tblinvoicepaymentrecords": ("date",),
}
#: the required columns the rules compute (numbers, totals)
COMPUTED: dict[str, tuple[str, ...]] = {
    "tblinvoices": ("number", "subtotal", "total"), "tblestimates": ("number", "subtotal", "total"),
}


@dataclass(frozen=True)
class Choice:
    """A reference a new row takes from the database's own rows."""

    column: str
    reference: str
    pick: Callable[[Connection, SchemaCatalog, PerfexDefaults], Any]
    #: a create without this value is refused (Perfex's form cannot be sent without it)
    needed: bool = False


def _given(value: Any, table: str, id_column: str) -> Callable[[Connection, SchemaCatalog], Any]:
    def check(conn: Connection, catalog: SchemaCatalog) -> Any:
        return value if value is not None and row_exists(conn, catalog, table, id_column, value) else None

    return check


def _department(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    return (_given(d.ticket_department, "tbldepartments", "departmentid")(conn, catalog)
            or first_id(conn, catalog, "tbldepartments", "departmentid"))


def _priority(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    return (_given(d.ticket_priority, "tbltickets_priorities", "priorityid")(conn, catalog)
            or first_id(conn, catalog, "tbltickets_priorities", "priorityid"))


def _ticket_status(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    # Tickets_model::add opens every ticket as status 1 (Open)
    return (_given(d.ticket_status, "tbltickets_status", "ticketstatusid")(conn, catalog)
            or _given(1, "tbltickets_status", "ticketstatusid")(conn, catalog)
            or first_id(conn, catalog, "tbltickets_status", "ticketstatusid", ("statusorder",)))


def _lead_status(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    return (_given(d.lead_status, "tblleads_status", "id")(conn, catalog)
            or _given(int_option(conn, catalog, "leads_default_status"), "tblleads_status", "id")(conn, catalog)
            or first_id(conn, catalog, "tblleads_status", "id", ("statusorder",),
                        lambda t: t.c.isdefault == 0 if "isdefault" in t.c else None)
            or first_id(conn, catalog, "tblleads_status", "id", ("statusorder",)))


def _lead_source(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    return (_given(d.lead_source, "tblleads_sources", "id")(conn, catalog)
            or _given(int_option(conn, catalog, "leads_default_source"), "tblleads_sources", "id")(conn, catalog)
            or first_id(conn, catalog, "tblleads_sources", "id"))


def _currency(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    return (first_id(conn, catalog, "tblcurrencies", "id", (), lambda t: t.c.isdefault == 1)
            or first_id(conn, catalog, "tblcurrencies", "id"))


def _payment_mode(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    if d.payment_mode is not None:
        return d.payment_mode
    found = first_id(conn, catalog, "tblpayment_modes", "id", (),
                     lambda t: t.c.active == 1 if "active" in t.c else None)
    return None if found is None else str(found)


def _billing_type(conn: Connection, catalog: SchemaCatalog, d: PerfexDefaults) -> Any:
    return d.project_billing_type


CHOICES: dict[str, tuple[Choice, ...]] = {
    "tbltickets": (Choice("department", "tbldepartments", _department, needed=True),
                   Choice("priority", "tbltickets_priorities", _priority),
                   Choice("status", "tbltickets_status", _ticket_status)),
    "tblleads": (Choice("status", "tblleads_status", _lead_status, needed=True),
                 Choice("source", "tblleads_sources", _lead_source, needed=True)),
    "tblinvoices": (Choice("currency", "tblcurrencies", _currency, needed=True),),
    "tblestimates": (Choice("currency", "tblcurrencies", _currency, needed=True),),
    "tblinvoicepaymentrecords": (Choice("paymentmode", "tblpayment_modes", _payment_mode),),
    "tblprojects": (Choice("billing_type", "", _billing_type),),
}


def defaults(conn: Connection, catalog: SchemaCatalog, table: Table, chosen: PerfexDefaults) -> dict[str, Any]:
    """The value each required column of `table` takes when a new row leaves it out: Perfex's constants and
    the chosen reference rows (None where the database has no row to choose)."""
    values = {c: v for c, v in CONSTANTS.get(table.name, {}).items() if c in table.c}
    for choice in CHOICES.get(table.name, ()):
        if choice.column in table.c:
            values[choice.column] = choice.pick(conn, catalog, chosen)
    return values


def filled(table: Table) -> frozenset[str]:
    """The required columns of `table` that the rules fill without a default a mapping could use."""
    return frozenset(c for group in (GENERATED, TODAY, COMPUTED) for c in group.get(table.name, ()) if c in table.c)


def needed(table: Table) -> tuple[Choice, ...]:
    """The references of `table` without which a create is refused."""
    return tuple(c for c in CHOICES.get(table.name, ()) if c.needed and c.column in table.c)


def missing_choices(conn: Connection, catalog: SchemaCatalog, table: Table,
                    chosen: PerfexDefaults) -> list[Choice]:
    """The needed references of `table` the database has no row for."""
    return [c for c in needed(table) if c.pick(conn, catalog, chosen) is None]


def fill(values: dict[str, Any], table: Table, fixed: Mapping[str, Any], today: Any) -> None:
    """Complete a new row's values: the defaults, a fresh hash, today's date, where the payload gave none."""
    for column, value in fixed.items():
        if values.get(column) is None and value is not None:
            values[column] = value
    for column in GENERATED.get(table.name, ()):
        if column in table.c and not values.get(column):
            values[column] = app_generate_hash()
    for column in TODAY.get(table.name, ()):
        if column in table.c and values.get(column) is None:
            values[column] = today


def fill_lines(lines: list[dict[str, Any]], table: Table) -> None:
    """Complete a child table's new lines with the constants the application writes where a line gives none."""
    fixed = {c: v for c, v in LINE_CONSTANTS.get(table.name, {}).items() if c in table.c}
    for line in lines:
        for column, value in fixed.items():
            if line.get(column) is None:
                line[column] = value
