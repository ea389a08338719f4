"""The demo CRM database: Perfex-style tables, seeded rows, overlap with the ERP, idempotent creation."""

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
from erpsync_gui.sandbox.seed_data import overlap_clients

OVERLAP = overlap_clients(25)
# ERP client key -> tblclients column, for the values a client mapping carries over
MAPPED = {"company": "company", "vat": "vat", "phone": "phonenumber", "city": "city", "zip": "zip",
          "county": "state", "country": "country", "address": "address"}


def _rows(url: str, table) -> list[dict]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    engine.dispose()
    return rows


def _mapped(erp: dict) -> dict:
    return {crm: erp.get(key) for key, crm in MAPPED.items()} | {"active": int(erp["active"])}


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
    assert {line["rel_id"] for line in lines} == {i["id"] for i in _rows(url, schema.INVOICES)}
    assert all(p["commodity_code"] for p in _rows(url, schema.ITEMS))
    text = " ".join(str(v) for row in clients + contacts for v in row.values())
    assert {"ș", "ä", "ö"} <= set(text) and any("\u0600" <= ch <= "\u06ff" for ch in text)
    assert {c["userid"] for c in contacts} == {c["userid"] for c in clients}  # every client has a contact


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


def test_updated_columns_drive_the_connector_modes(tmp_path: Path) -> None:
    url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP)}"
    crm = SqlConnector(EndpointConfig(Side.CRM, "sql", url), {})
    cursor = {e: crm.capabilities(e).cursor for e in crm.entities()}
    crm.close()
    assert cursor == {"clients": False, "contacts": False, "leads": True, "projects": False, "tickets": True,
                      "invoices": True, "products": False, "product_groups": False, "currencies": False,
                      "client_groups": False}


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
