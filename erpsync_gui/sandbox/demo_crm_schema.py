"""The demo CRM's tables: a faithful subset of stock Perfex CRM 2.7.3, plus the columns the CRM module adds.

Every table and column here is Perfex 2.7.3's own, with its type, NOT NULL and default (so a row the
demo accepts is one stock Perfex accepts), with the tables of the advanced entities (the Warehouse module's
units, warehouses and stock as its installer creates them; the Omni Sales module's orders, tblcart and
tblcart_detailt; the CRM module's client groups and discount grids,
whose columns are this product's choice: no public schema of them was found), and two kinds of additions,
both the CRM module's:
  - the origin marker, external_id + external_channel, on each table it syncs;
  - tblclients.customer_number, where the module keeps the ERP's customer number (stock Perfex has no
    such column; the default mappings do not need it);
  - tblclients.county_id and locality_id, the client's row of the module's tblcounties and tbllocalities.
As in Perfex: no foreign keys are declared, no table has an updated-at column (every entity is read whole
and compared by checksum), countries are tblcountries ids, the next invoice and estimate numbers live in
tbloptions. On MySQL/MariaDB the DateTime columns are DATETIME with whole seconds, as in Perfex.
"""

from __future__ import annotations

from sqlalchemy import CHAR, Column, Date, DateTime, Float, Integer, MetaData, Numeric, String, Table, Text, func
from sqlalchemy.engine import Engine

METADATA = MetaData()


def _id(name: str = "id") -> Column:
    return Column(name, Integer, primary_key=True, autoincrement=True)


def _marker() -> list[Column]:
    return [Column("external_id", String(64), index=True), Column("external_channel", String(50))]


def _money(name: str, nullable: bool = True, default: str | None = None) -> Column:
    return Column(name, Numeric(15, 2), nullable=nullable, server_default=default)


def _flag(name: str, default: int, nullable: bool = False) -> Column:
    return Column(name, Integer, nullable=nullable, server_default=str(default))


def _text(name: str, length: int, nullable: bool = True) -> Column:
    return Column(name, String(length), nullable=nullable)


def _int(name: str, nullable: bool = False) -> Column:
    return Column(name, Integer, nullable=nullable)


CLIENTS = Table(
    "tblclients", METADATA, _id("userid"), _text("company", 191), _text("vat", 50), _text("phonenumber", 30),
    _flag("country", 0), _text("city", 100), _text("zip", 15), _text("state", 50), _text("address", 191),
    _text("website", 150), Column("datecreated", DateTime, nullable=False), _flag("active", 1),
    _flag("billing_country", 0, True), _flag("shipping_country", 0, True), _flag("default_currency", 0),
    _flag("addedfrom", 0), Column("customer_number", String(50), unique=True), _int("county_id", True),
    _int("locality_id", True), *_marker(),
)
CONTACTS = Table(
    "tblcontacts", METADATA, _id(), _int("userid"), _flag("is_primary", 1), _text("firstname", 191, False),
    _text("lastname", 191, False), _text("email", 100, False), _text("phonenumber", 100, False),
    _text("title", 100), Column("datecreated", DateTime, nullable=False), Column("email_verified_at", DateTime),
    _flag("active", 1), *(_flag(f"{kind}_emails", 1) for kind in ("invoice", "estimate", "credit_note",
                                                                   "contract", "task", "project", "ticket")),
    *_marker(),
)
CONTACT_PERMISSIONS = Table("tblcontact_permissions", METADATA, _id(), _int("permission_id"), _int("userid"))
LEADS_STATUS = Table(
    "tblleads_status", METADATA, _id(), _text("name", 50, False), _int("statusorder", True),
    Column("color", String(10), server_default="#28B8DA"), _flag("isdefault", 0),
)
LEADS_SOURCES = Table("tblleads_sources", METADATA, _id(), _text("name", 150, False))
LEADS = Table(
    "tblleads", METADATA, _id(), _text("hash", 65), _text("name", 191, False), _text("title", 100),
    _text("company", 191), Column("description", Text), _flag("country", 0), _text("zip", 15),
    _text("city", 100), _text("state", 50), _text("address", 100), _flag("assigned", 0),
    Column("dateadded", DateTime, nullable=False), _int("status"), _int("source"), Column("lastcontact", DateTime),
    _int("addedfrom"), _text("email", 100), _text("website", 150), _text("phonenumber", 50), _flag("lost", 0),
    _money("lead_value"), *_marker(),
)
STAFF = Table(
    "tblstaff", METADATA, _id("staffid"), _text("email", 100, False), _text("firstname", 50, False),
    _text("lastname", 50, False), _text("password", 250, False), Column("datecreated", DateTime, nullable=False),
    _flag("admin", 0),
    _flag("active", 1),
)
PROJECTS = Table(
    "tblprojects", METADATA, _id(), _text("name", 191, False), Column("description", Text), _flag("status", 0),
    _int("clientid"), _int("billing_type"), Column("start_date", Date, nullable=False), Column("deadline", Date),
    Column("project_created", Date, nullable=False), Column("date_finished", DateTime),
    _flag("progress", 0, True), _money("project_cost"), _int("addedfrom"), *_marker(),
)
PROJECT_SETTINGS = Table("tblproject_settings", METADATA, _id(), _int("project_id"), _text("name", 100, False),
                         Column("value", Text))
PROJECT_MEMBERS = Table("tblproject_members", METADATA, _id(), _int("project_id"), _int("staff_id"))
DEPARTMENTS = Table(
    "tbldepartments", METADATA, _id("departmentid"), _text("name", 100, False), _text("email", 100),
    Column("folder", String(191), nullable=False, server_default="INBOX"), _flag("hidefromclient", 0),
)
TICKETS_STATUS = Table(
    "tbltickets_status", METADATA, _id("ticketstatusid"), _text("name", 50, False), _flag("isdefault", 0),
    _text("statuscolor", 7), _int("statusorder", True),
)
TICKETS_PRIORITIES = Table("tbltickets_priorities", METADATA, _id("priorityid"), _text("name", 50, False))
TICKETS = Table(
    "tbltickets", METADATA, _id("ticketid"), _flag("adminreplying", 0), _int("userid"), _flag("contactid", 0),
    Column("email", Text), Column("name", Text), _int("department"), _int("priority"), _int("status"),
    _int("service", True), _text("ticketkey", 32, False), _text("subject", 191, False), Column("message", Text),
    Column("date", DateTime, nullable=False), _flag("project_id", 0), Column("lastreply", DateTime),
    _flag("clientread", 0), _flag("adminread", 0), *_marker(),
)
INVOICES = Table(
    "tblinvoices", METADATA, _id(), _flag("sent", 0), Column("datesend", DateTime), _int("clientid"),
    _int("number"), _text("prefix", 50), _flag("number_format", 0), Column("datecreated", DateTime, nullable=False),
    Column("date", Date, nullable=False), Column("duedate", Date), _int("currency"), _money("subtotal", False),
    _money("total_tax", False, "0.00"), _money("total", False), _money("adjustment"), _int("addedfrom", True),
    _text("hash", 32, False), _flag("status", 1, True), Column("clientnote", Text), Column("adminnote", Text),
    _money("discount_percent", True, "0.00"), _money("discount_total", True, "0.00"),
    _text("discount_type", 30, False), _int("billing_country", True), _int("shipping_country", True),
    _int("include_shipping"), _flag("show_shipping_on_invoice", 1), *_marker(),
)
ESTIMATES = Table(
    "tblestimates", METADATA, _id(), _flag("sent", 0), _int("clientid"), _flag("project_id", 0), _int("number"),
    _text("prefix", 50), _flag("number_format", 0), _text("hash", 32), Column("datecreated", DateTime, nullable=False),
    Column("date", Date, nullable=False), Column("expirydate", Date), _int("currency"), _money("subtotal", False),
    _money("total_tax", False, "0.00"), _money("total", False), _money("adjustment"), _int("addedfrom"),
    _flag("status", 1), Column("clientnote", Text), Column("adminnote", Text), _text("reference_no", 100),
    _int("billing_country", True), _int("shipping_country", True), _int("include_shipping"), *_marker(),
)
ITEMABLE = Table(
    "tblitemable", METADATA, _id(), _int("rel_id"), _text("rel_type", 15, False), Column("description", Text,
                                                                                            nullable=False),
    Column("long_description", Text), _money("qty", False), _money("rate", False), _text("unit", 40),
    _int("item_order", True),
)
ITEM_TAX = Table("tblitem_tax", METADATA, _id(), _int("itemid"), _int("rel_id"), _text("rel_type", 20, False),
                 _money("taxrate", False), _text("taxname", 100, False))
TAXES = Table("tbltaxes", METADATA, _id(), _text("name", 100, False), _money("taxrate", False))
ITEMS = Table(
    "tblitems", METADATA, _id(), Column("description", Text, nullable=False), Column("long_description", Text),
    _money("rate", False), _int("tax", True), _int("tax2", True), _text("unit", 40), _flag("group_id", 0),
    *_marker(),
)
ITEMS_GROUPS = Table("tblitems_groups", METADATA, _id(), _text("name", 50, False), *_marker())
CURRENCIES = Table(
    "tblcurrencies", METADATA, _id(), _text("symbol", 10, False), _text("name", 100, False),
    _text("decimal_separator", 5), _text("thousand_separator", 5), _text("placement", 10), _flag("isdefault", 0),
    *_marker(),
)
CUSTOMERS_GROUPS = Table("tblcustomers_groups", METADATA, _id(), _text("name", 191, False), *_marker())
CUSTOMER_GROUPS = Table("tblcustomer_groups", METADATA, _id(), _int("groupid"), _int("customer_id"))
PAYMENTS = Table(
    "tblinvoicepaymentrecords", METADATA, _id(), _int("invoiceid"), _money("amount", False),
    _text("paymentmode", 40), _text("paymentmethod", 191), Column("date", Date, nullable=False),
    Column("daterecorded", DateTime, nullable=False), Column("note", Text, nullable=False),
    Column("transactionid", Text), *_marker(),
)
PAYMENT_MODES = Table("tblpayment_modes", METADATA, _id(), _text("name", 100, False), Column("description", Text),
                      _flag("active", 1))
COUNTRIES = Table(
    "tblcountries", METADATA, _id("country_id"), Column("iso2", CHAR(2)),
    Column("short_name", String(80), nullable=False, server_default=""),
    Column("long_name", String(80), nullable=False, server_default=""), Column("iso3", CHAR(3)),
)
OPTIONS = Table("tbloptions", METADATA, _id(), _text("name", 191, False), Column("value", Text, nullable=False),
                _flag("autoload", 1))

# -- the tables of the advanced entities (the smartcrm preset) ------------------------------------------------
# the Warehouse module's, as its installer creates them (tblinventory_manage's key there is (id, commodity_id,
# warehouse_id); id alone is unique, being auto-increment)
UNIT_TYPES = Table(
    "tblware_unit_type", METADATA, _id("unit_type_id"), _text("unit_code", 100), Column("unit_name", Text),
    Column("unit_symbol", Text), _int("order", True), _int("display", True), Column("note", Text), *_marker(),
)
WAREHOUSES = Table(
    "tblwarehouse", METADATA, _id("warehouse_id"), _text("warehouse_code", 100), Column("warehouse_name", Text),
    Column("warehouse_address", Text), _int("order", True), _int("display", True), Column("note", Text),
    *_marker(),
)
INVENTORY = Table(
    "tblinventory_manage", METADATA, _id(), _int("warehouse_id"), _int("commodity_id"),
    _text("inventory_number", 100), *_marker(),
)
# the CRM module's own: client groups with a discount, and the grid of discounts per group
DISCOUNT_GROUPS = Table("tbldiscount_groups", METADATA, _id(), _text("name", 191, False), *_marker())
GROUP_DISCOUNTS = Table(
    "tblitem_client_group_discounts", METADATA, _id(), _int("client_group_id"), _int("item_id", True),
    _int("item_group_id", True), _money("discount_percent", False, "0.00"), *_marker(),
)

# the Omni Sales module's orders and their lines, as its installer creates them and later versions extend them
# (a subset: the columns an order or a line needs, with the module's types, NOT NULL and defaults). The module
# keeps the order's date in datecreator, its total as text, a line's quantity as a float and its tax rate as text.
CART = Table(
    "tblcart", METADATA, _id(), _int("id_contact"), _text("name", 120, False), _text("address", 250, False),
    _text("phone_number", 20, False), _text("voucher", 100, False), _flag("status", 0, True),
    _flag("complete", 0, True), Column("datecreator", DateTime, nullable=False, server_default=func.now()),
    _text("order_number", 100), _int("channel_id", True), _text("channel", 150), _text("company", 150),
    _int("userid", True), Column("notes", Text), _text("total", 250), _text("sub_total", 250),
    _money("tax", False, "0"), _int("warehouse_id", True), _int("currency", True), Column("duedate", Date),
    _int("estimate_id", True), *_marker(),
)
CART_DETAIL = Table(
    "tblcart_detailt", METADATA, _id(), _int("product_id"), Column("quantity", Float, nullable=False),
    _text("classify", 30), _int("cart_id"), _text("product_name", 150), _money("prices"),
    Column("long_description", Text), Column("sku", Text, nullable=False), Column("percent_discount", Float),
    _money("prices_discount", False), Column("tax_rate", Text), Column("tax_name", Text), _int("unit_id", True),
    _text("unit_name", 255),
)

# the CRM module's prices of a product: one row per (product, warehouse, currency), written with the product;
# tblitems.rate keeps Perfex's own one price (in its default currency). The columns are this product's choice
ITEM_PRICES = Table(
    "tblitem_prices", METADATA, _id(), _int("item_id"), _int("warehouse_id"), _int("currency_id"),
    _money("price", False, "0.00"),
)

# the CRM module's counties and localities, which tblclients.county_id and locality_id point at (columns this
# product's choice: no public schema of them was found)
COUNTIES_TABLE = Table("tblcounties", METADATA, _id(), _text("code", 10), _text("name", 100, False))
LOCALITIES = Table("tbllocalities", METADATA, _id(), _int("county_id", True), _text("name", 150, False))

#: the tables that are not stock Perfex's (the Warehouse module's, the Omni Sales module's and the CRM module's)
MODULE_TABLES = frozenset({"tblware_unit_type", "tblwarehouse", "tblinventory_manage", "tbldiscount_groups",
                           "tblitem_client_group_discounts", "tblcart", "tblcart_detailt", "tblitem_prices",
                           "tblcounties", "tbllocalities"})


# MySQL never hands a deleted row's id to a new row; SQLite does, unless a table asks for AUTOINCREMENT. The
# demo CRM behaves as Perfex on MySQL does: an id names one record for good.
for _table in METADATA.tables.values():
    _table.dialect_options["sqlite"]["autoincrement"] = True


def create_schema(engine: Engine) -> None:
    """Create the demo CRM's tables on any SQLAlchemy engine (existing tables are left as they are)."""
    METADATA.create_all(engine)
