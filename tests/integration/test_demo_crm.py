"""The demo CRM database: a faithful subset of stock Perfex 2.7.3, seeded rows as Perfex's code writes them,
overlap with the ERP, idempotent creation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.demo_crm import create_demo_crm, create_schema, seed, varied_overlap
from erpsync_gui.sandbox.demo_crm_perfex import COUNTRY_IDS
from erpsync_gui.sandbox.seed_data import overlap_clients
from tests import perfex_schema as stock

OVERLAP = overlap_clients(25)
# ERP client key -> tblclients column, for the values a client mapping carries over
MAPPED = {"company": "company", "vat": "vat", "phone": "phonenumber", "city": "city", "zip": "zip",
          "county": "state", "address": "address"}
#: the CRM module's columns: the origin marker, and where it keeps the ERP's customer number
MODULE_COLUMNS = {"external_id", "external_channel"}
#: the CRM module's columns of tblclients: the ERP's customer number, the client's county and locality
CLIENT_COLUMNS = {("tblclients", "customer_number"), ("tblclients", "county_id"), ("tblclients", "locality_id")}


def _rows(url: str, table) -> list[dict]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    engine.dispose()
    return rows


def _mapped(erp: dict) -> dict:
    return ({crm: erp.get(key) for key, crm in MAPPED.items()}
            | {"active": int(erp["active"]), "country": COUNTRY_IDS[erp["country"]]})


def _kind(column) -> str:
    from erpsync_gui.connectors.sql_schema import field_type

    return field_type(column)


def test_the_schema_is_stock_perfex_plus_the_modules_columns() -> None:
    """Every demo table is a stock Perfex 2.7.3 table and every column a stock column of the same kind,
    nullability and default; the only others are the CRM module's marker columns and customer number, and
    the tables of the modules."""
    assert set(schema.METADATA.tables) >= schema.MODULE_TABLES
    for name, table in schema.METADATA.tables.items():
        if name in schema.MODULE_TABLES:
            assert not set(stock.METADATA.tables) & {name}, name
            continue
        assert name in stock.METADATA.tables, name
        original = stock.METADATA.tables[name]
        for column in table.columns:
            if column.name in MODULE_COLUMNS or (name, column.name) in CLIENT_COLUMNS:
                continue
            assert column.name in original.c, f"{name}.{column.name} is not a Perfex column"
            theirs = original.c[column.name]
            assert _kind(column) == _kind(theirs), f"{name}.{column.name}"
            assert column.nullable == theirs.nullable, f"{name}.{column.name} NULL"
            ours_default = column.server_default.arg if column.server_default is not None else None
            their_default = theirs.server_default.arg if theirs.server_default is not None else None
            assert str(ours_default or "").strip("'") == str(their_default or "").strip("'") or \
                {ours_default, their_default} <= {"0", "0.00"}, f"{name}.{column.name} default"
        # a NOT NULL column without a default in Perfex is in the demo too: its rows could not exist otherwise
        for column in original.columns:
            if not column.nullable and column.server_default is None and not column.primary_key:
                assert column.name in table.c, f"{name}.{column.name} (required in Perfex) is missing"


def test_creates_perfex_tables_with_realistic_rows(tmp_path: Path) -> None:
    path = create_demo_crm(tmp_path / "demo" / "crm.db", OVERLAP)
    assert path.is_file() and not list(tmp_path.glob("demo/*.building"))
    url = f"sqlite:///{path}"
    clients = _rows(url, schema.CLIENTS)
    contacts = _rows(url, schema.CONTACTS)
    assert len(clients) == 40
    assert len(_rows(url, schema.LEADS)) == 20 and len(_rows(url, schema.TICKETS)) == 15
    assert [c["name"] for c in _rows(url, schema.CURRENCIES)] == ["RON", "EUR", "USD", "IRR"]
    assert [c["isdefault"] for c in _rows(url, schema.CURRENCIES)] == [1, 0, 0, 0]
    lines = _rows(url, schema.ITEMABLE)
    invoices = _rows(url, schema.INVOICES)
    assert {line["rel_id"] for line in lines} == {i["id"] for i in invoices}
    text = " ".join(str(v) for row in clients + contacts for v in row.values())
    assert {"ș", "ä", "ö"} <= set(text) and any("\u0600" <= ch <= "\u06ff" for ch in text)
    # Perfex's rules: one primary contact per client, with its permissions; countries are tblcountries ids
    primaries = [c["userid"] for c in contacts if c["is_primary"]]
    assert sorted(primaries) == sorted(c["userid"] for c in clients)
    permissions = _rows(url, schema.CONTACT_PERMISSIONS)
    assert {(p["userid"], p["permission_id"]) for p in permissions} == {(c["id"], p) for c in contacts
                                                                          for p in range(1, 7)}
    assert {c["country"] for c in clients} <= set(COUNTRY_IDS.values())
    # invoices numbered from tbloptions, taxed per line, paid ones with their payment
    options = {o["name"]: o["value"] for o in _rows(url, schema.OPTIONS)}
    assert [i["number"] for i in invoices] == list(range(1, 7)) and options["next_invoice_number"] == "7"
    assert all(i["prefix"] == "INV-" and len(i["hash"]) == 32 for i in invoices)
    taxes = _rows(url, schema.ITEM_TAX)
    assert sorted(t["itemid"] for t in taxes) == sorted(line["id"] for line in lines)
    for invoice in invoices:
        own = [t for t in taxes if t["rel_id"] == invoice["id"]]
        assert invoice["total_tax"] == sum(
            (line["qty"] * line["rate"] * 19 / 100).quantize(invoice["total_tax"]) for line in lines
            if line["rel_id"] == invoice["id"]) and own
        paid = sum(p["amount"] for p in _rows(url, schema.PAYMENTS) if p["invoiceid"] == invoice["id"])
        assert invoice["status"] == (2 if paid >= invoice["total"] else 1)
    projects = _rows(url, schema.PROJECTS)
    settings = _rows(url, schema.PROJECT_SETTINGS)
    assert len(settings) == 19 * len(projects) and len(_rows(url, schema.PROJECT_MEMBERS)) == len(projects)
    assert all(len(t["ticketkey"]) == 32 and t["department"] == 1 for t in _rows(url, schema.TICKETS))


def test_overlap_clients_share_customer_numbers_some_identical_some_not(tmp_path: Path) -> None:
    url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP)}"
    clients = {c["customer_number"]: c for c in _rows(url, schema.CLIENTS) if c["customer_number"]}
    primaries = {c["userid"]: c["email"] for c in _rows(url, schema.CONTACTS) if c["is_primary"]}
    varied = set(varied_overlap(OVERLAP))
    assert len(varied) == 5
    for erp in OVERLAP:
        crm = clients[erp["customer_number"]]
        differences = {k for k, v in _mapped(erp).items() if crm[k] != v}
        assert len(differences) == (1 if erp["customer_number"] in varied else 0), erp["customer_number"]
        assert primaries[crm["userid"]] == erp["email"]
    own = [c for c in _rows(url, schema.CLIENTS) if c["customer_number"] not in {e["customer_number"]
                                                                                 for e in OVERLAP}]
    assert len(own) == 15


def test_is_idempotent_and_deterministic(tmp_path: Path) -> None:
    path = create_demo_crm(tmp_path / "crm.db", OVERLAP)
    before = path.read_bytes()
    assert create_demo_crm(path, OVERLAP[:3], seed=99) == path
    assert path.read_bytes() == before
    twin = create_demo_crm(tmp_path / "twin.db", OVERLAP)
    assert _rows(f"sqlite:///{twin}", schema.CLIENTS) == _rows(f"sqlite:///{path}", schema.CLIENTS)
    other = create_demo_crm(tmp_path / "other.db", OVERLAP, seed=8)
    assert _rows(f"sqlite:///{other}", schema.LEADS) != _rows(f"sqlite:///{path}", schema.LEADS)


def test_as_in_perfex_every_entity_is_read_whole_and_compared_by_checksum(tmp_path: Path) -> None:
    url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP)}"
    crm = SqlConnector(EndpointConfig(Side.CRM, "sql", url, options={"preset": "smartcrm"}), {})
    cursor = {e: crm.capabilities(e).cursor for e in crm.entities()}
    marked = {e: crm.capabilities(e).origin_marker for e in crm.entities()}
    tables = {e: crm.table_of(e) for e in ("units", "warehouses", "stock", "client_groups", "discount_grids")}
    crm.close()
    assert cursor == dict.fromkeys(["clients", "contacts", "leads", "projects", "tickets", "invoices", "orders",
                                    "products", "product_groups", "currencies", "client_groups", "payments",
                                    "warehouses", "units", "stock", "discount_grids"], False)
    assert all(marked.values())
    assert tables == {"units": "tblware_unit_type", "warehouses": "tblwarehouse", "stock": "tblinventory_manage",
                      "client_groups": "tbldiscount_groups", "discount_grids": "tblitem_client_group_discounts"}


@pytest.mark.postgres
def test_schema_and_seed_work_on_postgresql(pg_store_url: str, tmp_path: Path) -> None:
    engine = create_engine(pg_store_url, poolclass=NullPool)
    create_schema(engine)
    counts = seed(engine, OVERLAP)
    engine.dispose()
    sqlite_engine = create_engine(f"sqlite:///{tmp_path / 'same.db'}", poolclass=NullPool)
    create_schema(sqlite_engine)
    assert seed(sqlite_engine, OVERLAP) == counts
    sqlite_engine.dispose()
    assert counts["tblclients"] == 40
    pg_clients = _rows(pg_store_url, schema.CLIENTS)
    assert pg_clients == _rows(f"sqlite:///{tmp_path / 'same.db'}", schema.CLIENTS)
