"""The state store on real SQLite files and a real PostgreSQL server: migrations, profiles, read queries."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from erpsync_gui.errors import ConfigError, StoreError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Direction, Side
from erpsync_gui.store import queries
from erpsync_gui.store.config_repo import ConfigRepo, EndpointStatus
from erpsync_gui.store.db import Store, alembic_config, open_store
from erpsync_gui.store.models import (
    Base,
    CursorRow,
    DailyStatRow,
    LinkRow,
    LogRow,
    OutcomeRow,
    ProfileRow,
    RunRow,
)

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return request.getfixturevalue("pg_store_url")


@pytest.fixture
def any_store(db_url: str):
    opened = open_store(db_url)
    yield opened
    opened.close()


def _profile(name: str = "acme", **changes) -> ProfileConfig:
    cfg = ProfileConfig(
        name=name,
        crm=EndpointConfig(Side.CRM, "sql", "sqlite:///crm.db", options={
            "preset": "none", "channel_value": "erpsync",
            "tables": {"clients": {"table": "tblclients", "id": "userid", "keys": ["vat"]}}}),
        erp=EndpointConfig(Side.ERP, "rest", "https://erp.example/index.php/api", auth="bearer",
                           batch_size=100, timeout=12.5, retries=5, log_level="DEBUG"),
        entities=(
            EntityConfig("clients", match_keys=("customer_number", "vat"),
                         fields=({"crm": "company", "erp": "name"}, {"crm": "email", "erp": "email"},
                                 {"crm": "customer_number", "erp": "customer_number"},
                                 {"crm": "vat", "erp": "vat_number"})),
            EntityConfig("products", direction=Direction.IMPORT, policy="erp_wins",
                         currency_mapping={"1": 1, "2": "3"}, batch_size=20, crm_name="items",
                         erp_name="product"),
        ),
        schedule=Schedule(enabled=True, interval_hours=2, window="19:00-07:00",
                          window_days=("mon", "fri"), entities=("clients",)),
    )
    return ProfileConfig(**{**cfg.__dict__, **changes})


# -- opening and migrating ------------------------------------------------------------------------


def test_open_store_migrates_a_fresh_database_to_the_models(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="erpsync_gui.store.db"):
        store = open_store(db_url)
    try:
        assert any("Migrating" in r.getMessage() for r in caplog.records)
        assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            # the newest revision, whatever its name (migrations of merged branches get renumbered)
            heads = tuple(ScriptDirectory.from_config(alembic_config()).get_heads())
            assert context.get_current_heads() == heads and len(heads) == 1
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()


def test_reopening_is_a_no_op_that_keeps_the_data(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with open_store(db_url) as store:
        ConfigRepo(store).save_profile(_profile())
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="erpsync_gui.store.db"), open_store(db_url) as store:
        assert not any("Migrating" in r.getMessage() for r in caplog.records)
        assert ConfigRepo(store).get_profile("acme").name == "acme"


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    with open_store(db_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreError, match="newer version of ERPSync") as info:
        open_store(db_url)
    assert "9999_future" in str(info.value)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0


def test_default_url_is_the_sqlite_file_in_the_data_dir(tmp_path: Path, data_dir: Path) -> None:
    with open_store(data_dir=tmp_path / "elsewhere") as store:
        assert store.url.endswith("/elsewhere/erpsync.db")
    assert (tmp_path / "elsewhere" / "erpsync.db").exists()
    with open_store() as store:
        assert Path(store.url.removeprefix("sqlite:///")) == (data_dir / "erpsync.db").resolve()


def test_unusable_urls_are_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="Invalid database URL"):
        open_store("not a url")
    with pytest.raises(StoreError, match="Cannot use database"):
        open_store("nosuchdialect://host/db")
    (tmp_path / "state.db").write_text("this is not a database")
    with pytest.raises(StoreError, match="Cannot open the state database"):
        open_store(f"sqlite:///{tmp_path / 'state.db'}")


# -- profiles -------------------------------------------------------------------------------------


def test_config_repo_round_trip(any_store: Store) -> None:
    repo = ConfigRepo(any_store)
    saved = repo.save_profile(_profile())
    assert saved.id is not None
    loaded = repo.get_profile("acme")
    assert loaded == saved == _profile(id=saved.id)
    assert isinstance(loaded.entities[1].direction, Direction)
    assert loaded.schedule.window_days == ("mon", "fri")
    assert repo.get_profile() == loaded


def test_saving_again_replaces_entities_and_keeps_endpoint_status(any_store: Store) -> None:
    repo = ConfigRepo(any_store)
    first = repo.save_profile(_profile())
    repo.set_endpoint_status(first.id, "erp", "expired", "401 from the ERP")
    changed = _profile(
        id=first.id,
        entities=(EntityConfig("invoices"), EntityConfig("clients", enabled=False)),
        erp=EndpointConfig(Side.ERP, "rest", "https://erp2.example/api"),
    )
    again = repo.save_profile(changed)
    assert again.id == first.id
    loaded = repo.get_profile("acme")
    assert [e.entity for e in loaded.entities] == ["invoices", "clients"]
    assert loaded.entity("clients").enabled is False
    assert loaded.erp.url == "https://erp2.example/api"
    assert repo.endpoint_status(first.id)[Side.ERP] == EndpointStatus("expired", "401 from the ERP")
    assert len(repo.list_profiles()) == 1


def test_renaming_by_id_and_name_collisions(any_store: Store) -> None:
    repo = ConfigRepo(any_store)
    acme = repo.save_profile(_profile())
    repo.save_profile(_profile("other"))
    renamed = repo.save_profile(_profile("acme-2", id=acme.id))
    assert renamed.id == acme.id
    assert [p.name for p in repo.list_profiles()] == ["acme-2", "other"]
    with pytest.raises(ConfigError, match="already exists"):
        repo.save_profile(_profile("other", id=acme.id))


def test_missing_profiles_explain_how_to_create_one(any_store: Store) -> None:
    repo = ConfigRepo(any_store)
    with pytest.raises(ConfigError) as info:
        repo.get_profile()
    assert "erpsync demo" in str(info.value) and "erpsync config import FILE" in str(info.value)
    repo.save_profile(_profile())
    with pytest.raises(ConfigError, match="no profile named 'nope'") as info:
        repo.get_profile("nope")
    assert "acme" in str(info.value)
    with pytest.raises(ConfigError):
        repo.delete_profile("nope")
    with pytest.raises(ConfigError, match="Unknown endpoint status"):
        repo.set_endpoint_status(1, "crm", "broken", None)


def test_deleting_a_profile_removes_what_belongs_to_it(any_store: Store) -> None:
    repo = ConfigRepo(any_store)
    acme = repo.save_profile(_profile())
    _fill(any_store, acme.id)
    repo.delete_profile("acme")
    assert repo.list_profiles() == []
    with any_store.session() as session:
        for model in (LinkRow, RunRow, OutcomeRow, CursorRow, DailyStatRow):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model.__tablename__


# -- read queries ---------------------------------------------------------------------------------


def _fill(store: Store, profile_id: int) -> dict[str, int]:
    """Three clients runs (success, partial, failed), one invoices run, grouped errors, stats, links."""
    ago = [NOW - timedelta(hours=h) for h in range(10)]
    with store.session() as s:
        runs = {
            "ok": RunRow(profile_id=profile_id, entity="clients", direction="both", trigger="manual",
                         kind="full", status="success", inserted=5, started_at=ago[5]),
            "partial": RunRow(profile_id=profile_id, entity="clients", direction="both", trigger="scheduled",
                              kind="incremental", status="partial", updated=3, failed=27, started_at=ago[3]),
            "failed": RunRow(profile_id=profile_id, entity="clients", direction="both", trigger="cli",
                             kind="incremental", status="failed", message="401", started_at=ago[1]),
            "inv": RunRow(profile_id=profile_id, entity="invoices", direction="export", trigger="manual",
                          kind="full", status="success", inserted=1, started_at=ago[2]),
        }
        s.add_all(runs.values())
        s.flush()
        for i in range(25):  # one signature, 25 records: more than the id cap
            s.add(OutcomeRow(run_id=runs["partial"].id, profile_id=profile_id, entity="clients",
                             crm_id=f"c{i}", action="failed", target_side="erp", error_kind="permanent",
                             message=f"VAT code invalid for c{i}", signature="sig-vat",
                             resolution="open", created_at=ago[4] + timedelta(seconds=i)))
        for i in range(2):
            s.add(OutcomeRow(run_id=runs["partial"].id, profile_id=profile_id, entity="clients",
                             erp_id=f"e{i}", action="failed", target_side="crm", error_kind="mapping",
                             message="no currency", signature="sig-cur", created_at=ago[3]))
        s.add(OutcomeRow(run_id=runs["ok"].id, profile_id=profile_id, entity="clients", crm_id="c0",
                         erp_id="e0", action="create", target_side="erp", created_at=ago[5]))
        today = NOW.date()
        s.add_all([
            DailyStatRow(profile_id=profile_id, day=today, entity="clients", runs=3, inserted=5, updated=3,
                         failed=27, failed_runs=1),
            DailyStatRow(profile_id=profile_id, day=today, entity="invoices", runs=1, inserted=1),
            DailyStatRow(profile_id=profile_id, day=today - timedelta(days=1), entity="clients", runs=2,
                         failed_runs=2),
            DailyStatRow(profile_id=profile_id, day=today - timedelta(days=2), entity="clients", runs=1,
                         failed=4),
            DailyStatRow(profile_id=profile_id, day=today - timedelta(days=40), entity="clients", runs=1,
                         inserted=1),
        ])
        s.add(LinkRow(profile_id=profile_id, entity="clients", crm_id="c0", erp_id="e0"))
        s.add(CursorRow(profile_id=profile_id, entity="clients", side="crm", value="2026-01-01",
                        updated_at=NOW))
        s.commit()
        return {name: run.id for name, run in runs.items()}


@pytest.fixture
def filled(any_store: Store) -> tuple[Store, int, dict[str, int]]:
    profile = ConfigRepo(any_store).save_profile(_profile())
    return any_store, profile.id, _fill(any_store, profile.id)


def test_grouped_errors_count_and_describe_each_group(filled) -> None:
    store, pid, _ = filled
    groups = queries.grouped_errors(store, pid)
    assert [g.signature for g in groups] == ["sig-cur", "sig-vat"]  # the most recently seen first
    cur, vat = groups
    assert (vat.count, vat.entity, vat.error_kind) == (25, "clients", "permanent")
    assert vat.message == "VAT code invalid for c24"  # the newest one
    assert vat.first_seen == NOW - timedelta(hours=4)
    assert vat.last_seen == NOW - timedelta(hours=4) + timedelta(seconds=24)
    assert len(vat.crm_ids) == queries.GROUP_ID_CAP and vat.crm_ids[0] == "c24"
    assert vat.erp_ids == ()
    assert (cur.count, cur.error_kind, sorted(cur.erp_ids)) == (2, "mapping", ["e0", "e1"])
    assert queries.grouped_errors(store, pid + 1000) == []


def test_resolving_errors_removes_them_from_open_groups(filled) -> None:
    store, pid, _ = filled
    members = queries.errors_in_group(store, pid, "sig-vat")
    assert len(members) == 25 and members[0].crm_id == "c24"
    assert queries.mark_resolved(store, [m.id for m in members[:5]]) == 5
    assert {g.signature: g.count for g in queries.grouped_errors(store, pid)} == {"sig-vat": 20, "sig-cur": 2}
    assert len(queries.errors_in_group(store, pid, "sig-vat")) == 20
    assert len(queries.errors_in_group(store, pid, "sig-vat", include_resolved=True)) == 25
    assert queries.mark_group_resolved(store, pid, "sig-cur") == 2
    assert [g.signature for g in queries.grouped_errors(store, pid)] == ["sig-vat"]
    everything = queries.grouped_errors(store, pid, include_resolved=True)
    assert {g.signature: g.count for g in everything} == {"sig-vat": 25, "sig-cur": 2}


def test_daily_stats_statuses(filled) -> None:
    store, pid, _ = filled
    stats = queries.daily_stats(store, pid, days=30)
    today, yesterday, before = NOW.date(), NOW.date() - timedelta(days=1), NOW.date() - timedelta(days=2)
    got = {(s.day, s.entity): s.status for s in stats}
    assert got == {
        (before, "clients"): "FAILED",  # nothing succeeded
        (yesterday, "clients"): "FAILED",  # failed runs only
        (today, "clients"): "PARTIAL",
        (today, "invoices"): "SUCCESS",
    }
    assert [s.day for s in stats] == sorted(s.day for s in stats)
    assert len(queries.daily_stats(store, pid, days=1)) == 2


def test_recent_and_last_runs(filled) -> None:
    store, pid, ids = filled
    recent = queries.recent_runs(store, pid)
    assert [r.id for r in recent] == [ids["failed"], ids["inv"], ids["partial"], ids["ok"]]
    assert recent[0].started_at == NOW - timedelta(hours=1)
    assert [r.id for r in queries.recent_runs(store, pid, limit=2, entity="clients")] == [
        ids["failed"], ids["partial"]]
    last = queries.last_runs_per_entity(store, pid)
    assert {entity: run.id for entity, run in last.items()} == {
        "clients": ids["failed"], "invoices": ids["inv"]}
    assert last["clients"].message == "401"


def test_reset_statistics_keeps_links_and_cursors(filled) -> None:
    store, pid, _ = filled
    assert queries.reset_statistics(store, pid) == 28 + 4 + 5
    assert queries.recent_runs(store, pid) == []
    assert queries.grouped_errors(store, pid, include_resolved=True) == []
    assert queries.daily_stats(store, pid, days=365) == []
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(LinkRow)) == 1
        assert s.scalar(select(func.count()).select_from(CursorRow)) == 1
        assert s.scalar(select(func.count()).select_from(ProfileRow)) == 1


def test_cleanup_logs_deletes_only_old_lines(any_store: Store) -> None:
    with any_store.session() as s:
        s.add_all([
            LogRow(created_at=NOW - timedelta(days=40), level="INFO", message="old"),
            LogRow(created_at=NOW - timedelta(days=31), level="ERROR", message="old too"),
            LogRow(created_at=NOW - timedelta(days=29), level="INFO", message="recent"),
            LogRow(created_at=NOW, level="INFO", message="now"),
        ])
        s.commit()
    assert queries.cleanup_logs(any_store, 30) == 2
    with any_store.session() as s:
        assert sorted(s.scalars(select(LogRow.message))) == ["now", "recent"]


def test_saving_an_invalid_currency_mapping_is_refused_with_the_reason(store) -> None:
    import dataclasses

    from erpsync_gui.app.demo import demo_profile

    profile = demo_profile(Path("unused"))
    clients = dataclasses.replace(profile.entity("clients"), currency_mapping={"1": 1, "2": 1})
    with pytest.raises(ConfigError, match="both map to CRM currency 1"):
        ConfigRepo(store).save_profile(dataclasses.replace(profile, entities=(clients,)))
    assert ConfigRepo(store).list_profiles() == []


def test_runs_finishing_together_all_count_in_the_day(any_store: Store) -> None:
    # the parts of a partitioned read, or two worker processes, end at the same moment
    from concurrent.futures import ThreadPoolExecutor

    from erpsync_gui.store.sync_state import SyncState

    pid = ConfigRepo(any_store).save_profile(_profile()).id
    state = SyncState(any_store, pid, "clients")
    runs = [state.start_run("both", "manual", "incremental") for _ in range(16)]

    def finish(number: int) -> None:
        state.finish_run(runs[number], "failed" if number % 4 == 0 else "success",
                         {"inserted": 10, "updated": number, "skipped": 0, "failed": 1}, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(finish, range(16)))

    with any_store.session() as s:
        row = s.scalars(select(DailyStatRow).where(DailyStatRow.profile_id == pid)).one()
    assert (row.runs, row.inserted, row.updated, row.failed, row.failed_runs) == (16, 160, sum(range(16)), 16, 4)
