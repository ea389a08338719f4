"""Rows written by the bulk insert are stored exactly as SQLAlchemy's own INSERT stores them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, create_engine, select, text

from erpsync_gui.sql_bulk import insert_many

META = MetaData()


def _table(name: str) -> Table:
    return Table(name, META, Column("id", Integer, primary_key=True), Column("name", String(20)),
                 Column("at", DateTime(timezone=True)), Column("flag", Boolean), Column("doc", JSON),
                 Column("n", Integer))


DIRECT, CORE = _table("direct"), _table("core")
WITH_DEFAULT = Table("defaulted", META, Column("id", Integer, primary_key=True), Column("name", String(20)),
                     Column("state", String(10), default="synced"))
ROWS = [{"name": "a", "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "flag": True, "doc": {"x": [1, None]},
         "n": 1},
        {"name": None, "at": None, "flag": False, "doc": None, "n": None},
        {"name": "ü€😀", "at": datetime(2026, 1, 2, tzinfo=UTC), "flag": None, "doc": "text", "n": 2**40}]


def test_the_stored_values_and_what_reads_back_are_those_of_a_core_insert():
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        ids = insert_many(conn, DIRECT, ROWS * 400, returning=("id", "name"))  # more rows than one statement holds
        conn.execute(CORE.insert(), ROWS * 400)
    assert sorted(i for i, _ in ids) == list(range(1, 1201))
    assert {name for _, name in ids} == {"a", None, "ü€😀"}
    with engine.connect() as conn:
        stored = [conn.execute(text(f"SELECT * FROM {t.name} ORDER BY id")).all() for t in (DIRECT, CORE)]
        read = [conn.execute(select(t).order_by(t.c.id)).all() for t in (DIRECT, CORE)]
    assert stored[0] == stored[1]
    assert read[0] == read[1]
    assert read[0][1].doc is None and stored[0][1].doc == "null"  # JSON's None, as SQLAlchemy writes it
    with engine.begin() as conn:
        back = insert_many(conn, DIRECT, ROWS[:1], returning=("at", "flag", "doc"))
    assert back == [(datetime(2026, 1, 2, 3, 4, 5, 6), True, {"x": [1, None]})]  # as SQLAlchemy reads them


def test_a_left_out_column_with_a_default_is_filled_in_as_sqlalchemy_does():
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        insert_many(conn, WITH_DEFAULT, [{"name": "a"}, {"name": "b"}])
        assert conn.execute(select(WITH_DEFAULT.c.state)).scalars().all() == ["synced", "synced"]


def test_no_rows_is_no_statement():
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        assert insert_many(conn, CORE, []) == []
        assert insert_many(conn, CORE, [], returning=("id",)) == []
        assert conn.execute(select(CORE.c.id)).all() == []


def test_json_written_the_fast_way_reads_back_as_the_same_values():
    docs = [{"crm": {"a": "ü", "b": None}, "erp": {"c": 1, "d": True}}, {"x": "y"}, None, {"n": float("nan")},
            {"list": [1, 2]}, {1: "not a text key"}, {"big": 2**70}, "just text", [1, "a"]]
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        insert_many(conn, DIRECT, [{"doc": d} for d in docs], fast_json=True)
        conn.execute(CORE.insert(), [{"doc": d} for d in docs])
    with engine.connect() as conn:
        fast, core = (conn.execute(select(t.c.doc).order_by(t.c.id)).scalars().all() for t in (DIRECT, CORE))
        stored = conn.execute(text("SELECT doc FROM direct ORDER BY id")).scalars().all()
    assert repr(fast) == repr(core)  # NaN compares unequal to itself: compared as text
    assert stored[2] == "null" and stored[3] == '{"n": NaN}'  # None as JSON null; a NaN left to SQLAlchemy


def test_a_value_shared_by_rows_and_values_that_differ_are_each_stored_and_returned_as_a_core_insert_does():
    stamp = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)  # one object in every row, as a batch's time stamp is
    rows = [{"name": f"r{n}", "at": stamp if n % 3 else datetime(2026, 1, 1, n, tzinfo=UTC), "flag": bool(n % 2),
             "doc": None, "n": n} for n in range(12)]
    rows[5]["at"] = None
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        back = insert_many(conn, DIRECT, rows, returning=("id", "at", "flag"))
        conn.execute(CORE.insert(), rows)
    with engine.connect() as conn:
        stored = [conn.execute(text(f"SELECT * FROM {t.name} ORDER BY id")).all() for t in (DIRECT, CORE)]
        read = conn.execute(select(CORE.c.id, CORE.c.at, CORE.c.flag).order_by(CORE.c.id)).all()
    assert stored[0] == stored[1]
    assert sorted(back) == [tuple(r) for r in read]
    assert all(type(r) is tuple for r in back)
