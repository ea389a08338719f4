"""The DDL that adds the origin marker columns, in each database's dialect, run for real on PostgreSQL too; and
the cursor of a table with an updated-at column in the CRM's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, text, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.connectors.sql_markers import marker_statements, missing_markers
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Origin, Side
from tests import perfex_schema as stock

CLIENTS = Table("tblclients", MetaData(), Column("userid", Integer, primary_key=True), Column("company", String(191)))


def test_the_statements_fit_each_dialect() -> None:
    assert missing_markers(CLIENTS) == ("external_id", "external_channel")
    assert marker_statements(mysql.dialect(), CLIENTS, ("external_id", "external_channel")) == [
        "ALTER TABLE tblclients ADD COLUMN external_id VARCHAR(64) NULL, ADD COLUMN external_channel VARCHAR(50) "
        "NULL, ADD INDEX ix_tblclients_external (external_channel, external_id)"]
    assert marker_statements(sqlite.dialect(), CLIENTS, ("external_channel",)) == [
        "ALTER TABLE tblclients ADD COLUMN external_channel VARCHAR(50) NULL",
        "CREATE INDEX ix_tblclients_external ON tblclients (external_channel, external_id)"]
    assert marker_statements(postgresql.dialect(), CLIENTS, ("external_id", "external_channel"), "crm") == [
        "ALTER TABLE crm.tblclients ADD COLUMN external_id VARCHAR(64) NULL, ADD COLUMN external_channel "
        "VARCHAR(50) NULL", "CREATE INDEX ix_tblclients_external ON crm.tblclients (external_channel, external_id)"]
    assert marker_statements(mysql.dialect(), CLIENTS, ()) == []


@pytest.mark.postgres
def test_markers_are_added_on_postgresql(pg_store_url: str) -> None:
    engine = create_engine(pg_store_url, poolclass=NullPool)
    stock.create_stock(engine)
    crm = SqlConnector(EndpointConfig(Side.CRM, "sql", pg_store_url), {})
    try:
        assert not crm.capabilities("clients").origin_marker
        done = crm.add_marker_columns(["clients", "payments"], confirm=True)
        assert done.executed and len(done.statements) == 4
        assert crm.capabilities("payments").origin_marker
        created = crm.create("clients", {"company": "Postgres SRL", "country": "RO"},
                             origin=Origin("erpsync", "E-9"))
        assert created.data["country"] == "RO" and created.data["external_id"] == "E-9"
    finally:
        crm.close()
        engine.dispose()


def test_the_cursor_of_an_updated_column_is_in_the_crms_time_zone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'perfex.db'}"
    engine = create_engine(url, poolclass=NullPool)
    stock.create_stock(engine)
    with engine.begin() as conn:  # a Perfex whose developer added an updated-at column to the leads
        conn.execute(text("ALTER TABLE tblleads ADD COLUMN last_updated DATETIME NULL"))
    app = stock.PerfexApp(engine)
    zone = ZoneInfo(stock.TIMEZONE)
    leads = Table("tblleads", MetaData(), autoload_with=engine)
    first = app.add_lead("Ion", "ion@lead.example", status=1)
    local = datetime(2026, 7, 1, 12, 0, 5)  # Perfex's local time, summer: UTC+3
    with engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == first).values(last_updated=local))
    crm = SqlConnector(EndpointConfig(Side.CRM, "sql", url), {})
    try:
        pages = list(crm.changes("leads", None, 10))
        stamped = pages[-1].records[-1]
        assert stamped.updated_at == local.replace(tzinfo=zone).astimezone(UTC) == datetime(2026, 7, 1, 9, 0, 5,
                                                                                           tzinfo=UTC)
        assert pages[-1].cursor == "2026-07-01T09:00:05+00:00"
        # a PHP edit a second later, in Perfex's local time, is read from that cursor
        second = app.add_lead("Ana", "ana@lead.example", status=1)
        with engine.begin() as conn:
            conn.execute(update(leads).where(leads.c.id == second).values(last_updated=local + timedelta(seconds=1)))
        assert {r.id for p in crm.changes("leads", pages[-1].cursor, 10) for r in p.records} == {str(first),
                                                                                                str(second)}
        # our write is stamped on the CRM's clock, in its zone, with whole seconds
        written = crm.update("leads", str(first), {"title": "Director"})
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT last_updated FROM tblleads WHERE id = :i"), {"i": first}).scalar()
        stored = datetime.fromisoformat(str(raw))
        assert stored.microsecond == 0 and stored.replace(tzinfo=zone).astimezone(UTC) == written.updated_at
        assert abs(written.updated_at - datetime.now(UTC)) < timedelta(seconds=30)
    finally:
        crm.close()
        engine.dispose()
