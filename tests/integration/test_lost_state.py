"""A lost state database (a reinstalled PC, a new one, a deleted data folder) or a second profile on the same
two systems must not duplicate anything: every record is found again by our origin marker or its key."""

from __future__ import annotations

import pytest

from erpsync_gui.app.demo import DEMO_ENTITIES, DEMO_SECRETS, setup_demo
from erpsync_gui.app.service import SyncService
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store


def _service(data_dir, store_url=None) -> SyncService:
    store = open_store(store_url, data_dir=data_dir)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), data_dir, time_gate_s=0)
    setup_demo(store, service.secrets, data_dir)
    return service


def _sync_all(service: SyncService) -> dict[str, dict]:
    return {entity: _counts(service, entity) for entity in DEMO_ENTITIES}


def _counts(service: SyncService, entity: str) -> dict:
    result = service.sync(entity)
    return {**result.counts, "status": result.status, "message": result.message}


@pytest.mark.slow
def test_a_lost_state_database_links_everything_again_and_creates_nothing(tmp_path):
    data = tmp_path / "data"
    first = _service(data)
    erp = first.sandbox.start()
    try:
        _sync_all(first)
        settled = _sync_all(first)
        assert all(c["inserted"] == 0 and c["updated"] == 0 for c in settled.values()), settled
        counts = {entity: erp.count(entity) for entity in DEMO_ENTITIES}
        first.store.close()
        (data / "erpsync.db").unlink()
        for extra in data.glob("erpsync.db-*"):
            extra.unlink()

        again = _service(data)
        again.sandbox = first.sandbox
        result = _sync_all(again)

        for entity, c in result.items():
            assert c["inserted"] == 0, (entity, c)
            assert c["failed"] == 0 and c["conflicts"] == 0, (entity, c)
        assert {entity: erp.count(entity) for entity in DEMO_ENTITIES} == counts
        again.store.close()
    finally:
        first.close()


@pytest.mark.slow
def test_a_second_profile_on_the_same_two_systems_creates_nothing(tmp_path):
    import dataclasses

    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN

    service = _service(tmp_path / "data")
    erp = service.sandbox.start()
    try:
        _sync_all(service)
        _sync_all(service)
        counts = {entity: erp.count(entity) for entity in DEMO_ENTITIES}
        demo = service.profile()
        copy = service.config.save_profile(dataclasses.replace(demo, name="demo copy", demo=False, id=None))
        service.secrets.set(copy.name, "erp", "token", DEMO_AUTH_TOKEN)
        service.secrets.set(copy.name, "erp", "client_token", DEMO_CLIENT_TOKEN)
        for entity in DEMO_ENTITIES:
            # the admin approves each first sync of the new profile (it would otherwise wait, held, for review)
            result = service.sync(entity, profile_name=copy.name, approved=True)
            assert result.counts["inserted"] == 0 and result.counts["failed"] == 0, (entity, result.counts)
        assert {entity: erp.count(entity) for entity in DEMO_ENTITIES} == counts
    finally:
        service.close()
        service.store.close()
