"""The SQL connector against real databases: the demo CRM schema on SQLite files, PostgreSQL and MariaDB.

Stock Perfex has no updated-at column; here three tables get one, as a developer might add them, so the
connector's cursor mode is exercised beside its checksum mode.
"""

from __future__ import annotations

import socket
import sqlite3
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, exc, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.base import Connector
from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.connectors.sql_engine import translate
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    DuplicateError,
    NotFoundError,
    PermanentError,
    RetryableError,
)
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Origin, Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.demo_crm import create_demo_crm, create_schema, seed
from erpsync_gui.sandbox.seed_data import overlap_clients

OVERLAP = overlap_clients(25)
#: updated-at columns added to the demo CRM (column, the created column whose value they start from)
UPDATED_COLUMNS = {"tblleads": ("last_updated", "dateadded"), "tbltickets": ("updated_at", "date"),
                   "tblinvoices": ("dateupdated", "datecreated")}
#: the columns stock Perfex requires on a new lead that these tests do not care about
LEAD = {"status": 2, "source": 1, "addedfrom": 0}


def add_updated_columns(engine) -> None:
    """Give tblleads, tbltickets and tblinvoices an updated-at column, stamped like their created one."""
    kind = "TIMESTAMP" if engine.dialect.name == "postgresql" else "DATETIME"
    with engine.begin() as conn:
        for table, (column, created) in UPDATED_COLUMNS.items():
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind} NULL")
            conn.exec_driver_sql(f"UPDATE {table} SET {column} = {created}")


def updated_table(engine, name: str):
    """The reflected table (with its added updated-at column)."""
    from sqlalchemy import MetaData, Table

    return Table(name, MetaData(), autoload_with=engine)


def _connector(url: str, **options) -> SqlConnector:
    return SqlConnector(EndpointConfig(Side.CRM, "sql", url, options=options), {})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("mysql", marks=pytest.mark.mysql)])
def crm_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A demo CRM database (schema + seed rows), on a SQLite file or a fresh PostgreSQL or MariaDB database."""
    if request.param == "sqlite":
        url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP)}"
    else:
        url = request.getfixturevalue("pg_store_url" if request.param == "postgres" else "mysql_db_url")
    engine = create_engine(url, poolclass=NullPool)
    if request.param != "sqlite":
        create_schema(engine)
        seed(engine, OVERLAP)
    add_updated_columns(engine)
    engine.dispose()
    return url


@pytest.fixture
def crm(crm_url: str) -> Iterator[SqlConnector]:
    connector = _connector(crm_url)
    yield connector
    connector.close()


@pytest.fixture
def db(crm_url: str):
    """A second, independent engine on the same database: what the CRM application itself sees."""
    engine = create_engine(crm_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def _count(db, table) -> int:
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_is_a_connector_and_describes_from_reflection(crm: SqlConnector) -> None:
    assert isinstance(crm, Connector)
    assert {"clients", "contacts", "leads", "tickets", "invoices", "products", "orders"} <= set(crm.entities())
    assert "warehouses" in crm.entities()  # the demo CRM has the Warehouse module's tblwarehouse
    assert "stock" not in crm.entities()  # the perfex preset offers no stock: the smartcrm one does
    info = crm.describe("invoices")
    types = {f.name: f.type for f in info.fields}
    assert types["datecreated"] == "datetime" and types["date"] == "date"
    assert types["total"] == "number" and types["prefix"] == "text" and types["lines"] == "list"
    assert types["own_number"] == "text"  # computed by the perfex preset's rules
    assert info.has_cursor and info.key_fields == ("own_number", "number")
    clients = crm.describe("clients")
    assert clients.key_fields == ("customer_number", "vat", "company")
    assert not [f.name for f in clients.fields if f.required]  # id, created stamp and defaults are filled
    assert {f.name for f in crm.describe("leads").fields if f.required} == {"name"}  # status, source: defaults
    assert not crm.capabilities("clients").cursor and crm.capabilities("leads").cursor
    assert crm.capabilities("clients").origin_marker and not crm.capabilities("product_groups").cursor


def test_checksum_mode_pages_every_row_once(crm: SqlConnector, db) -> None:
    results = crm.create_many("clients", [{"company": f"Firma Nr. {i} SRL"} for i in range(110)])
    assert all(r.error is None for r in results)
    total = _count(db, schema.CLIENTS)
    pages = list(crm.changes("clients", None, 7))
    ids = [r.id for p in pages for r in p.records]
    assert len(ids) == len(set(ids)) == total >= 150
    assert all(p.cursor is None and p.total == total and 0 < len(p.records) <= 7 for p in pages)
    assert ids == sorted(ids, key=int)


def test_checksum_mode_reads_page_by_page(crm: SqlConnector) -> None:
    stream = crm.changes("clients", None, 10)
    first = next(stream)
    added = crm.create("clients", {"company": "Adăugat în timpul citirii SRL"})
    later = [r.id for p in stream for r in p.records]
    assert added.id in later and added.id not in {r.id for r in first.records}


def test_cursor_mode_keyset_with_ties_and_resume(crm: SqlConnector, db) -> None:
    base = datetime(2024, 1, 1, 12, 0)  # before every seeded lead
    rows = [{"name": f"Lead {i}", "dateadded": base, "last_updated": base + timedelta(minutes=i // 10), **LEAD}
            for i in range(104)]
    rows.append({"name": "Fără dată", "dateadded": base, "last_updated": None, **LEAD})
    with db.begin() as conn:
        conn.execute(insert(updated_table(db, "tblleads")), rows)
    total = _count(db, schema.LEADS)

    pages = list(crm.changes("leads", None, 7))
    records = [r for p in pages for r in p.records]
    assert len(records) == len({r.id for r in records}) == total
    assert pages[0].records[0].updated_at is None and pages[0].cursor is None  # never-stamped rows first
    stamped = [r for r in records if r.updated_at is not None]
    assert [(r.updated_at, int(r.id)) for r in stamped] == sorted((r.updated_at, int(r.id)) for r in stamped)
    assert pages[-1].cursor == stamped[-1].updated_at.isoformat()

    # resume from a stored cursor: everything at or after it, nothing older
    middle = next(p for p in pages if p.cursor and p.cursor.startswith("2024-01-01T12:05"))
    resumed = [r for p in crm.changes("leads", middle.cursor, 7) for r in p.records]
    since = datetime.fromisoformat(middle.cursor)
    assert {r.id for r in resumed} == {r.id for r in stamped if r.updated_at >= since}

    crm.update("leads", stamped[0].id, {"title": "Director achiziții"})  # stamps last_updated = now
    after = [r.id for p in crm.changes("leads", pages[-1].cursor, 7) for r in p.records]
    assert stamped[0].id in after and stamped[1].id not in after


def test_invoice_lines_come_with_invoices(crm: SqlConnector, db) -> None:
    invoices = [r for p in crm.changes("invoices", None, 2) for r in p.records]
    with db.connect() as conn:
        is_invoice_line = schema.ITEMABLE.c.rel_type == "invoice"
        lines_total = conn.execute(select(func.count()).where(is_invoice_line)).scalar()
        conn.execute(insert(schema.ITEMABLE).values(rel_id=int(invoices[0].id), rel_type="estimate",
                                                    description="ofertă", qty=1, rate=1, item_order=1))
        conn.commit()
    assert len(invoices) == 6 and sum(len(r.data["lines"]) for r in invoices) == lines_total
    for record in invoices:
        orders = [line["item_order"] for line in record.data["lines"]]
        assert orders == sorted(orders) and orders
        assert all(line["rel_id"] == int(record.id) and line["rel_type"] == "invoice"
                   for line in record.data["lines"])
        assert isinstance(record.data["total"], Decimal) and record.updated_at.tzinfo is not None
    again = crm.get_many("invoices", [invoices[0].id])[invoices[0].id]
    assert again.data["lines"] == invoices[0].data["lines"]  # the estimate's line is not an invoice line


def test_create_many_one_bad_row_does_not_stop_the_others(crm: SqlConnector, db) -> None:
    before = _count(db, schema.CLIENTS)
    payloads = [{"company": "Unu SRL"}, {"company": "Doi SRL"}, {"company": "Ieri SRL", "datecreated": "ieri"},
                {"company": "Trei GmbH", "city": "Köln"}, {"company": "چهار", "customer_number": "C00001"}]
    results = crm.create_many("clients", payloads)
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert isinstance(results[2].error, PermanentError) and "datecreated" in str(results[2].error)
    assert isinstance(results[4].error, DuplicateError) and "customer_number" in str(results[4].error)
    written = [r.record for r in results if r.record is not None]
    assert [w.data["company"] for w in written] == ["Unu SRL", "Doi SRL", "Trei GmbH"]
    assert all(w.data["datecreated"] is not None for w in written)  # the created column is filled
    assert _count(db, schema.CLIENTS) == before + 3
    with pytest.raises(DuplicateError):
        crm.create("clients", {"company": "X", "customer_number": "C00002"})


def test_create_writes_lines_in_the_same_transaction(crm: SqlConnector, db) -> None:
    invoice = {"clientid": 1, "number": 900, "date": "2026-02-01", "currency": 1, "subtotal": "30.00",
               "total": "35.70", "lines": [{"description": "Șurub", "qty": 2, "rate": "10.00"},
                                           {"description": "Größenadapter", "qty": "1", "rate": 10}]}
    broken = {**invoice, "number": 901, "lines": [{"description": None, "qty": 1, "rate": 1}]}
    before = _count(db, schema.ITEMABLE)
    good, bad = crm.create_many("invoices", [invoice, broken])
    assert good.record is not None and bad.error is not None
    lines = good.record.data["lines"]
    assert [(line["description"], line["item_order"]) for line in lines] == [("Șurub", 1),
                                                                              ("Größenadapter", 2)]
    assert lines[0]["qty"] == Decimal("2") and good.record.updated_at is not None
    assert _count(db, schema.ITEMABLE) == before + 2  # the failed invoice left no orphan line
    assert not crm.find_by_keys("invoices", "number", [901])


def test_origin_marker_is_stamped_and_found(crm: SqlConnector, crm_url: str) -> None:
    record = crm.create("clients", {"company": "Importat din ERP SRL"}, origin=Origin("erpsync", "E-17"))
    assert record.data["external_id"] == "E-17" and record.data["external_channel"] == "erpsync"
    found = crm.find_by_origin("clients", "erpsync", ["E-17", "E-404"])
    assert list(found) == ["E-17"] and found["E-17"].id == record.id
    assert crm.find_by_origin("clients", "another-channel", ["E-17"]) == {}
    assert crm.find_by_origin("currencies", "erpsync", ["1"]) == {}
    crm.close()
    plain = _connector(crm_url, tables={"statuses": {"table": "tblleads_status"}})
    assert not plain.capabilities("statuses").origin_marker and plain.find_by_origin("statuses", "erpsync", ["1"]) == {}
    plain.close()


def test_find_by_keys_and_get_many(crm: SqlConnector) -> None:
    found = crm.find_by_keys("clients", "customer_number", ["C00003", "C00007", "C99999", None])
    assert set(found) == {"C00003", "C00007"}
    assert found["C00003"][0].data["company"] == OVERLAP[2]["company"]
    by_number = crm.find_by_keys("invoices", "number", ["2", 3])
    assert set(by_number) == {"2", "3"} and by_number["3"][0].data["lines"]
    record_id = found["C00007"][0].id
    got = crm.get_many("clients", [record_id, "999999", "not-a-number"])
    assert list(got) == [record_id]


def test_update_columns_and_lines(crm: SqlConnector) -> None:
    invoice = crm.find_by_keys("invoices", "number", [1])["1"][0]
    new_lines = [{"description": "Linie nouă", "qty": 3, "rate": "5"}]
    updated = crm.update("invoices", invoice.id, {"adminnote": "Plătită parțial", "lines": new_lines})
    assert updated.data["adminnote"] == "Plătită parțial" and updated.updated_at > invoice.updated_at
    assert [(x["description"], x["qty"]) for x in updated.data["lines"]] == [("Linie nouă", Decimal("3"))]
    client = crm.update("clients", "1", {"city": "Brașov"})
    assert client.data["city"] == "Brașov"
    with pytest.raises(NotFoundError):
        crm.update("clients", "999999", {"city": "Iași"})
    with pytest.raises(NotFoundError):
        crm.update("clients", "abc", {"city": "Iași"})


def test_unknown_names_are_config_errors_listing_what_exists(crm: SqlConnector) -> None:
    with pytest.raises(ConfigError) as caught:
        crm.create("clients", {"company": "X", "emailaddress": "a@b.example"})
    assert "emailaddress" in caught.value.message and "company" in (caught.value.hint or "")
    with pytest.raises(ConfigError):
        crm.create_many("invoices", [{"number": 1, "lines": [{"colour": "red"}]}])
    with pytest.raises(ConfigError):
        crm.find_by_keys("clients", "email", ["a@b.example"])
    with pytest.raises(PermanentError):
        crm.create("clients", {"company": "X", "datecreated": "not a date"})


def test_overrides_are_checked_against_the_reflection(crm_url: str) -> None:
    bad_table = _connector(crm_url, tables={"clients": {"table": "tblcustomers", "id": "userid"}})
    with pytest.raises(ConfigError) as caught:
        bad_table.changes("clients", None, 10).__next__()
    assert "tblcustomers" in caught.value.message and "tblclients" in (caught.value.hint or "")
    bad_table.close()
    bad_column = _connector(crm_url, tables={"clients": {"id": "client_id"}})
    with pytest.raises(ConfigError, match="client_id"):
        bad_column.capabilities("clients")
    bad_column.close()
    with pytest.raises(ConfigError):
        _connector(crm_url, tables={"clients": {"tabel": "tblclients"}})
    with pytest.raises(ConfigError):
        _connector(crm_url, preset="salesforce")
    cursor_on = _connector(crm_url, tables={"clients": {"updated": "datecreated"}, "groups":
                                            {"table": "tblcustomers_groups"}})
    assert cursor_on.capabilities("clients").cursor
    assert next(cursor_on.changes("clients", None, 5)).cursor is not None
    assert "groups" in cursor_on.entities() and cursor_on.describe("groups").fields
    cursor_on.close()
    plain = _connector(crm_url, preset="none")
    assert plain.entities() == [] and plain.capabilities("tblleads").cursor
    plain.close()


def test_a_column_dropped_behind_our_back_is_a_config_error(crm: SqlConnector, db) -> None:
    crm.capabilities("tickets")  # reflected now
    with db.begin() as conn:
        conn.execute(text("ALTER TABLE tbltickets DROP COLUMN service"))
    with pytest.raises(ConfigError):
        next(crm.changes("tickets", None, 5))


def test_check_reports_server_and_tables(crm: SqlConnector, db) -> None:
    with db.begin() as conn:  # a Perfex without the Warehouse module
        conn.exec_driver_sql("DROP TABLE tblwarehouse")
    result = crm.check()
    assert result.ok and result.reachable and result.authenticated and result.latency_ms is not None
    assert "12 of 13 perfex tables" in result.message and result.server
    assert "missing table tblwarehouse (entity warehouses)" in result.details


def test_check_on_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "lipsă" / "crm.db"
    crm = _connector(f"sqlite:///{path}")
    result = crm.check()
    assert not result.ok and not result.reachable and "does not exist" in result.message
    with pytest.raises(ConfigError, match="does not exist"):
        next(crm.changes("clients", None, 10))
    crm.close()
    assert not path.exists() and not path.parent.exists()


def test_check_on_an_empty_database_says_no_tables(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    create_engine(f"sqlite:///{path}").connect().close()
    result = _connector(f"sqlite:///{path}").check()
    assert not result.ok and result.reachable and "none of the perfex tables" in result.message


def test_sqlite_is_shared_in_wal_mode(tmp_path: Path) -> None:
    crm = _connector(f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP[:3])}")
    with crm.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    crm.close()


def test_unreachable_server_is_reported_without_the_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: nothing listens there
    endpoint = EndpointConfig(Side.CRM, "sql", f"postgresql+psycopg://crm@127.0.0.1:{port}/perfex", timeout=3)
    crm = SqlConnector(endpoint, {"db_password": "s3cret-Pa55"})
    result = crm.check()
    assert not result.ok and not result.reachable and "127.0.0.1" in result.message
    assert "s3cret-Pa55" not in result.message and "s3cret-Pa55" not in repr(crm)
    crm.close()


@pytest.mark.slow
def test_streams_100000_rows_a_page_at_a_time(tmp_path: Path) -> None:
    url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', [])}"
    engine = create_engine(url, poolclass=NullPool)
    created = datetime(2025, 1, 1)
    with engine.begin() as conn:
        for start in range(0, 100_000, 10_000):
            conn.execute(insert(schema.CLIENTS), [{"company": f"Firma {i}", "datecreated": created}
                                                  for i in range(start, start + 10_000)])
    total = _count(engine, schema.CLIENTS)
    engine.dispose()
    crm = _connector(url)
    tracemalloc.start()
    try:
        seen, last = 0, 0
        for page in crm.changes("clients", None, 1000):
            seen += len(page.records)
            assert int(page.records[0].id) > last  # keyset order, never a row twice
            last = int(page.records[-1].id)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        crm.close()
    assert seen == total > 100_000
    assert peak < 30_000_000  # all 100,000 records at once would take several times this


@pytest.mark.postgres
def test_a_refused_login_is_an_auth_error(pg_store_url: str) -> None:
    role = f"locked_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_store_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
    try:
        crm = _connector(make_url(pg_store_url).set(username=role).render_as_string(hide_password=False))
        result = crm.check()
        assert result.reachable and not result.authenticated and not result.ok
        with pytest.raises(AuthError):
            crm.entities()
        crm.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


@pytest.mark.parametrize(("wrapper", "driver_error", "message", "expected"), [
    ("OperationalError", "sqlite3.OperationalError", "database is locked", RetryableError),
    ("OperationalError", "psycopg.OperationalError",
     'connection failed: FATAL:  password authentication failed for user "crm"', AuthError),
    ("OperationalError", "psycopg.OperationalError",
     'connection failed: FATAL:  database "perfex" does not exist', ConfigError),
    ("OperationalError", "sqlite3.OperationalError", "no such column: tblclients.vat", ConfigError),
    ("ProgrammingError", "psycopg.errors.UndefinedTable", 'relation "tblclients" does not exist',
     ConfigError),
    ("IntegrityError", "sqlite3.IntegrityError", "UNIQUE constraint failed: tblclients.vat", DuplicateError),
    ("IntegrityError", "psycopg.errors.UniqueViolation", "duplicate key value violates unique constraint",
     DuplicateError),
    ("IntegrityError", "sqlite3.IntegrityError", "NOT NULL constraint failed: tblclients.company",
     PermanentError),
    ("DataError", "psycopg.errors.StringDataRightTruncation", "value too long", PermanentError),
])
def test_driver_errors_become_product_errors(wrapper: str, driver_error: str, message: str,
                                             expected: type) -> None:
    module_name, _, class_name = driver_error.rpartition(".")
    module = sqlite3 if module_name == "sqlite3" else pytest.importorskip(module_name)
    error = getattr(exc, wrapper)("SELECT 1", {}, getattr(module, class_name)(message))
    translated = translate(error, "reading clients")
    assert type(translated) is expected and translated.message.startswith("reading clients")


def test_delete_removes_the_row_with_its_lines(crm: SqlConnector, db) -> None:
    invoice = {"clientid": 1, "number": 950, "date": "2026-02-01", "currency": 1, "subtotal": "10.00",
               "total": "10.00", "lines": [{"description": "Șurub", "qty": 1, "rate": "10.00"}]}
    created = crm.create("invoices", invoice)
    before = _count(db, schema.ITEMABLE)
    crm.delete("invoices", created.id)
    assert crm.get_many("invoices", [created.id]) == {}
    assert _count(db, schema.ITEMABLE) == before - 1
    crm.delete("invoices", created.id)  # already gone: nothing to do
    crm.delete("invoices", "not-a-number")


def test_archive_clears_the_active_flag_where_the_table_has_one(crm: SqlConnector) -> None:
    created = crm.create("clients", {"company": "Arhivat SRL"})
    assert crm.capabilities("clients").archive
    assert crm.archive("clients", created.id).data["active"] in (0, False)
    assert not crm.capabilities("invoices").archive
    with pytest.raises(PermanentError, match="cannot be archived"):
        crm.archive("invoices", "1")
