"""The SQL connector's perfex preset on stock Perfex CRM 2.7.3 (tests/perfex_schema.py), on SQLite and MariaDB:
what it describes and reports, the marker columns it adds only when asked, and each row it writes as Perfex's
own code would have written it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.errors import ConfigError, PermanentError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Origin, Side
from tests import perfex_schema as stock

HEX32 = re.compile(r"^[0-9a-f]{32}$")
OFFERED = ["clients", "contacts", "leads", "projects", "tickets", "invoices", "orders", "products",
           "product_groups", "currencies", "client_groups", "payments"]


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def stock_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh stock Perfex 2.7.3 database (tables and stock rows), on a SQLite file or MariaDB."""
    url = f"sqlite:///{tmp_path / 'perfex.db'}" if request.param == "sqlite" else request.getfixturevalue(
        "mysql_db_url")
    engine = create_engine(url, poolclass=NullPool)
    stock.create_stock(engine)
    engine.dispose()
    return url


@pytest.fixture
def db(stock_url: str) -> Iterator[Engine]:
    engine = create_engine(stock_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def app(db: Engine) -> stock.PerfexApp:
    return stock.PerfexApp(db)


def _connector(url: str, **options) -> SqlConnector:
    return SqlConnector(EndpointConfig(Side.CRM, "sql", url, options={"preset": "perfex", **options}), {})


@pytest.fixture
def crm(stock_url: str) -> Iterator[SqlConnector]:
    connector = _connector(stock_url)
    yield connector
    connector.close()


@pytest.fixture
def marked(crm: SqlConnector) -> SqlConnector:
    """The connector after the marker columns were added (as `erpsync crm add-markers` does)."""
    crm.add_marker_columns(confirm=True)
    return crm


def test_every_preset_entity_but_the_warehouse_modules_is_offered_and_described(crm: SqlConnector) -> None:
    assert list(crm.entities()) == OFFERED
    required = {e: sorted(f.name for f in crm.describe(e).fields if f.required) for e in OFFERED}
    # what a mapping must give; everything else Perfex requires the preset fills in as Perfex does
    assert required == {
        "clients": [], "contacts": ["email", "userid"], "leads": ["name"], "projects": ["clientid", "name"],
        # stock Perfex has no department: tickets need one before the first can be created
        "tickets": ["department", "subject"], "invoices": ["clientid"], "orders": ["clientid"],
        "products": ["description"], "product_groups": ["name"], "currencies": ["name", "symbol"],
        "client_groups": ["name"], "payments": ["amount", "invoiceid"]}
    leads = {f.name: f for f in crm.describe("leads").fields}
    assert (leads["status"].default, leads["source"].default, leads["addedfrom"].default) == (1, 1, 0)
    assert leads["country"].type == "text" and leads["country"].nullable  # shown as the ISO code
    invoices = {f.name: f for f in crm.describe("invoices").fields}
    assert invoices["discount_type"].default == "" and invoices["include_shipping"].default == 0
    assert invoices["currency"].default == 1 and not invoices["hash"].required  # USD, Perfex's default
    assert {"own_number", "formatted_number"} <= set(invoices)
    assert crm.describe("payments").fields[-1].name == "transactionid"
    assert {f.name: f.default for f in crm.describe("payments").fields}["note"] == ""


def test_the_connection_test_names_what_stock_perfex_lacks(crm: SqlConnector) -> None:
    result = crm.check()
    assert result.ok and "12 of 13 perfex tables found" in result.message
    details = "\n".join(result.details)
    assert "missing table tblwarehouse (entity warehouses)" in details
    assert "marker columns external_id, external_channel missing on: tblclients, tblcontacts, tblleads" in details
    assert "tbltickets.department: tbldepartments has no row" in details
    assert "Europe/Bucharest" in details  # tbloptions.default_timezone


def test_marker_columns_are_added_only_when_confirmed_and_the_sql_is_shown_first(crm: SqlConnector,
                                                                                 db: Engine) -> None:
    planned = crm.add_marker_columns(["clients", "tickets"])
    assert not planned.executed and [c.table for c in planned.changes] == ["tblclients", "tbltickets"]
    sql = planned.sql_text()
    assert "ALTER TABLE" in sql and "external_id" in sql and "external_channel" in sql
    assert ("CREATE INDEX" in sql) != ("ADD INDEX" in sql)  # one index per table, the dialect's way
    assert sql.count(";\n") == len(planned.statements)
    assert not crm.capabilities("clients").origin_marker  # nothing ran
    with db.connect() as conn:
        assert "external_id" not in {c["name"] for c in _columns(conn, "tblclients")}

    done = crm.add_marker_columns(["clients", "tickets"], confirm=True)
    assert done.executed and crm.capabilities("clients").origin_marker and crm.capabilities("tickets").origin_marker
    assert not crm.capabilities("leads").origin_marker  # only the tables asked for
    assert crm.add_marker_columns(["clients"], confirm=True).changes == ()  # nothing left to add
    record = crm.create("clients", {"company": "Marcat SRL"}, origin=Origin("erpsync", "E-1"))
    assert crm.find_by_origin("clients", "erpsync", ["E-1"])["E-1"].id == record.id


def _columns(conn, table: str) -> list[dict]:
    from sqlalchemy import inspect

    return inspect(conn).get_columns(table)


def test_tickets_and_payments_are_not_created_without_the_marker_columns(crm: SqlConnector, app, db) -> None:
    app.add_department("Suport")
    client = app.add_client("Fără marcaj SRL")
    results = crm.create_many("tickets", [{"subject": "Ajutor", "userid": client}, {"subject": "Din nou"}])
    assert all(isinstance(r.error, ConfigError) for r in results)
    assert "external_id" in str(results[0].error) and "add-markers" in str(results[0].error)
    invoice = app.add_invoice(client, [("Oră", "1", "100")])
    with pytest.raises(ConfigError, match="no natural key"):
        crm.create("payments", {"invoiceid": invoice, "amount": "100"})
    assert app.count(stock.TICKETS) == 0 and app.count(stock.PAYMENTS) == 0
    crm.add_marker_columns(["tickets", "payments"], confirm=True)
    assert crm.create("tickets", {"subject": "Acum merge", "userid": client}).data["subject"] == "Acum merge"


def test_a_ticket_needs_a_department_and_gets_perfexs_values(marked: SqlConnector, app) -> None:
    client = app.add_client("Ajutor SRL")
    primary = app.add_contact(client, "Ana", "Pop", "ana@ajutor.example", primary=True)
    with pytest.raises(ConfigError, match="department") as refused:
        marked.create("tickets", {"subject": "Nu merge", "userid": client})
    assert "perfex_defaults" in str(refused.value)
    department = app.add_department("Suport tehnic")
    first, second = (marked.create("tickets", {"subject": s, "userid": client, "message": "…"})
                     for s in ("Nu merge", "Tot nu merge"))
    row = app.rows(stock.TICKETS, ticketid=int(first.id))[0]
    assert (row["department"], row["priority"], row["status"], row["contactid"]) == (department, 1, 1, primary)
    assert HEX32.match(row["ticketkey"]) and row["ticketkey"] != app.rows(stock.TICKETS)[1]["ticketkey"]
    assert row["date"].microsecond == 0 and second.data["ticketkey"] != first.data["ticketkey"]
    chosen = _connector(marked._url.render_as_string(hide_password=False),
                        perfex_defaults={"ticket_priority": 3, "ticket_department": department})
    try:
        assert chosen.create("tickets", {"subject": "Urgent"}).data["priority"] == 3
    finally:
        chosen.close()


def test_a_lead_takes_perfexs_default_status_and_source_and_a_hash(crm: SqlConnector, app, stock_url) -> None:
    lead = crm.create("leads", {"name": "Ion Popescu", "email": "ion@lead.example"})
    row = app.rows(stock.LEADS, id=int(lead.id))[0]
    # stock Perfex holds only the converted-customer status: it is the only one a lead can take
    assert (row["status"], row["source"], row["addedfrom"]) == (1, 1, 0) and HEX32.match(row["hash"])
    new = app.add_lead_status("Nou", 1)
    assert crm.create("leads", {"name": "Maria"}).data["status"] == new  # not the converted-customer one
    app.edit(stock.OPTION_TABLE, next(o["id"] for o in app.rows(stock.OPTION_TABLE, name="leads_default_source")),
             value="2")
    assert crm.create("leads", {"name": "Dan"}).data["source"] == 2
    chosen = _connector(stock_url, perfex_defaults={"lead_status": 1, "lead_source": 1})
    try:
        assert (chosen.create("leads", {"name": "Eva"}).data["status"], chosen.create(
            "leads", {"name": "Eva"}).data["source"]) == (1, 1)
    finally:
        chosen.close()


def test_invoices_are_numbered_taxed_and_totalled_as_perfex_does(crm: SqlConnector, app) -> None:
    client = app.add_client("Facturat SRL")
    lines = [{"description": "Monitor", "qty": 2, "rate": "100.00", "taxrate": "19"},
             {"description": "Cablu", "qty": "3", "rate": "10", "taxrate": 0}]
    first = crm.create("invoices", {"clientid": client, "lines": lines, "total": "268.00"})
    batch = crm.create_many("invoices", [{"clientid": client, "lines": lines[:1]} for _ in range(3)])
    assert first.data["number"] == 1 and [r.record.data["number"] for r in batch] == [2, 3, 4]
    assert app.option("next_invoice_number") == "5"
    row = app.rows(stock.INVOICES, id=int(first.id))[0]
    assert (row["prefix"], row["number_format"], row["discount_type"], row["include_shipping"]) == ("INV-", 1, "", 0)
    assert HEX32.match(row["hash"]) and row["currency"] == 1 and row["addedfrom"] == 0
    assert (row["subtotal"], row["total_tax"], row["total"]) == (Decimal("230.00"), Decimal("38.00"),
                                                                 Decimal("268.00"))
    assert row["date"] == app.today()
    assert first.data["formatted_number"] == first.data["own_number"] == "INV-000001"
    taxes = app.rows(stock.ITEM_TAX, rel_id=int(first.id))
    line_ids = [line["id"] for line in first.data["lines"]]
    assert [(t["itemid"], t["rel_type"], t["taxrate"], t["taxname"]) for t in taxes] == [
        (line_ids[0], "invoice", Decimal("19.00"), "Tax")]
    assert [line["taxrate"] for line in first.data["lines"]] == [Decimal("19.00"), Decimal("0.00")]
    assert crm.find_by_keys("invoices", "own_number", ["INV-000003", "INV-999999"])["INV-000003"][0].id == \
        batch[1].record.id
    # a batch with a refused row is redone row by row: no number is spent on the refused one
    good, bad = crm.create_many("invoices", [{"clientid": client}, {"clientid": client, "date": "mâine"}])
    assert good.record.data["number"] == 5 and isinstance(bad.error, PermanentError)
    assert app.option("next_invoice_number") == "6"


def test_new_lines_replace_their_taxes_and_a_deleted_invoice_takes_them_along(crm: SqlConnector, app) -> None:
    client = app.add_client("Linii SRL")
    invoice = crm.create("invoices", {"clientid": client, "lines": [{"description": "A", "qty": 1, "rate": 10,
                                                                      "taxrate": 9}]})
    updated = crm.update("invoices", invoice.id, {"lines": [{"description": "B", "qty": 2, "rate": 50,
                                                              "taxrate": 19}]})
    assert [(t["taxrate"], t["itemid"]) for t in app.rows(stock.ITEM_TAX, rel_id=int(invoice.id))] == [
        (Decimal("19.00"), updated.data["lines"][0]["id"])]
    assert (updated.data["subtotal"], updated.data["total_tax"], updated.data["total"]) == (
        Decimal("100.00"), Decimal("19.00"), Decimal("119.00"))
    crm.delete("invoices", invoice.id)
    assert app.count(stock.ITEM_TAX) == 0 and app.count(stock.ITEMABLE) == 0


def test_the_invoice_status_follows_its_payments(marked: SqlConnector, app) -> None:
    client = app.add_client("Plătitor SRL")
    invoice = marked.create("invoices", {"clientid": client, "total": "100", "status": 2,
                                         "duedate": (app.today() + timedelta(days=10)).isoformat()})
    assert invoice.data["status"] == 1  # "paid" without a payment is unpaid in Perfex
    late = marked.create("invoices", {"clientid": client, "total": "50",
                                      "duedate": (app.today() - timedelta(days=1)).isoformat()})
    assert late.data["status"] == 4  # overdue
    part = marked.create("payments", {"invoiceid": int(invoice.id), "amount": "40"})
    assert marked.get_many("invoices", [invoice.id])[invoice.id].data["status"] == 3  # partially paid
    row = app.rows(stock.PAYMENTS, id=int(part.id))[0]
    assert (row["note"], row["paymentmode"], row["date"]) == ("", "1", app.today())
    rest = marked.create("payments", {"invoiceid": int(invoice.id), "amount": "60"})
    assert marked.get_many("invoices", [invoice.id])[invoice.id].data["status"] == 2
    marked.delete("payments", rest.id)
    assert marked.get_many("invoices", [invoice.id])[invoice.id].data["status"] == 3
    marked.update("payments", part.id, {"invoiceid": int(late.id)})  # moved to the other invoice
    statuses = {k: r.data["status"] for k, r in marked.get_many("invoices", [invoice.id, late.id]).items()}
    assert statuses == {invoice.id: 1, late.id: 3}
    draft = marked.create("invoices", {"clientid": client, "total": "10", "status": 6})
    cancelled = marked.create("invoices", {"clientid": client, "total": "10", "status": 5})
    assert (draft.data["status"], cancelled.data["status"]) == (6, 5)  # kept: a person set them


def test_one_primary_contact_per_client_with_perfexs_permissions(crm: SqlConnector, app) -> None:
    client = app.add_client("Contacte SRL")
    first = crm.create("contacts", {"userid": client, "firstname": "A", "lastname": "B", "email": "a@c.example",
                                    "is_primary": False})
    assert first.data["is_primary"] == 1  # a client's first contact is its primary one
    made = crm.create_many("contacts", [{"userid": client, "firstname": n, "lastname": "X", "email": f"{n}@c.example",
                                         "is_primary": True} for n in ("c", "d")])
    primaries = [c["id"] for c in app.rows(stock.CONTACTS, userid=client) if c["is_primary"]]
    assert primaries == [int(made[1].record.id)]  # the last one made primary is the only one
    row = app.rows(stock.CONTACTS, id=int(first.id))[0]
    assert row["phonenumber"] == "" and row["email_verified_at"] is not None
    assert all(row[f] == 1 for f in ("invoice_emails", "ticket_emails", "project_emails", "task_emails"))
    permissions = {(p["userid"], p["permission_id"]) for p in app.rows(stock.CONTACT_PERMISSIONS)}
    assert permissions == {(int(c), p) for c in (first.id, made[0].record.id, made[1].record.id)
                           for p in range(1, 7)}
    only = made[1].record.id
    assert crm.update("contacts", only, {"is_primary": False}).data["is_primary"] == 1  # never none
    crm.delete("contacts", only)
    assert [c["id"] for c in app.rows(stock.CONTACTS, userid=client) if c["is_primary"]] == [int(first.id)]
    assert not app.rows(stock.CONTACT_PERMISSIONS, userid=int(only))


def test_a_new_project_gets_perfexs_settings_and_a_member(crm: SqlConnector, app) -> None:
    client = app.add_client("Proiect SRL")
    first = crm.create("projects", {"name": "Primul", "clientid": client})
    row = app.rows(stock.PROJECTS, id=int(first.id))[0]
    assert (row["billing_type"], row["addedfrom"], row["start_date"], row["project_created"]) == (
        1, 0, app.today(), app.today())
    settings = {s["name"]: s["value"] for s in app.rows(stock.PROJECT_SETTINGS, project_id=int(first.id))}
    assert len(settings) == 19 and settings["view_tasks"] == "1" and settings["hide_tasks_on_main_tasks_table"] == "0"
    assert settings["available_features"].startswith("a:16:{") and 's:16:"project_overview";i:1;' in \
        settings["available_features"]
    assert [(m["project_id"], m["staff_id"]) for m in app.rows(stock.PROJECT_MEMBERS)] == [(int(first.id), 1)]
    # the next project copies the last one's settings, as Perfex's form does
    view_gantt = next(s for s in app.rows(stock.PROJECT_SETTINGS, project_id=int(first.id))
                      if s["name"] == "view_gantt")
    app.edit(stock.PROJECT_SETTINGS, view_gantt["id"], value="0")
    second = crm.create("projects", {"name": "Al doilea", "clientid": client})
    copied = {s["name"]: s["value"] for s in app.rows(stock.PROJECT_SETTINGS, project_id=int(second.id))}
    assert copied["view_gantt"] == "0" and copied["view_tasks"] == "1"
    crm.delete("projects", second.id)
    assert not app.rows(stock.PROJECT_SETTINGS, project_id=int(second.id))


def test_countries_are_iso_codes_outside_and_tblcountries_ids_inside(crm: SqlConnector, app) -> None:
    client = crm.create("clients", {"company": "Țară SRL", "country": "ro", "billing_country": "DE"})
    row = app.rows(stock.CLIENTS, userid=int(client.id))[0]
    assert (row["country"], row["billing_country"], row["shipping_country"]) == (181, 83, 0)
    assert (client.data["country"], client.data["billing_country"], client.data["shipping_country"]) == (
        "RO", "DE", None)
    with pytest.raises(PermanentError, match="country: the value is not a iso2 code of tblcountries"):
        crm.create("clients", {"company": "Nicăieri SRL", "country": "XX"})
    assert crm.update("clients", client.id, {"country": None}).data["country"] is None
    assert app.rows(stock.CLIENTS, userid=int(client.id))[0]["country"] == 0  # Perfex's "no country"
    php = app.add_client("Din PHP SRL", country="IR")
    assert list(crm.find_by_keys("clients", "country", ["IR"])) == ["IR"]
    assert crm.get_many("clients", [str(php)])[str(php)].data["country"] == "IR"


def test_a_client_is_in_the_customer_group_written(crm: SqlConnector, app, db) -> None:
    with db.begin() as conn:
        groups = [conn.execute(stock.CUSTOMERS_GROUPS.insert().values(name=n)).inserted_primary_key[0]
                  for n in ("VIP", "Retail")]
    client = crm.create("clients", {"company": "Grup SRL", "customer_group": groups[0]})
    assert client.data["customer_group"] == groups[0]
    moved = crm.update("clients", client.id, {"customer_group": groups[1]})
    assert moved.data["customer_group"] == groups[1]
    assert [(m["groupid"], m["customer_id"]) for m in app.rows(stock.CUSTOMER_GROUPS)] == [(groups[1], int(client.id))]
    assert crm.update("clients", client.id, {"customer_group": None}).data["customer_group"] is None
    with pytest.raises(PermanentError, match="customer group 999 does not exist"):
        crm.update("clients", client.id, {"customer_group": 999})


def test_datetimes_are_perfexs_local_time(crm: SqlConnector, app, stock_url: str) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    client = crm.create("clients", {"company": "Ora SRL"})
    stored = app.rows(stock.CLIENTS, userid=int(client.id))[0]["datecreated"]
    local = datetime.now(UTC).astimezone(ZoneInfo(stock.TIMEZONE)).replace(tzinfo=None)
    assert abs(stored - local) < timedelta(seconds=30) and stored.microsecond == 0
    assert before - timedelta(seconds=1) <= client.data["datecreated"] <= datetime.now(UTC) + timedelta(seconds=1)
    php = app.add_client("Ora din PHP SRL")  # PHP writes date('Y-m-d H:i:s') in the app's zone
    read = crm.get_many("clients", [str(php)])[str(php)].data["datecreated"]
    assert abs(read - datetime.now(UTC)) < timedelta(seconds=30)
    utc = _connector(stock_url, timezone="UTC")
    try:
        assert abs(utc.get_many("clients", [str(php)])[str(php)].data["datecreated"] - read) >= timedelta(hours=1)
    finally:
        utc.close()
    with pytest.raises(ConfigError, match="unknown time zone"):
        _connector(stock_url, timezone="Mars/Olympus")


@pytest.mark.mysql
def test_four_byte_characters_are_refused_by_field_or_replaced_when_asked(mysql_db_url: str) -> None:
    engine = create_engine(mysql_db_url, poolclass=NullPool)
    stock.create_stock(engine)
    with engine.connect() as conn:
        charset = conn.scalar(text("SELECT CCSA.character_set_name FROM information_schema.TABLES T JOIN "
                                   "information_schema.COLLATION_CHARACTER_SET_APPLICABILITY CCSA ON "
                                   "CCSA.collation_name = T.table_collation WHERE T.table_schema = DATABASE() AND "
                                   "T.table_name = 'tblclients'"))
    assert charset == "utf8mb3"
    crm = _connector(mysql_db_url)
    kind = _connector(mysql_db_url, replace_4byte_chars=True)
    try:
        results = crm.create_many("clients", [{"company": "Emoji 😀 SRL"}, {"company": "Fără emoji SRL"}])
        assert isinstance(results[0].error, PermanentError) and results[1].record is not None
        assert "tblclients.company" in str(results[0].error) and "4-byte" in str(results[0].error)
        with pytest.raises(PermanentError, match=r"tblitemable\.description"):
            crm.create("invoices", {"clientid": 1, "lines": [{"description": "Cadou 🎁", "qty": 1, "rate": 1}]})
        replaced = kind.create("clients", {"company": "Emoji 😀 SRL", "city": "Iași 𝕏"})
        assert replaced.data["company"] == "Emoji \ufffd SRL" and replaced.data["city"] == "Iași \ufffd"
    finally:
        crm.close()
        kind.close()
        engine.dispose()


def test_a_perfex_edit_with_empty_strings_reads_as_it_is(crm: SqlConnector, app) -> None:
    client = app.add_client("Gol SRL", city="Cluj")
    app.edit(stock.CLIENTS, client, vat=None, city=None, active=False)
    record = crm.get_many("clients", [str(client)])[str(client)]
    assert (record.data["vat"], record.data["city"], record.data["active"]) == ("", "", 0)
    with crm.engine.connect() as conn:
        assert conn.execute(select(stock.CLIENTS.c.vat).where(stock.CLIENTS.c.userid == client)).scalar() == ""
