"""A created record comes from the row its INSERT returned, and is the record a fresh read gives, on SQLite,
PostgreSQL and MariaDB: the checksum the engine stores for it then matches the next read, so a re-sync right
after an import changes nothing. Where the connector cannot know what was stored (no RETURNING, a trigger, a
rule that rewrites the row) it reads the row back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    CHAR,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.mapping.checksum import checksum_of
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig
from erpsync_gui.records import Direction, Origin, Record, Side
from erpsync_gui.store.config_repo import ConfigRepo
from tests.integration.test_sql_connector import OVERLAP, crm_url  # noqa: F401  (fixtures)
from tests.sql_statements import statements_of
from tests.sync_harness import Harness

_ = OVERLAP
#: values each database stores its own way: rounded decimals, a padded or trimmed CHAR, trailing spaces kept by
#: VARCHAR, cut fractions of a second, dates, NULLs, and columns left to their server defaults
PAYLOADS: list[dict[str, Any]] = [
    {"name": "Acme  ", "code": "ab", "amount": "12.345", "born": "2024-02-29",
     "seen": "2026-03-01T10:00:00.123456Z", "note": None, "datecreated": "2026-03-01T09:00:00Z",
     "seen_tz": "2026-03-01T10:00:00.5+01:00"},
    {"name": "  Ünïcode € ", "code": "abcdefgh", "amount": "0.005", "born": "1999-12-31",
     "seen": "2026-03-01T23:59:59.999999+02:00", "note": "two\nlines "},
    {"name": "", "amount": "-7", "note": ""},
    {"name": "Zero", "amount": "1E+2", "seen": None, "born": None},
]


def _things(metadata: MetaData, name: str = "tblthings", marker: bool = True) -> Table:
    return Table(
        name, metadata, Column("id", Integer, primary_key=True, autoincrement=True), Column("name", String(40)),
        Column("code", CHAR(8)), Column("amount", Numeric(15, 2)), Column("born", Date), Column("seen", DateTime),
        Column("note", Text), Column("seen_tz", DateTime(timezone=True)),
        Column("datecreated", DateTime, nullable=False), Column("active", Integer, nullable=False, server_default="1"),
        Column("label", String(20), server_default="new"), Column("left_out", String(20)),
        *([Column("external_id", String(64)), Column("external_channel", String(50))] if marker else []))


@pytest.fixture
def things_url(crm_url: str) -> str:  # noqa: F811
    """The CRM database with two tables of awkward columns: one with the origin marker, one without."""
    engine = create_engine(crm_url, poolclass=NullPool)
    metadata = MetaData()
    _things(metadata)
    _things(metadata, "tblplain", marker=False)
    metadata.create_all(engine)
    engine.dispose()
    return crm_url


def _connector(url: str) -> SqlConnector:
    return SqlConnector(EndpointConfig(Side.CRM, "sql", url, options={
        "preset": "none", "tables": {"things": {"table": "tblthings"}, "plain": {"table": "tblplain"}}}), {})


@pytest.fixture
def crm(things_url: str) -> Iterator[SqlConnector]:
    connector = _connector(things_url)
    yield connector
    connector.close()


def _reads(statements: list[str], table: str) -> list[str]:
    """The SELECTs among `statements` that name `table`."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and table in s.lower()]


def _fresh(url: str, entity: str, ids: list[str]) -> dict[str, Record]:
    """The records as another connector reads them from the database."""
    reader = _connector(url)
    try:
        return reader.get_many(entity, ids)
    finally:
        reader.close()


def _assert_as_read(created: list[Record], fresh: dict[str, Record]) -> None:
    assert set(fresh) == {r.id for r in created}
    for record in created:
        again = fresh[record.id]
        assert record.data == again.data
        assert {k: repr(v) for k, v in record.data.items()} == {k: repr(v) for k, v in again.data.items()}
        assert record.updated_at == again.updated_at
        assert checksum_of(dict(record.data)) == checksum_of(dict(again.data))


@pytest.mark.parametrize("entity", ["things", "plain"])
def test_a_created_record_is_the_row_the_insert_returned_and_equals_a_fresh_read(
        crm: SqlConnector, things_url: str, entity: str) -> None:
    crm.entities()  # connected: the dialect knows the server's version
    seen = statements_of(crm.engine)
    origins = [Origin("erp", str(100 + i)) for i in range(len(PAYLOADS))] if entity == "things" else None
    results = crm.create_many(entity, PAYLOADS, origins=origins)
    created = [r.record for r in results]
    assert all(r is not None for r in created), [r.error for r in results]
    assert not _reads(seen, crm.table_of(entity))  # nothing read back
    records = [r for r in created if r is not None]
    _assert_as_read(records, _fresh(things_url, entity, [r.id for r in records]))
    first = records[0].data
    assert first["active"] == 1 and first["label"] == "new" and first["left_out"] is None  # the server's defaults
    assert first["name"] == "Acme  " and first["note"] is None


def test_one_create_alone_is_also_the_returned_row(crm: SqlConnector, things_url: str) -> None:
    record = crm.create("things", PAYLOADS[1], origin=Origin("erp", "7"))
    _assert_as_read([record], _fresh(things_url, "things", [record.id]))
    assert record.data["external_id"] == "7" and record.data["external_channel"] == "erp"


def test_without_returning_the_row_is_read_back_and_equals_a_fresh_read(crm: SqlConnector, things_url: str) -> None:
    crm.entities()
    dialect = crm.engine.dialect
    # MySQL (and MariaDB before 10.5): no INSERT ... RETURNING, only lastrowid
    dialect.insert_returning = False
    dialect.insert_executemany_returning = False
    dialect.insert_executemany_returning_sort_by_parameter_order = False
    seen = statements_of(crm.engine)
    results = crm.create_many("things", PAYLOADS, origins=[Origin("erp", str(i)) for i in range(len(PAYLOADS))])
    records = [r.record for r in results if r.record is not None]
    assert len(records) == len(PAYLOADS)
    assert _reads(seen, "tblthings")
    _assert_as_read(records, _fresh(things_url, "things", [r.id for r in records]))


def _add_trigger(url: str) -> None:
    """An AFTER INSERT trigger that changes the new row: RETURNING would not show its change."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER tblthings_label AFTER INSERT ON tblthings BEGIN "
                              "UPDATE tblthings SET label = 'by trigger' WHERE id = NEW.id; END"))
        elif engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION things_label() RETURNS trigger AS $$ BEGIN "
                              "UPDATE tblthings SET label = 'by trigger' WHERE id = NEW.id; RETURN NULL; END "
                              "$$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER tblthings_label AFTER INSERT ON tblthings FOR EACH ROW "
                              "EXECUTE FUNCTION things_label()"))
        else:  # MariaDB cannot update the triggering table: a BEFORE trigger sets the value instead
            conn.execute(text("CREATE TRIGGER tblthings_label BEFORE INSERT ON tblthings FOR EACH ROW "
                              "SET NEW.label = 'by trigger'"))
    engine.dispose()


def test_a_database_with_triggers_is_read_back(things_url: str) -> None:
    _add_trigger(things_url)
    crm = _connector(things_url)
    try:
        results = crm.create_many("things", PAYLOADS[:2], origins=[Origin("erp", "1"), Origin("erp", "2")])
    finally:
        crm.close()
    records = [r.record for r in results if r.record is not None]
    assert [r.data["label"] for r in records] == ["by trigger", "by trigger"]
    _assert_as_read(records, _fresh(things_url, "things", [r.id for r in records]))


def test_a_failing_row_redone_alone_starts_from_its_payload(crm: SqlConnector, things_url: str) -> None:
    first = crm.create("things", {"name": "first"}, origin=Origin("erp", "0"))
    bad = {"name": "n", "id": int(first.id)}  # a taken key: the batch fails, then each row is written alone
    results = crm.create_many("things", [PAYLOADS[0], bad, PAYLOADS[2]],
                              origins=[Origin("erp", "1"), Origin("erp", "2"), Origin("erp", "3")])
    assert results[1].error is not None and results[0].record is not None and results[2].record is not None
    records = [results[0].record, results[2].record]
    _assert_as_read(records, _fresh(things_url, "things", [r.id for r in records]))
    assert "datecreated" not in PAYLOADS[2] and records[1].data["datecreated"] is not None  # stamped, not given


def test_the_record_of_a_created_perfex_client_with_its_group_equals_a_fresh_read(tmp_path: Path) -> None:
    from erpsync_gui.sandbox.demo_crm import create_demo_crm

    url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP)}"
    crm = SqlConnector(EndpointConfig(Side.CRM, "sql", url, options={"preset": "perfex"}), {})
    try:
        seen = statements_of(crm.engine)
        results = crm.create_many("clients", [
            {"company": "Grupa ", "customer_group": 1, "country": "RO", "customer_number": "C-1"},
            {"company": "Fără grup", "customer_group": "", "customer_number": "C-2"}])
    finally:
        crm.close()
    records = [r.record for r in results if r.record is not None]
    assert [r.data["customer_group"] for r in records] == [1, None]
    assert not _reads(seen, "tblcustomer_groups") and not _reads(seen, "tblclients")
    reader = SqlConnector(EndpointConfig(Side.CRM, "sql", url, options={"preset": "perfex"}), {})
    try:
        fresh = reader.get_many("clients", [r.id for r in records])
    finally:
        reader.close()
    _assert_as_read(records, fresh)


#: client fields mapped without a transform: the CRM keeps what the ERP holds, trailing spaces and NULLs too
RAW_FIELDS = (
    {"crm": "customer_number", "erp": "customer_number", "type": "text"},
    {"crm": "company", "erp": "company", "type": "text", "required": True},
    {"crm": "address", "erp": "address", "type": "text"},
    {"crm": "city", "erp": "city", "type": "text"},
    {"crm": "phonenumber", "erp": "phone", "type": "text"},
)


class _ServerHarness(Harness):
    """The sync harness with its CRM on the database of `url` (SQLite file, PostgreSQL or MariaDB)."""

    def __init__(self, root: Path, url: str) -> None:
        parsed = make_url(url)  # a profile keeps no password: it comes from the keyring, here given directly
        self.crm_url = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                                  parsed.query).render_as_string(hide_password=False)
        self.secrets = {"db_password": parsed.password} if parsed.password else {}
        super().__init__(root, fields=RAW_FIELDS)

    def connectors(self, paging: str | None = None) -> dict[Side, Any]:
        if self._crm is None:
            self._crm = SqlConnector(self.profile.crm, self.secrets)
        return super().connectors(paging)

    def _save_profile(self) -> ProfileConfig:
        profile = ProfileConfig(
            name="server", crm=EndpointConfig(Side.CRM, "sql", self.crm_url, options={"preset": "perfex"}),
            erp=EndpointConfig(Side.ERP, "rest", self.sandbox.url, auth="bearer", retries=3, timeout=5,
                               options=self.erp_options),
            entities=(EntityConfig("clients", direction=Direction.BOTH, policy="erp_wins",
                                   match_keys=("customer_number",), fields=self.fields),))
        return ConfigRepo(self.store).save_profile(profile)


def test_a_full_resync_right_after_an_import_changes_nothing(crm_url: str, tmp_path: Path) -> None:  # noqa: F811
    harness = _ServerHarness(tmp_path / "h", crm_url)
    try:
        for n in range(9):
            harness.erp_create(customer_number=f"R-{n}", company=f"Firma {n}  " if n % 2 else f" Firma {n}",
                               address="Str. Lungă 5  " if n % 3 else None, city="" if n == 4 else "Cluj-Napoca",
                               phone=None if n % 2 else f"07{n} ")
        first = harness.sync(direction=Direction.IMPORT, policy="erp_wins", batch=4)
        assert first.status == "success" and first.counts["inserted"] == 9
        harness.advance(60)
        again = harness.sync(direction=Direction.IMPORT, policy="erp_wins", full=True)
        assert again.counts["updated"] == again.counts["inserted"] == again.counts["failed"] == 0
        assert again.counts["skipped"] == 9
    finally:
        harness.close()


def _selects(statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(sql, repr(params)) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")]


def test_a_batch_of_perfex_leads_looks_up_its_defaults_once_and_each_batch_anew(tmp_path: Path) -> None:
    from tests import perfex_schema as stock

    url = f"sqlite:///{tmp_path / 'perfex.db'}"
    engine = create_engine(url, poolclass=NullPool)
    stock.create_stock(engine)
    engine.dispose()
    crm = SqlConnector(EndpointConfig(Side.CRM, "sql", url, options={"preset": "perfex"}), {})
    try:
        crm.entities()
        seen: list[tuple[str, Any]] = []
        event.listen(crm.engine, "before_cursor_execute", lambda _c, _cur, sql, params, *_: seen.append((sql, params)))
        crm.create_many("leads", [{"name": f"Lead {n}"} for n in range(5)])
        one_batch = _selects(seen)
        # the refusal check and the write share the lookups of the status and source a new lead takes
        assert any("tblleads_status" in sql for sql, _ in one_batch)
        assert len(one_batch) == len(set(one_batch))
        seen.clear()
        new = stock.PerfexApp(create_engine(url, poolclass=NullPool)).add_lead_status("Nou", 1)
        created = crm.create_many("leads", [{"name": "Maria"}])[0].record
        assert created is not None and created.data["status"] == new  # the next batch looks them up again
        again = _selects(seen)
        assert any("tblleads_status" in sql for sql, _ in again) and len(again) == len(set(again))
        assert any("sqlite_master" in sql for sql, _ in one_batch)  # whether the database has triggers: once a run
        assert not any("sqlite_master" in sql for sql, _ in again)
    finally:
        crm.close()
