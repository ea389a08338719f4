"""Stock Perfex CRM 2.7.3 as its installer leaves it, for tests on MariaDB and SQLite, and the edits its PHP
code makes.

Source of the tables: a public mysqldump of a Perfex CRM 2.7.3 installation (migration 273; repository
samexonline/titanops, `_db/dump-ws3-202102130131.sql`): columns, types, NOT NULL without default, defaults,
`DEFAULT CHARSET=utf8` (utf8mb3) on MariaDB. Stock rows from the same dump: tblcurrencies 1 USD (default),
2 EUR; tblleads_status 1 Customer; tblleads_sources 1 Google, 2 Facebook; tbltickets_status 1 Open ..
5 Closed; tbltickets_priorities 1 Low, 2 Medium, 3 High; tbldepartments empty. Stock Perfex has no
external_id/external_channel columns and no updated-at column on these tables.

Unverified, and chosen here: the tbloptions values (invoice_prefix "INV-", padding 6, format 1, the next
numbers 1, all six contact permissions by default, the time zone Europe/Bucharest), the status/colour
details of the stock rows, one "Bank" payment mode, the tblstaff columns (only those the connector reads),
and tblcountries: five of Perfex's 250 rows, with the ids of the public country list Perfex ships
(AT 15, FR 76, DE 83, IR 104, RO 181).

`PerfexApp` writes rows the way Perfex's PHP does: datetimes in the app's time zone with whole seconds,
'' for an empty text field, 0/1 flags, the invoice number from tbloptions, app_generate_hash() hashes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CHAR, Column, Date, DateTime, Integer, MetaData, Numeric, String, Table, Text, func, select
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection, Engine

METADATA = MetaData()
TIMEZONE = "Europe/Bucharest"
COUNTRIES = [(15, "AT", "Austria", "AUT"), (76, "FR", "France", "FRA"), (83, "DE", "Germany", "DEU"),
             (104, "IR", "Iran", "IRN"), (181, "RO", "Romania", "ROU")]
#: PHP's serialize() of ["1", .. "6"]: every contact permission (invoices, estimates, contracts, proposals,
#: support, projects) for a new contact
ALL_CONTACT_PERMISSIONS = 'a:6:{i:0;s:1:"1";i:1;s:1:"2";i:2;s:1:"3";i:3;s:1:"4";i:4;s:1:"5";i:5;s:1:"6";}'
OPTIONS = {
    "invoice_prefix": "INV-", "next_invoice_number": "1", "invoice_number_format": "1",
    "number_padding_prefixes": "6", "estimate_prefix": "EST-", "next_estimate_number": "1",
    "estimate_number_format": "1", "leads_default_status": "", "leads_default_source": "",
    "default_timezone": TIMEZONE, "default_contact_permissions": ALL_CONTACT_PERMISSIONS,
}

_TINY = Integer().with_variant(mysql.TINYINT(display_width=1), "mysql")
_MEDIUM = Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
_LONG = Text().with_variant(mysql.LONGTEXT(), "mysql")


def _column(spec: str) -> Column:
    """One column from "name:type[flags]": types pk, i, t1, s<n>, c<n>, tx, mtx, ltx, dt, d, m; flags `!` NOT
    NULL without default, `?` NULL, `=v` a default (NOT NULL unless `?` follows too)."""
    name, kind = spec.split(":")
    nullable = kind.endswith("?")
    kind = kind.rstrip("?")
    default = None
    if "=" in kind:
        kind, default = kind.split("=", 1)
    required = kind.endswith("!")
    kind = kind.rstrip("!")
    if kind == "pk":
        return Column(name, Integer, primary_key=True, autoincrement=True)
    types = {"i": Integer, "t1": _TINY, "tx": Text, "mtx": _MEDIUM, "ltx": _LONG, "dt": DateTime, "d": Date,
             "m": Numeric(15, 2)}
    if kind in types:
        sql_type = types[kind]
    elif kind[0] == "s":
        sql_type = String(int(kind[1:]))
    else:
        sql_type = CHAR(int(kind[1:]))
    if required:
        return Column(name, sql_type, nullable=False)
    return Column(name, sql_type, nullable=nullable, server_default=default)


def _table(name: str, specs: str) -> Table:
    columns = [_column(s.strip()) for s in specs.split(",") if s.strip()]
    return Table(name, METADATA, *columns, mysql_engine="InnoDB", mysql_charset="utf8", sqlite_autoincrement=True)


CLIENTS = _table("tblclients", """userid:pk, company:s191?, vat:s50?, phonenumber:s30?, country:i=0, city:s100?,
    zip:s15?, state:s50?, address:s191?, website:s150?, datecreated:dt!, active:i=1, leadid:i?, billing_street:s200?,
    billing_city:s100?, billing_state:s100?, billing_zip:s100?, billing_country:i=0?, shipping_street:s200?,
    shipping_city:s100?, shipping_state:s100?, shipping_zip:s100?, shipping_country:i=0?, longitude:s191?,
    latitude:s191?, default_language:s40?, default_currency:i=0, show_primary_contact:i=0, stripe_id:s40?,
    registration_confirmed:i=1, addedfrom:i=0""")
CONTACTS = _table("tblcontacts", """id:pk, userid:i!, is_primary:i=1, firstname:s191!, lastname:s191!, email:s100!,
    phonenumber:s100!, title:s100?, datecreated:dt!, password:s255?, new_pass_key:s32?, new_pass_key_requested:dt?,
    email_verified_at:dt?, email_verification_key:s32?, email_verification_sent_at:dt?, last_ip:s40?,
    last_login:dt?, last_password_change:dt?, active:t1=1, profile_image:s191?, direction:s3?, invoice_emails:t1=1,
    estimate_emails:t1=1, credit_note_emails:t1=1, contract_emails:t1=1, task_emails:t1=1, project_emails:t1=1,
    ticket_emails:t1=1""")
LEADS = _table("tblleads", """id:pk, hash:s65?, name:s191!, title:s100?, company:s191?, description:tx?,
    country:i=0, zip:s15?, city:s100?, state:s50?, address:s100?, assigned:i=0, dateadded:dt!, from_form_id:i=0,
    status:i!, source:i!, lastcontact:dt?, dateassigned:d?, last_status_change:dt?, addedfrom:i!, email:s100?,
    website:s150?, leadorder:i=1?, phonenumber:s50?, date_converted:dt?, lost:t1=0, junk:i=0, last_lead_status:i=0,
    is_imported_from_email_integration:t1=0, email_integration_uid:s30?, is_public:t1=0, default_language:s40?,
    client_id:i=0, lead_value:m?""")
LEADS_STATUS = _table("tblleads_status", "id:pk, name:s50!, statusorder:i?, color:s10=#28B8DA?, isdefault:i=0")
LEADS_SOURCES = _table("tblleads_sources", "id:pk, name:s150!")
PROJECTS = _table("tblprojects", """id:pk, name:s191!, description:tx?, status:i=0, clientid:i!, billing_type:i!,
    start_date:d!, deadline:d?, project_created:d!, date_finished:dt?, progress:i=0?, progress_from_tasks:i=1,
    project_cost:m?, project_rate_per_hour:m?, estimated_hours:m?, addedfrom:i!""")
TICKETS = _table("tbltickets", """ticketid:pk, adminreplying:i=0, userid:i!, contactid:i=0, email:tx?, name:tx?,
    department:i!, priority:i!, status:i!, service:i?, ticketkey:s32!, subject:s191!, message:tx?, admin:i?, date:dt!,
    project_id:i=0, lastreply:dt?, clientread:i=0, adminread:i=0, assigned:i=0""")
TICKETS_PRIORITIES = _table("tbltickets_priorities", "priorityid:pk, name:s50!")
TICKETS_STATUS = _table("tbltickets_status", "ticketstatusid:pk, name:s50!, isdefault:i=0, statuscolor:s7?, "
                                             "statusorder:i?")
DEPARTMENTS = _table("tbldepartments", """departmentid:pk, name:s100!, imap_username:s191?, email:s100?,
    email_from_header:t1=0, host:s150?, password:mtx?, encryption:s3?, folder:s191=INBOX, delete_after_import:i=0,
    calendar_id:mtx?, hidefromclient:t1=0, manager_id:i=0?, parent_id:i=0?""")
INVOICES = _table("tblinvoices", """id:pk, sent:t1=0, datesend:dt?, clientid:i!, deleted_customer_name:s100?,
    number:i!, prefix:s50?, number_format:i=0, datecreated:dt!, date:d!, duedate:d?, currency:i!, subtotal:m!,
    total_tax:m=0.00, total:m!, adjustment:m?, addedfrom:i?, hash:s32!, status:i=1?, clientnote:tx?, adminnote:tx?,
    last_overdue_reminder:d?, cancel_overdue_reminders:i=0, allowed_payment_modes:mtx?, token:mtx?,
    discount_percent:m=0.00?, discount_total:m=0.00?, discount_type:s30!, recurring:i=0, recurring_type:s10?,
    custom_recurring:t1=0, cycles:i=0, total_cycles:i=0, is_recurring_from:i?, last_recurring_date:d?, terms:tx?,
    sale_agent:i=0, billing_street:s200?, billing_city:s100?, billing_state:s100?, billing_zip:s100?,
    billing_country:i?, shipping_street:s200?, shipping_city:s100?, shipping_state:s100?, shipping_zip:s100?,
    shipping_country:i?, include_shipping:t1!, show_shipping_on_invoice:t1=1, show_quantity_as:i=1,
    project_id:i=0?, subscription_id:i=0, short_link:s100?""")
ITEMABLE = _table("tblitemable", """id:pk, rel_id:i!, rel_type:s15!, description:mtx!, long_description:mtx?,
    qty:m!, rate:m!, unit:s40?, item_order:i?""")
ITEM_TAX = _table("tblitem_tax", "id:pk, itemid:i!, rel_id:i!, rel_type:s20!, taxrate:m!, taxname:s100!")
ITEMS = _table("tblitems", """id:pk, description:mtx!, long_description:tx?, rate:m!, tax:i?, tax2:i?, unit:s40?,
    group_id:i=0""")
ITEMS_GROUPS = _table("tblitems_groups", "id:pk, name:s50!")
CURRENCIES = _table("tblcurrencies", """id:pk, symbol:s10!, name:s100!, decimal_separator:s5?,
    thousand_separator:s5?, placement:s10?, isdefault:t1=0""")
CUSTOMERS_GROUPS = _table("tblcustomers_groups", "id:pk, name:s191!")
CUSTOMER_GROUPS = _table("tblcustomer_groups", "id:pk, groupid:i!, customer_id:i!")
ESTIMATES = _table("tblestimates", """id:pk, sent:t1=0, datesend:dt?, clientid:i!, deleted_customer_name:s100?,
    project_id:i=0, number:i!, prefix:s50?, number_format:i=0, hash:s32?, datecreated:dt!, date:d!, expirydate:d?,
    currency:i!, subtotal:m!, total_tax:m=0.00, total:m!, adjustment:m?, addedfrom:i!, status:i=1, clientnote:tx?,
    adminnote:tx?, discount_percent:m=0.00?, discount_total:m=0.00?, discount_type:s30?, invoiceid:i?,
    invoiced_date:dt?, terms:tx?, reference_no:s100?, sale_agent:i=0, billing_street:s200?, billing_city:s100?,
    billing_state:s100?, billing_zip:s100?, billing_country:i?, shipping_street:s200?, shipping_city:s100?,
    shipping_state:s100?, shipping_zip:s100?, shipping_country:i?, include_shipping:t1!,
    show_shipping_on_estimate:t1=1, show_quantity_as:i=1, pipeline_order:i=0, is_expiry_notified:i=0,
    acceptance_firstname:s50?, acceptance_lastname:s50?, acceptance_email:s100?, acceptance_date:dt?,
    acceptance_ip:s40?, signature:s40?, short_link:s100?""")
PAYMENTS = _table("tblinvoicepaymentrecords", """id:pk, invoiceid:i!, amount:m!, paymentmode:s40?,
    paymentmethod:s191?, date:d!, daterecorded:dt!, note:tx!, transactionid:mtx?""")
PAYMENT_MODES = _table("tblpayment_modes", """id:pk, name:s100!, description:tx?, show_on_pdf:i=0,
    invoices_only:i=0, expenses_only:i=0, selected_by_default:i=1, active:t1=1""")
COUNTRY_TABLE = _table("tblcountries", """country_id:pk, iso2:c2?, short_name:s80=, long_name:s80=, iso3:c3?,
    numcode:s6?, un_member:s12?, calling_code:s8?, cctld:s5?""")
CONTACT_PERMISSIONS = _table("tblcontact_permissions", "id:pk, permission_id:i!, userid:i!")
PROJECT_SETTINGS = _table("tblproject_settings", "id:pk, project_id:i!, name:s100!, value:tx?")
PROJECT_MEMBERS = _table("tblproject_members", "id:pk, project_id:i!, staff_id:i!")
OPTION_TABLE = _table("tbloptions", "id:pk, name:s191!, value:ltx!, autoload:t1=1")
TAXES = _table("tbltaxes", "id:pk, name:s100!, taxrate:m!")
STAFF = _table("tblstaff", "staffid:pk, email:s100!, firstname:s50!, lastname:s50!, password:s250!, "
                           "datecreated:dt!, admin:i=0, active:i=1")

#: the tables of the SQL connector's perfex preset (tblwarehouse is the Warehouse module's: not stock)
PRESET_TABLES = ("tblclients", "tblcontacts", "tblleads", "tblprojects", "tbltickets", "tblinvoices",
                 "tblestimates", "tblitems", "tblitems_groups", "tblcurrencies", "tblcustomers_groups",
                 "tblinvoicepaymentrecords")
#: the tables the product's CRM module gives the origin marker
MARKED_TABLES = PRESET_TABLES


def create_stock(engine: Engine) -> None:
    """Create stock Perfex 2.7.3's tables on `engine` and insert its stock rows."""
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(CURRENCIES.insert(), [
            {"id": 1, "symbol": "$", "name": "USD", "decimal_separator": ".", "thousand_separator": ",",
             "placement": "before", "isdefault": 1},
            {"id": 2, "symbol": "€", "name": "EUR", "decimal_separator": ",", "thousand_separator": ".",
             "placement": "before", "isdefault": 0}])
        conn.execute(LEADS_STATUS.insert(), [{"id": 1, "name": "Customer", "statusorder": 1000,
                                              "color": "#7cb342", "isdefault": 1}])
        conn.execute(LEADS_SOURCES.insert(), [{"id": 1, "name": "Google"}, {"id": 2, "name": "Facebook"}])
        conn.execute(TICKETS_STATUS.insert(), [
            {"ticketstatusid": i, "name": n, "isdefault": 1, "statuscolor": c, "statusorder": i}
            for i, (n, c) in enumerate([("Open", "#ff2d42"), ("In progress", "#22c55e"), ("Answered", "#2563eb"),
                                        ("On Hold", "#64748b"), ("Closed", "#03a9f4")], 1)])
        conn.execute(TICKETS_PRIORITIES.insert(), [{"priorityid": i, "name": n}
                                                   for i, n in enumerate(["Low", "Medium", "High"], 1)])
        conn.execute(PAYMENT_MODES.insert(), [{"id": 1, "name": "Bank", "active": 1}])
        conn.execute(COUNTRY_TABLE.insert(), [{"country_id": i, "iso2": iso2, "short_name": n, "long_name": n,
                                               "iso3": iso3} for i, iso2, n, iso3 in COUNTRIES])
        conn.execute(OPTION_TABLE.insert(), [{"name": k, "value": v, "autoload": 1} for k, v in OPTIONS.items()])
        conn.execute(STAFF.insert(), [{"staffid": 1, "email": "admin@perfex.example", "firstname": "Perfex",
                                       "lastname": "Admin", "password": "x", "admin": 1, "active": 1,
                                       "datecreated": datetime(2021, 2, 1, 9, 0)}])


def country_id(iso2: str) -> int:
    return next(i for i, code, _n, _i3 in COUNTRIES if code == iso2)


class PerfexApp:
    """Perfex's PHP, as far as the tests need it: rows inserted and edited the way its models write them."""

    def __init__(self, engine: Engine, tz: str = TIMEZONE) -> None:
        self.engine = engine
        self.zone = ZoneInfo(tz)

    def now(self) -> datetime:
        """date('Y-m-d H:i:s') in the app's time zone: naive, whole seconds."""
        return datetime.now(UTC).astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def today(self) -> date:
        return self.now().date()

    def option(self, name: str) -> str:
        with self.engine.connect() as conn:
            return conn.scalar(select(OPTION_TABLE.c.value).where(OPTION_TABLE.c.name == name)) or ""

    def _insert(self, conn: Connection, table: Table, values: Mapping[str, Any]) -> int:
        return int(conn.execute(table.insert().values(dict(values))).inserted_primary_key[0])

    def add_department(self, name: str) -> int:
        """Setup > Support > Departments: the first department an admin creates."""
        with self.engine.begin() as conn:
            return self._insert(conn, DEPARTMENTS, {"name": name, "email": "", "hidefromclient": 0})

    def add_lead_status(self, name: str, order: int) -> int:
        with self.engine.begin() as conn:
            return self._insert(conn, LEADS_STATUS, {"name": name, "statusorder": order, "color": "#28B8DA",
                                                     "isdefault": 0})

    def add_client(self, company: str, *, country: str = "", city: str = "", vat: str = "",
                   phonenumber: str = "") -> int:
        """Clients_model::add from the admin form: '' for each empty field, a country id (0 for none)."""
        with self.engine.begin() as conn:
            return self._insert(conn, CLIENTS, {
                "company": company, "vat": vat, "phonenumber": phonenumber, "city": city, "zip": "", "state": "",
                "address": "", "website": "", "country": country_id(country) if country else 0,
                "billing_street": "", "billing_city": "", "billing_state": "", "billing_zip": "",
                "billing_country": 0, "shipping_street": "", "shipping_city": "", "shipping_state": "",
                "shipping_zip": "", "shipping_country": 0, "datecreated": self.now(), "addedfrom": 1,
                "default_currency": 0, "default_language": "", "active": 1})

    def add_contact(self, client: int, firstname: str, lastname: str, email: str, *, primary: bool) -> int:
        """Clients_model::add_contact: a new primary contact demotes the others; permissions from the form."""
        with self.engine.begin() as conn:
            if primary:
                conn.execute(CONTACTS.update().where(CONTACTS.c.userid == client).values(is_primary=0))
            contact = self._insert(conn, CONTACTS, {
                "userid": client, "is_primary": int(primary), "firstname": firstname, "lastname": lastname,
                "email": email, "phonenumber": "", "title": "", "datecreated": self.now(),
                "email_verified_at": self.now(), "direction": ""})
            conn.execute(CONTACT_PERMISSIONS.insert(), [{"userid": contact, "permission_id": p} for p in range(1, 7)])
            return contact

    def add_lead(self, name: str, email: str, *, status: int, source: int = 1) -> int:
        with self.engine.begin() as conn:
            return self._insert(conn, LEADS, {
                "hash": secrets.token_hex(16), "name": name, "title": "", "company": "", "description": "",
                "country": 0, "zip": "", "city": "", "state": "", "address": "", "assigned": 1, "email": email,
                "website": "", "phonenumber": "", "dateadded": self.now(), "status": status, "source": source,
                "addedfrom": 1, "lead_value": None, "is_public": 0})

    def add_invoice(self, client: int, lines: list[tuple[str, str, str]], *, currency: int = 1,
                    duedays: int = 30) -> int:
        """Invoices_model::add: prefix/number/format from tbloptions, the next number advanced, a hash."""
        subtotal = sum((Decimal(q) * Decimal(r) for _d, q, r in lines), Decimal("0"))
        with self.engine.begin() as conn:
            number = int(conn.scalar(select(OPTION_TABLE.c.value).where(OPTION_TABLE.c.name == "next_invoice_number")))
            invoice = self._insert(conn, INVOICES, {
                "clientid": client, "number": number, "prefix": self.option("invoice_prefix"),
                "number_format": int(self.option("invoice_number_format")), "datecreated": self.now(),
                "date": self.today(), "duedate": self.today() + timedelta(days=duedays), "currency": currency,
                "subtotal": subtotal, "total_tax": 0, "total": subtotal, "adjustment": 0, "addedfrom": 1,
                "hash": secrets.token_hex(16), "status": 1, "discount_type": "", "include_shipping": 0,
                "clientnote": "", "adminnote": "", "terms": "", "allowed_payment_modes": "a:1:{i:0;s:1:\"1\";}"})
            conn.execute(OPTION_TABLE.update().where(OPTION_TABLE.c.name == "next_invoice_number")
                         .values(value=str(number + 1)))
            for order, (description, qty, rate) in enumerate(lines, 1):
                self._insert(conn, ITEMABLE, {"rel_id": invoice, "rel_type": "invoice", "description": description,
                                              "long_description": "", "qty": Decimal(qty), "rate": Decimal(rate),
                                              "unit": "", "item_order": order})
            return invoice

    def add_estimate(self, client: int, lines: list[tuple[str, str, str]], *, currency: int = 1) -> int:
        """Estimates_model::add: numbered from estimate_prefix / next_estimate_number, a hash."""
        subtotal = sum((Decimal(q) * Decimal(r) for _d, q, r in lines), Decimal("0"))
        with self.engine.begin() as conn:
            number = int(conn.scalar(select(OPTION_TABLE.c.value)
                                     .where(OPTION_TABLE.c.name == "next_estimate_number")))
            estimate = self._insert(conn, ESTIMATES, {
                "clientid": client, "number": number, "prefix": self.option("estimate_prefix"),
                "number_format": int(self.option("estimate_number_format")), "hash": secrets.token_hex(16),
                "datecreated": self.now(), "date": self.today(), "currency": currency, "subtotal": subtotal,
                "total_tax": 0, "total": subtotal, "addedfrom": 1, "status": 1, "include_shipping": 0,
                "clientnote": "", "adminnote": "", "terms": "", "discount_type": ""})
            conn.execute(OPTION_TABLE.update().where(OPTION_TABLE.c.name == "next_estimate_number")
                         .values(value=str(number + 1)))
            for order, (description, qty, rate) in enumerate(lines, 1):
                self._insert(conn, ITEMABLE, {"rel_id": estimate, "rel_type": "estimate", "description": description,
                                              "long_description": "", "qty": Decimal(qty), "rate": Decimal(rate),
                                              "unit": "", "item_order": order})
            return estimate

    def add_ticket(self, client: int, contact: int, subject: str, department: int) -> int:
        """Tickets_model::add from the admin area: status 1, a random key, the client's contact."""
        with self.engine.begin() as conn:
            return self._insert(conn, TICKETS, {
                "userid": client, "contactid": contact, "email": None, "name": None, "department": department,
                "priority": 2, "status": 1, "service": 0, "ticketkey": secrets.token_hex(16), "subject": subject,
                "message": "Scris în Perfex.", "admin": 1, "date": self.now(), "project_id": 0, "assigned": 0})

    def add_project(self, client: int, name: str) -> int:
        """Projects_model::add from the admin form: every setting checked but one, the staff member as member."""
        from erpsync_gui.connectors.perfex.php import serialize_flags
        from erpsync_gui.connectors.perfex.projects import PROJECT_TABS, SETTING_NAMES

        with self.engine.begin() as conn:
            project = self._insert(conn, PROJECTS, {
                "name": name, "description": "", "status": 2, "clientid": client, "billing_type": 1,
                "start_date": self.today(), "deadline": self.today() + timedelta(days=60),
                "project_created": self.today(), "progress": 0, "progress_from_tasks": 1,
                "project_cost": Decimal("1500.00"), "addedfrom": 1})
            conn.execute(PROJECT_SETTINGS.insert(), [
                {"project_id": project, "name": n,
                 "value": serialize_flags(dict.fromkeys(PROJECT_TABS, 1)) if n == "available_features"
                 else "0" if n == "hide_tasks_on_main_tasks_table" else "1"} for n in SETTING_NAMES])
            conn.execute(PROJECT_MEMBERS.insert().values(project_id=project, staff_id=1))
            return project

    def add_named(self, table: Table, name: str) -> int:
        """A row of a name-only table (customer groups, item groups)."""
        with self.engine.begin() as conn:
            return self._insert(conn, table, {"name": name})

    def add_item(self, description: str, rate: str, group: int = 0) -> int:
        with self.engine.begin() as conn:
            return self._insert(conn, ITEMS, {"description": description, "long_description": "",
                                              "rate": Decimal(rate), "tax": None, "unit": "buc", "group_id": group})

    def add_payment(self, invoice: int, amount: str) -> int:
        """Payments_model::add, then update_invoice_status: paid in full is status 2, in part 3."""
        with self.engine.begin() as conn:
            payment = self._insert(conn, PAYMENTS, {"invoiceid": invoice, "amount": Decimal(amount),
                                                    "paymentmode": "1", "date": self.today(),
                                                    "daterecorded": self.now(), "note": "", "transactionid": ""})
            total = conn.scalar(select(INVOICES.c.total).where(INVOICES.c.id == invoice))
            paid = conn.scalar(select(func.sum(PAYMENTS.c.amount)).where(PAYMENTS.c.invoiceid == invoice))
            conn.execute(INVOICES.update().where(INVOICES.c.id == invoice).values(status=2 if paid >= total else 3))
            return payment

    def edit(self, table: Table, key: int, **values: Any) -> None:
        """An edit from a Perfex form: None becomes '' in a text column, booleans 0/1."""
        pk = next(iter(table.primary_key.columns))
        fixed = {}
        for name, value in values.items():
            column = table.c[name]
            if value is None and isinstance(column.type, (String, Text)):
                value = ""
            elif isinstance(value, bool):
                value = int(value)
            fixed[name] = value
        with self.engine.begin() as conn:
            conn.execute(table.update().where(pk == key).values(fixed))

    def rows(self, table: Table, **where: Any) -> list[dict[str, Any]]:
        pk = next(iter(table.primary_key.columns))
        query = select(table).order_by(pk)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def count(self, table: Table, **where: Any) -> int:
        return len(self.rows(table, **where))
