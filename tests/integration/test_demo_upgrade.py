"""An existing data directory made by an older version: starting the demo brings its demo profile up to the one
this version makes (every entity, the current mappings) in place, and keeps the demo's sync history, the
person's schedule timing and measured clock offsets, and the person's own profiles as they were."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from erpsync_gui.app.demo import DEMO_ENTITIES, DEMO_SECRETS, demo_profile, setup_demo
from erpsync_gui.profile import EndpointConfig, ProfileConfig, Schedule
from erpsync_gui.records import Side
from erpsync_gui.secrets import DEMO_PROFILE, SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import Store, open_store
from erpsync_gui.store.models import LinkRow, ProfileRow, RunRow


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = open_store(None, data_dir=tmp_path)
    yield made
    made.close()


def _old_demo(data_dir: Path) -> ProfileConfig:
    """The demo profile as an older version saved it: fewer entities, clients without the place lookups."""
    old = demo_profile(data_dir, ("clients", "products", "invoices"))
    clients = old.entity("clients")
    assert clients is not None
    return dataclasses.replace(old, entities=(
        dataclasses.replace(clients, fields=tuple(f for f in clients.fields if f["crm"] != "county_id")),
        *old.entities[1:]))


def _history(store: Store, profile_id: int) -> None:
    with store.session() as s:
        s.add(RunRow(profile_id=profile_id, entity="clients", direction="both", trigger="manual", kind="full",
                     status="success", inserted=25, started_at=datetime(2026, 5, 1, tzinfo=UTC)))
        s.add(LinkRow(profile_id=profile_id, entity="clients", crm_id="1", erp_id="C-1", state="linked"))
        s.commit()


def _counts(store: Store, profile_id: int) -> tuple[int, int]:
    with store.session() as s:
        return (s.scalar(select(func.count()).select_from(RunRow).where(RunRow.profile_id == profile_id)) or 0,
                s.scalar(select(func.count()).select_from(LinkRow).where(LinkRow.profile_id == profile_id)) or 0)


def test_starting_the_demo_upgrades_an_old_demo_profile_and_keeps_history_and_own_profiles(
        store: Store, tmp_path: Path) -> None:
    repo = ConfigRepo(store)
    old = repo.save_profile(_old_demo(tmp_path))
    # the person scheduled the demo and tested its connections (which measured the ERP's clock)
    old = repo.save_profile(dataclasses.replace(
        old, schedule=Schedule(enabled=True, interval_hours=1, window="19:00-07:00", entities=("clients",)),
        erp=dataclasses.replace(old.erp, clock_offset_s=2.5)))
    _history(store, old.id)
    mine = repo.save_profile(ProfileConfig("mine", crm=EndpointConfig(Side.CRM, "sql", "sqlite:///mine.sqlite"),
                                           erp=EndpointConfig(Side.ERP, "rest", "https://erp.example.com/",
                                                              auth="bearer")))

    profile = setup_demo(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path)

    assert profile.id == old.id and profile.name == DEMO_PROFILE
    assert tuple(e.entity for e in profile.entities) == DEMO_ENTITIES
    clients = profile.entity("clients")
    assert clients is not None and "county_id" in {f["crm"] for f in clients.fields}
    current = demo_profile(tmp_path)
    assert profile.entities == current.entities and profile.crm == current.crm
    assert profile.erp == dataclasses.replace(current.erp, clock_offset_s=2.5)
    assert profile.schedule == Schedule(enabled=True, interval_hours=1, window="19:00-07:00",
                                        entities=DEMO_ENTITIES)
    assert repo.get_profile(DEMO_PROFILE) == profile
    assert _counts(store, old.id) == (1, 1)
    assert repo.get_profile("mine") == mine
    assert [p.name for p in repo.list_profiles()] == [DEMO_PROFILE, "mine"]


def test_a_current_demo_profile_is_left_as_it_is(store: Store, tmp_path: Path) -> None:
    secrets = SecretStore(demo_values=DEMO_SECRETS)
    first = setup_demo(store, secrets, tmp_path)
    with store.session() as s:
        saved_at = s.scalars(select(ProfileRow.updated_at).where(ProfileRow.name == DEMO_PROFILE)).one()
    assert setup_demo(store, secrets, tmp_path) == first
    with store.session() as s:
        assert s.scalars(select(ProfileRow.updated_at).where(ProfileRow.name == DEMO_PROFILE)).one() == saved_at


def test_a_profile_of_the_person_named_like_the_demo_is_not_overwritten(store: Store, tmp_path: Path) -> None:
    repo = ConfigRepo(store)
    own = repo.save_profile(ProfileConfig(DEMO_PROFILE, crm=EndpointConfig(Side.CRM, "sql", "sqlite:///own.sqlite"),
                                          erp=EndpointConfig(Side.ERP, "rest", "https://erp.example.com/",
                                                             auth="bearer")))
    assert setup_demo(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path) == own
