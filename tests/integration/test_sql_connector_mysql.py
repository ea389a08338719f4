"""What only MySQL/MariaDB does to the SQL connector, on a real MariaDB server: inserts without RETURNING,
second-precision DATETIME columns, zero dates, and the driver's error numbers (login, privileges, lost
connections)."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, event, exc, func, insert, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.connectors.sql_engine import translate
from erpsync_gui.connectors.sql_schema import fraction_digits
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    DuplicateError,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.sandbox import demo_crm_schema as schema
from erpsync_gui.sandbox.demo_crm import create_schema, seed
from erpsync_gui.sandbox.seed_data import overlap_clients
from tests.integration.test_sql_connector import LEAD, add_updated_columns, updated_table
from tests.sql_statements import statements_of

pytestmark = pytest.mark.mysql
OVERLAP = overlap_clients(5)
# MariaDB's switch for MySQL's way with extra fractional digits: round (MySQL) instead of cut (MariaDB)
MYSQL_ROUNDING = quote("SET SESSION sql_mode = CONCAT(@@sql_mode, ',TIME_ROUND_FRACTIONAL')")


def _connector(url: str, secrets: dict[str, str] | None = None, timeout: float = 30, **options) -> SqlConnector:
    return SqlConnector(EndpointConfig(Side.CRM, "sql", url, timeout=timeout, options=options), secrets or {})


@pytest.fixture
def db(mysql_db_url: str) -> Iterator[Engine]:
    """The demo CRM on a fresh MariaDB database (with updated-at columns on three tables), seen through an
    engine of its own (the CRM application)."""
    engine = create_engine(mysql_db_url, poolclass=NullPool)
    create_schema(engine)
    seed(engine, OVERLAP)
    add_updated_columns(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def crm(mysql_db_url: str, db: Engine) -> Iterator[SqlConnector]:
    connector = _connector(mysql_db_url)
    yield connector
    connector.close()


def test_without_returning_each_row_is_inserted_with_its_id_from_lastrowid(crm: SqlConnector, db: Engine) -> None:
    crm.entities()  # connected: the dialect has read the server's version and set its flags
    dialect = crm.engine.dialect
    # what MySQL (and MariaDB before 10.5) offers: no INSERT ... RETURNING
    dialect.insert_returning = False
    dialect.insert_executemany_returning = False
    dialect.insert_executemany_returning_sort_by_parameter_order = False
    seen = statements_of(crm.engine)
    invoices = [{"clientid": 1, "number": 700 + i, "date": "2026-03-01", "currency": 1, "subtotal": "10",
                 "total": "11.90", "lines": [{"description": f"Linie {i}.{n}", "qty": n, "rate": "5"}
                                             for n in (1, 2)]}
                for i in range(3)]
    results = crm.create_many("invoices", invoices)
    assert len([s for s in seen if s.startswith("INSERT INTO tblinvoices")]) == 3
    assert not any("RETURNING" in s for s in seen)
    records = [r.record for r in results]
    assert all(r is not None for r in records)
    with db.connect() as conn:
        stored = dict(conn.execute(select(schema.INVOICES.c.number, schema.INVOICES.c.id)
                                   .where(schema.INVOICES.c.number >= 700)).all())
    assert len(stored) == 3 == len({r.id for r in records})
    for record, sent in zip(records, invoices, strict=True):
        assert stored[sent["number"]] == int(record.id) and record.data["number"] == sent["number"]
        assert [line["description"] for line in record.data["lines"]] == [
            line["description"] for line in sent["lines"]]
        assert all(line["rel_id"] == int(record.id) for line in record.data["lines"])
    # a refused row in a batch: the others are still written, each with its own id
    good, bad = crm.create_many("invoices", [{**invoices[0], "number": 710}, {**invoices[0], "clientid": None}])
    assert isinstance(bad.error, PermanentError) and "clientid" in str(bad.error)
    assert good.record is not None and int(good.record.id) > max(stored.values())


def test_mariadb_inserts_a_batch_with_one_returning_statement(crm: SqlConnector) -> None:
    seen = statements_of(crm.engine)
    results = crm.create_many("clients", [{"company": f"Lot {i} SRL"} for i in range(5)])
    assert [r.record.data["company"] for r in results if r.record] == [f"Lot {i} SRL" for i in range(5)]
    inserts = [s for s in seen if s.startswith("INSERT INTO tblclients")]
    assert len(inserts) == 1 and "RETURNING" in inserts[0]
    assert [int(r.record.id) for r in results if r.record] == sorted(int(r.record.id) for r in results if r.record)


def test_second_precision_datetime_is_cut_not_rounded_and_the_cursor_sees_same_second_edits(
        mysql_db_url: str, db: Engine) -> None:
    crm = _connector(f"{mysql_db_url}?init_command={MYSQL_ROUNDING}")
    try:
        assert fraction_digits(crm.catalog.resolve("leads").updated) == 0
        lead = crm.create("leads", {"name": "Rotunjit", "dateadded": "2025-03-04T05:06:07.9Z",
                                    "last_updated": "2025-03-04T05:06:07.999999Z", **LEAD})
        assert lead.data["dateadded"] == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)  # MySQL would say :08
        assert lead.updated_at == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
        stamped = crm.update("leads", lead.id, {"title": "Șef achiziții"})
        assert stamped.updated_at.microsecond == 0 and stamped.updated_at <= datetime.now(UTC)

        pages = list(crm.changes("leads", None, 4))
        cursor = pages[-1].cursor
        assert cursor == stamped.updated_at.isoformat()
        # the CRM application edits another lead within the same second as the cursor
        other = next(r for p in pages for r in p.records if r.id != lead.id)
        leads = updated_table(db, "tblleads")
        with db.begin() as conn:
            conn.execute(update(leads).where(leads.c.id == int(other.id))
                         .values(last_updated=stamped.updated_at.replace(tzinfo=None)))
        resumed = {r.id for p in crm.changes("leads", cursor, 4) for r in p.records}
        assert resumed == {lead.id, other.id}
    finally:
        crm.close()


def test_microsecond_datetime_keeps_its_fraction_through_the_cursor(mysql_db_url: str, db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(text("ALTER TABLE tblleads MODIFY last_updated DATETIME(6) NULL"))
    crm = _connector(mysql_db_url, cursor_overlap_s=0)  # exactly from the cursor, to see the fraction count
    try:
        assert fraction_digits(crm.catalog.resolve("leads").updated) == 6
        early = crm.create("leads", {"name": "Devreme", "last_updated": "2030-01-01T10:00:00.123456Z", **LEAD})
        late = crm.create("leads", {"name": "Târziu", "last_updated": "2030-01-01T10:00:00.123457Z", **LEAD})
        assert early.updated_at == datetime(2030, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
        pages = list(crm.changes("leads", None, 3))
        assert pages[-1].cursor == "2030-01-01T10:00:00.123457+00:00"
        assert [r.id for p in crm.changes("leads", "2030-01-01T10:00:00.123456+00:00", 3)
                for r in p.records] == [early.id, late.id]
        assert [r.id for p in crm.changes("leads", pages[-1].cursor, 3) for r in p.records] == [late.id]
    finally:
        crm.close()


def test_zero_dates_read_as_no_date(crm: SqlConnector, db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(text("SET SESSION sql_mode = ''"))
        conn.execute(insert(schema.LEADS).values(name="Dată zero", dateadded=datetime(2025, 1, 1), **LEAD))
        conn.execute(text("UPDATE tblleads SET lastcontact = '0000-00-00 00:00:00', "
                          "last_updated = '0000-00-00 00:00:00' WHERE name = 'Dată zero'"))
    pages = list(crm.changes("leads", None, 1))
    assert pages[-1].complete and not pages[-1].records  # a full last page is followed by the end mark
    pages = pages[:-1]
    assert pages[0].records[0].data["name"] == "Dată zero"  # the zero date sorts first and carries no cursor
    zero = pages[0].records[0]
    assert zero.data["lastcontact"] is None and zero.updated_at is None and pages[0].cursor is None
    assert len(pages) == 21 and all(p.cursor and p.cursor.startswith("20") for p in pages[1:])


def test_a_wrong_password_is_an_auth_error_and_never_shown(mysql_db_url: str, db: Engine) -> None:
    url = make_url(mysql_db_url)
    wrong = "nu-e-parola-Ä7"
    crm = _connector(url._replace(password=None).render_as_string(hide_password=False), {"db_password": wrong})
    try:
        result = crm.check()
        assert result.reachable and not result.authenticated and not result.ok
        assert "refused the user name or password" in result.message and wrong not in result.message
        with pytest.raises(AuthError) as caught:
            crm.entities()
        assert wrong not in str(caught.value)
    finally:
        crm.close()
    right = _connector(url._replace(password=None).render_as_string(hide_password=False),
                       {"db_password": url.password or ""})
    assert right.check().ok
    right.close()


def test_an_unknown_database_is_a_config_error(mysql_db_url: str) -> None:
    crm = _connector(make_url(mysql_db_url).set(database=f"lipsa_{uuid.uuid4().hex[:8]}")
                     .render_as_string(hide_password=False))
    try:
        result = crm.check()
        assert not result.ok and "Unknown database" in result.message
        with pytest.raises(ConfigError):
            crm.entities()
    finally:
        crm.close()


def test_a_user_without_write_rights_gets_an_auth_error_naming_the_right(mysql_db_url: str, db: Engine) -> None:
    url = make_url(mysql_db_url)
    user, password = f"ro_{uuid.uuid4().hex[:8]}", "doar-citire-1"
    with db.begin() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'"))
        conn.execute(text(f"GRANT SELECT ON `{url.database}`.* TO '{user}'@'127.0.0.1'"))
    crm = _connector(url.set(username=user, password=password).render_as_string(hide_password=False))
    try:
        assert crm.check().ok and crm.get_many("clients", ["1"])
        with pytest.raises(AuthError, match="INSERT command denied"):
            crm.create("clients", {"company": "Interzis SRL"})
    finally:
        crm.close()
        with db.begin() as conn:
            conn.execute(text(f"DROP USER '{user}'@'127.0.0.1'"))


def test_a_connection_lost_at_commit_is_an_unknown_outcome_and_the_next_call_reconnects(
        crm: SqlConnector, db: Engine) -> None:
    before = crm.get_many("clients", ["1"])  # a pooled connection exists now
    assert before
    kills = 0

    def kill_before_commit(conn) -> None:
        nonlocal kills
        if kills == 0:
            kills += 1
            thread_id = conn.connection.dbapi_connection.thread_id()
            with db.connect() as admin:
                admin.execute(text(f"KILL CONNECTION {int(thread_id)}"))

    event.listen(crm.engine, "commit", kill_before_commit)
    with db.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.CLIENTS)).scalar_one()
    results = crm.create_many("clients", [{"company": "Pierdut 1"}, {"company": "Pierdut 2"}])
    assert all(isinstance(r.error, OutcomeUnknownError) for r in results)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.CLIENTS)).scalar_one() == count

    # every pooled connection dies behind the connector's back: the next call still works
    with db.connect() as admin:
        for (thread_id,) in admin.execute(text(
                "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()")):
            with contextlib.suppress(exc.OperationalError):  # one may be gone already
                admin.execute(text(f"KILL CONNECTION {int(thread_id)}"))
    assert crm.create("clients", {"company": "Regăsit SRL"}).data["company"] == "Regăsit SRL"


def test_a_server_that_is_not_there_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: nothing listens there
    crm = _connector(f"mysql+pymysql://crm@127.0.0.1:{port}/perfex", {"db_password": "s3cret-Pa55"}, timeout=3)
    try:
        result = crm.check()
        assert not result.ok and not result.reachable and "s3cret-Pa55" not in result.message
        with pytest.raises(RetryableError):
            crm.entities()
    finally:
        crm.close()


@pytest.mark.parametrize(("wrapper", "number", "message", "expected"), [
    ("OperationalError", 1045, "Access denied for user 'crm'@'10.0.0.5' (using password: YES)", AuthError),
    ("OperationalError", 1142, "INSERT command denied to user 'crm'@'10.0.0.5' for table 'tblclients'",
     AuthError),
    ("OperationalError", 1049, "Unknown database 'perfex'", ConfigError),
    ("OperationalError", 1054, "Unknown column 'tblclients.vat' in 'SELECT'", ConfigError),
    ("ProgrammingError", 1146, "Table 'perfex.tblclients' doesn't exist", ConfigError),
    ("IntegrityError", 1062, "Duplicate entry 'C00001' for key 'customer_number'", DuplicateError),
    ("IntegrityError", 1048, "Column 'company' cannot be null", PermanentError),
    ("OperationalError", 1292, "Incorrect datetime value: 'x' for column 'datecreated' at row 1", PermanentError),
    ("OperationalError", 4025, "CONSTRAINT `total` failed for `perfex`.`tblinvoices`", PermanentError),
    ("DataError", 1406, "Data too long for column 'vat' at row 1", PermanentError),
    ("OperationalError", 1213, "Deadlock found when trying to get lock; try restarting transaction",
     RetryableError),
    ("OperationalError", 1205, "Lock wait timeout exceeded; try restarting transaction", RetryableError),
    ("OperationalError", 2013, "Lost connection to MySQL server during query", RetryableError),
    ("OperationalError", 2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111])", RetryableError),
])
def test_mysql_error_numbers_become_product_errors(wrapper: str, number: int, message: str, expected: type) -> None:
    driver = pytest.importorskip("pymysql.err")
    translated = translate(getattr(exc, wrapper)("INSERT ...", {}, getattr(driver, wrapper)(number, message)),
                           "creating clients")
    assert type(translated) is expected
    assert translated.message.startswith("creating clients")
    if number != 1045:  # a refused login says so in the product's words only
        assert f"{message} [{number}]" in translated.message
