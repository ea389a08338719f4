"""The demo CRM's Perfex-style tables (as CRMConnect extends them), portable to any SQLAlchemy engine.

Which tables carry an "updated" column, and so which entities the SQL connector reads by cursor:
  - tblleads.last_updated, tbltickets.updated_at, tblinvoices.dateupdated  -> cursor mode;
  - tblclients, tblcontacts, tblprojects, tblitems, tblitems_groups, tblcurrencies,
    tblcustomers_groups have none (as in Perfex)                            -> checksum mode.
The origin marker (external_id + external_channel) is on the tables CRMConnect syncs: clients,
contacts, leads, projects, tickets, invoices, items and item groups. Like Perfex, no foreign keys are
declared; countries are ISO codes (Perfex proper keeps a tblcountries id). On MySQL/MariaDB the DateTime
columns are DATETIME with whole seconds, as in Perfex (the SQL connector cuts what it writes to that).
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Numeric, String, Table, Text
from sqlalchemy.engine import Engine

METADATA = MetaData()


def _id(name: str = "id") -> Column:
    return Column(name, Integer, primary_key=True, autoincrement=True)


def _marker() -> list[Column]:
    return [Column("external_id", String(64), index=True), Column("external_channel", String(50))]


def _money(name: str, nullable: bool = True) -> Column:
    return Column(name, Numeric(15, 2), nullable=nullable)


def _flag(name: str, default: int) -> Column:
    return Column(name, Integer, nullable=False, server_default=str(default))


CLIENTS = Table(
    "tblclients", METADATA, _id("userid"),
    Column("company", String(191), nullable=False), Column("vat", String(50)),
    Column("phonenumber", String(30)), Column("country", String(50)), Column("city", String(100)),
    Column("zip", String(15)), Column("state", String(50)), Column("address", String(191)),
    Column("website", String(150)), Column("datecreated", DateTime, nullable=False), _flag("active", 1),
    _flag("default_currency", 0), Column("customer_number", String(50), unique=True), *_marker(),
)
CONTACTS = Table(
    "tblcontacts", METADATA, _id(), Column("userid", Integer, nullable=False, index=True),
    _flag("is_primary", 1), Column("firstname", String(191), nullable=False),
    Column("lastname", String(191), nullable=False), Column("email", String(100), nullable=False),
    Column("phonenumber", String(30)), Column("title", String(100)),
    Column("datecreated", DateTime, nullable=False), _flag("active", 1), *_marker(),
)
LEADS_STATUS = Table(
    "tblleads_status", METADATA, _id(), Column("name", String(50), nullable=False),
    _flag("statusorder", 0), Column("color", String(10)), _flag("isdefault", 0),
)
LEADS_SOURCES = Table("tblleads_sources", METADATA, _id(), Column("name", String(150), nullable=False))
LEADS = Table(
    "tblleads", METADATA, _id(), Column("name", String(191), nullable=False), Column("title", String(100)),
    Column("company", String(191)), Column("description", Text), Column("country", String(50)),
    Column("zip", String(15)), Column("city", String(100)), Column("state", String(50)),
    Column("address", String(191)), _flag("assigned", 0), Column("dateadded", DateTime, nullable=False),
    _flag("status", 1), _flag("source", 1), Column("lastcontact", DateTime),
    Column("email", String(100)), Column("website", String(150)), Column("phonenumber", String(30)),
    _money("lead_value"), Column("last_updated", DateTime, index=True), *_marker(),
)
PROJECTS = Table(
    "tblprojects", METADATA, _id(), Column("name", String(191), nullable=False),
    Column("description", Text), _flag("status", 1), Column("clientid", Integer, nullable=False),
    _flag("billing_type", 1), Column("start_date", Date, nullable=False), Column("deadline", Date),
    Column("project_created", Date, nullable=False), Column("date_finished", DateTime),
    _flag("progress", 0), _money("project_cost"), _flag("addedfrom", 0), *_marker(),
)
TICKETS = Table(
    "tbltickets", METADATA, _id("ticketid"), _flag("adminreplying", 0),
    Column("userid", Integer, nullable=False), _flag("contactid", 0), Column("email", Text),
    Column("name", Text), _flag("department", 1), _flag("priority", 2), _flag("status", 1),
    Column("service", Integer), Column("ticketkey", String(32)),
    Column("subject", String(191), nullable=False),
    Column("message", Text), Column("date", DateTime, nullable=False), _flag("project_id", 0),
    Column("lastreply", DateTime), _flag("clientread", 0), _flag("adminread", 0),
    Column("updated_at", DateTime, index=True), *_marker(),
)
INVOICES = Table(
    "tblinvoices", METADATA, _id(), _flag("sent", 0), Column("datesend", DateTime),
    Column("clientid", Integer, nullable=False), Column("number", Integer, nullable=False),
    Column("prefix", String(50)), _flag("number_format", 1), Column("datecreated", DateTime, nullable=False),
    Column("date", Date, nullable=False), Column("duedate", Date),
    Column("currency", Integer, nullable=False),
    _money("subtotal", False), _money("total_tax"), _money("total", False), _money("adjustment"),
    Column("hash", String(32)), _flag("status", 1), Column("clientnote", Text), Column("adminnote", Text),
    Column("dateupdated", DateTime, index=True), *_marker(),
)
ITEMABLE = Table(
    "tblitemable", METADATA, _id(), Column("rel_id", Integer, nullable=False, index=True),
    Column("rel_type", String(15), nullable=False), Column("description", Text, nullable=False),
    Column("long_description", Text), _money("qty", False), _money("rate", False), Column("unit", String(40)),
    Column("item_order", Integer),
)
ITEMS = Table(
    "tblitems", METADATA, _id(), Column("description", Text, nullable=False),
    Column("long_description", Text),
    _money("rate", False), Column("tax", Integer), Column("tax2", Integer), Column("unit", String(40)),
    _flag("group_id", 0), Column("commodity_code", String(100), index=True), *_marker(),
)
ITEMS_GROUPS = Table(
    "tblitems_groups", METADATA, _id(), Column("name", String(191), nullable=False), *_marker(),
)
CURRENCIES = Table(
    "tblcurrencies", METADATA, _id(), Column("symbol", String(10), nullable=False),
    Column("name", String(100), nullable=False), Column("decimal_separator", String(5)),
    Column("thousand_separator", String(5)), Column("placement", String(10)), _flag("isdefault", 0),
)
CUSTOMERS_GROUPS = Table("tblcustomers_groups", METADATA, _id(), Column("name", String(191), nullable=False))
CUSTOMER_GROUPS = Table(
    "tblcustomer_groups", METADATA, _id(), Column("groupid", Integer, nullable=False),
    Column("customer_id", Integer, nullable=False),
)


# MySQL never hands a deleted row's id to a new row; SQLite does, unless a table asks for AUTOINCREMENT. The
# demo CRM behaves as Perfex on MySQL does: an id names one record for good.
for _table in METADATA.tables.values():
    _table.dialect_options["sqlite"]["autoincrement"] = True


def create_schema(engine: Engine) -> None:
    """Create the demo CRM's tables on any SQLAlchemy engine (existing tables are left as they are)."""
    METADATA.create_all(engine)
