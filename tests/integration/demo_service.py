"""Fixtures and helpers for the demo's end-to-end tests: the app service on the demo profile (every entity), the
demo CRM's engine, row counts and the link store's pairs. A test module imports `service_fixture` and
`crm_fixture` to use the fixtures `service` and `crm`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.service import SyncService
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.store.models import LinkRow


@pytest.fixture(name="service")
def service_fixture(tmp_path: Path) -> Iterator[SyncService]:
    store = open_store(None, data_dir=tmp_path)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, service.secrets, tmp_path)
    yield service
    service.close()
    store.close()


@pytest.fixture(name="crm")
def crm_fixture(service: SyncService) -> Iterator[Engine]:
    engine = create_engine(service.profile("demo").crm.url, poolclass=NullPool)
    yield engine
    engine.dispose()


def count(engine: Engine, table: Table, *where: Any) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(*where))


def links(service: SyncService, entity: str) -> dict[str, str]:
    """ERP id -> CRM id of the entity's linked records."""
    with service.store.session() as s:
        rows = s.scalars(select(LinkRow).where(LinkRow.entity == entity, LinkRow.crm_id.is_not(None),
                                               LinkRow.erp_id.is_not(None)))
        return {r.erp_id: r.crm_id for r in rows}


def set_currency_mapping(service: SyncService, entity: str, mapping: dict[str, Any]) -> None:
    """Give one entity of the demo profile another currency mapping, as the Mappings page saves it."""
    profile = service.profile("demo")
    service.config.save_profile(dataclasses.replace(profile, entities=tuple(
        dataclasses.replace(e, currency_mapping=dict(mapping)) if e.entity == entity else e
        for e in profile.entities)))
