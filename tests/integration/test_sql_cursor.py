"""The SQL connector's cursor never passes an edit a person makes after our write: our writes take the
CRM's own clock, and each read starts a little before the stored cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, select, update
from sqlalchemy.pool import NullPool

from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.sandbox.demo_crm import create_demo_crm
from tests.integration.test_sql_connector import (  # noqa: F401  (fixtures)
    OVERLAP,
    add_updated_columns,
    crm,
    crm_url,
    db,
    updated_table,
)


def _cursor_after(connector: SqlConnector, cursor: str | None) -> str:
    pages = list(connector.changes("leads", cursor, 1000))
    return pages[-1].cursor


def _lead_ids(engine) -> list[int]:
    leads = updated_table(engine, "tblleads")
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(select(leads.c.id).order_by(leads.c.id))]


def _php_edit(engine, lead_id: int, stamp: datetime) -> None:
    """An edit as Perfex's PHP writes it: whole-second stamp, in the database's naive datetime form (the demo
    CRM's time zone is UTC)."""
    naive = stamp.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    leads = updated_table(engine, "tblleads")
    with engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == lead_id).values(name="Edited by a person", last_updated=naive))


def _read_ids(connector: SqlConnector, cursor: str) -> set[str]:
    return {r.id for page in connector.changes("leads", cursor, 1000) for r in page.records}


def test_an_edit_stamped_in_the_same_second_as_our_write_is_read(crm, db) -> None:  # noqa: F811
    ours, theirs = _lead_ids(db)[:2]
    cursor = _cursor_after(crm, None)
    written = crm.update("leads", str(ours), {"name": "Written by the sync"})
    cursor = _cursor_after(crm, cursor)  # the next run reads our write back: its stamp is the newest
    _php_edit(db, theirs, written.updated_at)  # a person, right after us, in the same second

    assert str(theirs) in _read_ids(crm, cursor)


def test_an_edit_on_a_crm_clock_behind_ours_is_read(tmp_path) -> None:
    # a SQLite CRM has no clock of its own: its application's clock is 120 s behind this PC's
    url = f"sqlite:///{create_demo_crm(tmp_path / 'crm.db', OVERLAP)}"
    db = create_engine(url, poolclass=NullPool)  # noqa: F811
    add_updated_columns(db)
    connector = SqlConnector(EndpointConfig(Side.CRM, "sql", url, clock_offset_s=-120), {})
    try:
        ours, theirs = _lead_ids(db)[:2]
        cursor = _cursor_after(connector, None)
        written_at = datetime.now(UTC)
        written = connector.update("leads", str(ours), {"name": "Written by the sync"})
        assert abs(written.updated_at - (written_at - timedelta(seconds=120))) < timedelta(seconds=5)
        cursor = _cursor_after(connector, cursor)
        # 11 s after our write, on the CRM's clock
        _php_edit(db, theirs, written_at - timedelta(seconds=120) + timedelta(seconds=11))

        assert str(theirs) in _read_ids(connector, cursor)
    finally:
        connector.close()
        db.dispose()


def test_a_read_from_the_cursor_starts_a_little_before_it_and_the_overlap_can_be_set(crm, db) -> None:  # noqa: F811
    ids = _lead_ids(db)
    stamp = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)  # newer than every seeded stamp
    _php_edit(db, ids[0], stamp - timedelta(seconds=1))
    _php_edit(db, ids[1], stamp)
    cursor = _cursor_after(crm, None)
    assert cursor.startswith(stamp.isoformat()[:19])
    assert {str(ids[0]), str(ids[1])} <= _read_ids(crm, cursor)
    strict = SqlConnector(EndpointConfig(Side.CRM, "sql", crm._url.render_as_string(hide_password=False),
                                         options={"cursor_overlap_s": 0}), {})
    try:
        assert str(ids[0]) not in _read_ids(strict, cursor)
    finally:
        strict.close()


def test_check_reports_the_database_servers_clock(crm) -> None:  # noqa: F811
    result = crm.check()
    if crm.engine.dialect.name == "sqlite":
        assert result.server_time is None  # a file has no clock
    else:
        assert result.server_time is not None
        assert abs(result.server_time - datetime.now(UTC)) < timedelta(seconds=30)
