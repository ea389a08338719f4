"""The import's fast write path against real databases: multi-row INSERTs read back as SQLAlchemy's own, the SQL
connector's multi-row create maps each key to its record by the origin marker whatever the RETURNING order, a
refused row leaves every other outcome right, and checksums keep the standard library's bytes."""

from __future__ import annotations

import hashlib
import json
import uuid
import warnings
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    Uuid,
    create_engine,
    func,
    select,
)

from erpsync_gui.connectors import sql_writing
from erpsync_gui.connectors.sql_db import SqlConnector
from erpsync_gui.errors import DuplicateError
from erpsync_gui.mapping.checksum import canonical_bytes, checksum_of, field_digest
from erpsync_gui.records import Origin
from erpsync_gui.sql_bulk import insert_many
from tests.integration.test_sql_connector import OVERLAP, crm, crm_url  # noqa: F401  (fixtures)

#: values a CRM column can hold, as they reach a checksum or a row
ODD_TEXT = ["", "a\x00b\x1f\x7f\u2028\u2029", "é ș ț 中文 😀👩‍👩‍👧", "\"\\/</script>", "x" * 100_000]
ODD_VALUES = [*ODD_TEXT, 2**63, 2**64, -(2**63) - 1, True, False, None, 0,
              Decimal("1.234567890123456789012345"), 1.5, float("nan"), float("inf"),
              datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 12), date(2026, 1, 1)]
ODD_KEYS = ["b", "a", "é", "😀", "\uffff", "Z", "aa", "a\x00"]


def _stdlib_bytes(value: object) -> bytes:
    """The canonical JSON bytes as the standard library wrote them before orjson served them."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _stdlib_digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@pytest.mark.parametrize("value", ODD_VALUES, ids=lambda v: type(v).__name__)
def test_checksum_bytes_and_field_digests_are_the_standard_librarys(value: object) -> None:
    record = {key: value for key in ODD_KEYS}
    assert canonical_bytes(record) == _stdlib_bytes(record)
    assert checksum_of(record) == hashlib.sha256(_stdlib_bytes(record)).hexdigest()
    assert field_digest(value) == _stdlib_digest(value)
    assert field_digest(value) == field_digest(value)  # the text memo gives the same digest again


def test_checksum_of_a_mixed_record_is_the_standard_librarys() -> None:
    record = {"name": "Ștefan 😀", "n": 2**70, "ok": True, "none": None, "when": date(2026, 2, 3),
              "amount": Decimal("0.10"), "nested": {"z": 1, "a": [1, "x"]}}
    assert canonical_bytes(record) == _stdlib_bytes(record)
    assert canonical_bytes({"a": 1, "b": "x"}) == _stdlib_bytes({"a": 1, "b": "x"})
    assert canonical_bytes({2: "b", 1: "a"}) == _stdlib_bytes({2: "b", 1: "a"})  # keys that are not text
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate fails as it did, never a different digest
        canonical_bytes({"a": "\ud800"})


def _wide_types(metadata: MetaData, name: str) -> Table:
    return Table(name, metadata, Column("id", Integer, primary_key=True), Column("s", String), Column("t", Text),
                 Column("n", Numeric(30, 20)), Column("f", Float), Column("b", Boolean), Column("d", Date),
                 Column("dt", DateTime), Column("dtz", DateTime(timezone=True)), Column("tm", Time),
                 Column("j", JSON), Column("bi", BigInteger), Column("lb", LargeBinary), Column("u", Uuid))


def _typed_rows() -> list[dict]:
    rows = []
    for i, inner in enumerate([None, True, "1.23456789012345678901", "é😀" * 1000, float("nan"), 2**70]):
        rows.append({"id": i + 1, "s": "é😀\x00x" if i else None, "t": "x" * 200_000,
                     "n": Decimal("12345.67890123456789012345") if i else None, "f": float("nan") if i == 4 else 1.5,
                     "b": bool(i % 2) if i else None, "d": date(2026, 1, 2),
                     "dt": datetime(2026, 1, 2, 3, 4, 5, 678901),
                     "dtz": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
                     "tm": time(1, 2, 3, 4), "j": {"k": inner, "n": {"x": None, "y": "ț"}}, "bi": 2**62,
                     "lb": b"\x00\xff", "u": uuid.UUID(int=i)})
    return rows


def _same(a: object, b: object) -> bool:
    return a == b or (a != a and b != b) or json.dumps(a, default=str) == json.dumps(b, default=str)


@pytest.mark.parametrize("fast_json", [False, True])
def test_insert_many_reads_back_what_sqlalchemys_insert_does(fast_json: bool) -> None:
    metadata = MetaData()
    fast, own = _wide_types(metadata, "fast"), _wide_types(metadata, "own")
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = _typed_rows()
    with warnings.catch_warnings(), engine.begin() as conn:
        warnings.simplefilter("ignore")  # SQLite's Decimal warning: both ways store the same float
        insert_many(conn, fast, rows, fast_json=fast_json)
        conn.execute(own.insert(), rows)
        got = conn.execute(select(fast).order_by(fast.c.id)).all()
        want = conn.execute(select(own).order_by(own.c.id)).all()
    assert len(got) == len(want) == len(rows)
    for a, b in zip(got, want, strict=True):
        for name in a._mapping:
            assert _same(a._mapping[name], b._mapping[name]), name
    engine.dispose()


@pytest.mark.parametrize("limit", [999, None])
def test_insert_many_splits_500_wide_rows_under_the_parameter_limit(limit: int | None) -> None:
    metadata = MetaData()
    wide = Table("wide", metadata, Column("id", Integer, primary_key=True),
                 *[Column(f"c{i}", String) for i in range(80)])
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [{f"c{i}": f"r{r}c{i}" for i in range(80)} for r in range(500)]  # 40,000 values
    with engine.begin() as conn:
        if limit is not None:
            conn.dialect.insertmanyvalues_max_parameters = limit  # an SQLite before 3.32
        returned = insert_many(conn, wide, rows, ("id", "c0", "c79"))
        stored = conn.execute(select(wide).order_by(wide.c.id)).all()
    assert sorted(r[1] for r in returned) == sorted(f"r{r}c0" for r in range(500))
    assert all(c0.replace("c0", "c79") == c79 for _, c0, c79 in returned)
    assert [row.c40 for row in stored] == [f"r{r}c40" for r in range(500)]
    engine.dispose()


def test_insert_many_fills_a_left_out_primary_keys_python_default() -> None:
    metadata = MetaData()
    keyed = Table("keyed", metadata, Column("id", String(36), primary_key=True, default=lambda: str(uuid.uuid4())),
                  Column("x", Integer))
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        insert_many(conn, keyed, [{"x": 1}, {"x": 2}])
        assert conn.execute(select(func.count()).select_from(keyed).where(keyed.c.id.is_not(None))).scalar() == 2
    engine.dispose()


def _people(count: int, start: int = 0) -> tuple[list[dict], list[Origin]]:
    payloads = [{"company": f"Firma Bulk {n} ș😀 SRL", "city": "Köln" if n % 2 else None}
                for n in range(start, start + count)]
    return payloads, [Origin("erpsync", f"E-{n}") for n in range(start, start + count)]


def _check_each(results, payloads, origins) -> None:
    for result, payload, origin in zip(results, payloads, origins, strict=True):
        assert result.record is not None, result.error
        assert result.record.data["company"] == payload["company"]
        assert result.record.data["external_id"] == origin.source_id


def test_multi_row_create_maps_keys_by_marker_whatever_the_returning_order(crm: SqlConnector,  # noqa: F811
                                                                            monkeypatch) -> None:
    real = sql_writing.insert_many
    calls = []

    def reversed_order(*args, **kwargs):
        calls.append(len(args[2]))
        return list(reversed(real(*args, **kwargs)))

    monkeypatch.setattr(sql_writing, "insert_many", reversed_order)
    payloads, origins = _people(7)
    results = crm.create_many("clients", payloads, origins=origins)
    _check_each(results, payloads, origins)
    assert calls == [7]  # one multi-row statement
    again = crm.get_many("clients", [r.record.id for r in results])
    assert [again[r.record.id].data["company"] for r in results] == [p["company"] for p in payloads]


def test_a_duplicate_in_the_middle_of_a_multi_row_create_fails_only_that_record(crm: SqlConnector) -> None:  # noqa: F811
    payloads, origins = _people(5, start=100)
    payloads[2] = {**payloads[2], "customer_number": "C00001"}  # a seeded client's unique number
    results = crm.create_many("clients", payloads, origins=origins)
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert isinstance(results[2].error, DuplicateError) and results[2].record is None
    good = [0, 1, 3, 4]
    _check_each([results[i] for i in good], [payloads[i] for i in good], [origins[i] for i in good])
    assert len({results[i].record.id for i in good}) == 4
    found = crm.find_by_origin("clients", "erpsync", [o.source_id for o in origins])
    assert sorted(found) == sorted(origins[i].source_id for i in good)
    assert all(found[origins[i].source_id].id == results[i].record.id for i in good)


def test_records_of_a_multi_row_create_are_found_again_by_origin_after_a_lost_answer(crm_url: str) -> None:  # noqa: F811
    """The state store never heard of these creates (a crash after the CRM's commit): a fresh connector finds
    each by its origin marker, with the key the create gave it."""
    payloads, origins = _people(30, start=200)
    writer = SqlConnector(_endpoint(crm_url), {})
    created = writer.create_many("clients", payloads, origins=origins)
    writer.close()
    reader = SqlConnector(_endpoint(crm_url), {})
    found = reader.find_by_origin("clients", "erpsync", [o.source_id for o in origins])
    reader.close()
    keys = {o.source_id: c.record.id for o, c in zip(origins, created, strict=True)}
    assert {sid: r.id for sid, r in found.items()} == keys
    assert all(found[o.source_id].data["company"] == p["company"] for o, p in zip(origins, payloads, strict=True))


def _endpoint(url: str):
    from erpsync_gui.profile import EndpointConfig
    from erpsync_gui.records import Side
    return EndpointConfig(Side.CRM, "sql", url, options={})


def test_a_crash_between_the_crms_commit_and_the_stores_relinks_by_origin(tmp_path, monkeypatch) -> None:
    """The first batch's multi-row create commits in the CRM, then the state store's commit is lost: the next run
    finds every created row by its origin marker and links it, making no second row."""
    from erpsync_gui.errors import StoreError
    from erpsync_gui.records import Direction
    from erpsync_gui.store.sync_state import SyncState
    from tests.sync_harness import Harness

    h = Harness(tmp_path / "h")
    try:
        erp_ids = [h.erp_create(customer_number=f"K{n:03d}", company=f"Firmă {n} 😀", city="Iași") for n in range(30)]
        real = SyncState.commit
        lost: list[int] = []

        def commit(self, batch):
            if not lost and any(link.state == "synced" for link in batch.links):
                lost.append(len(batch.links))
                raise StoreError("could not record the batch in the state database: disk I/O error")
            return real(self, batch)

        monkeypatch.setattr(SyncState, "commit", commit)
        bulk = sql_writing.insert_many
        creates: list[int] = []
        monkeypatch.setattr(sql_writing, "insert_many", lambda conn, table, rows, *a, **k: (
            creates.append(len(rows)), bulk(conn, table, rows, *a, **k))[1])
        first = h.sync(direction=Direction.IMPORT, batch=50)
        assert lost == [30] and first.status == "failed", first.message
        assert creates == [30] and len(h.crm_rows()) == 30  # one multi-row create, kept by the CRM
        h.advance(60)
        h.sync(direction=Direction.IMPORT, batch=50)
        rows = h.crm_rows()
        assert len(rows) == 30
        links = {link.erp_id: link.crm_id for link in h.links() if link.state == "synced"}
        assert sorted(links) == sorted(erp_ids)
        assert all(rows[links[erp_id]]["external_id"] == erp_id for erp_id in erp_ids)
    finally:
        h.close()


def test_a_create_batch_of_several_shapes_and_a_repeated_origin_keeps_each_record_its_own(crm: SqlConnector,  # noqa: F811
                                                                                         ) -> None:
    payloads, origins = _people(6, start=300)
    payloads[1] = {**payloads[1], "phonenumber": "+40 721 000 001"}  # another set of columns
    payloads[4] = {**payloads[4], "phonenumber": "+40 721 000 004"}
    origins[5] = origins[3]  # the same source record twice: no marker tells these two rows apart
    results = crm.create_many("clients", payloads, origins=origins)
    _check_each(results, payloads, origins)
    assert [r.record.data["phonenumber"] for r in results][1::3] == ["+40 721 000 001", "+40 721 000 004"]
    assert len({r.record.id for r in results}) == 6
