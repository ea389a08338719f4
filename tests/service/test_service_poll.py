"""Polling in service mode: the profile's enabled entities are queued as one chain at the receiver's interval,
so what no webhook told of still reaches the ERP, through the queue like every other run."""

from __future__ import annotations

import dataclasses

import pytest

from erpsync_gui.app.headless.process import HeadlessService
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.queries import recent_runs
from tests.service.fleet import make_profile, wait_until
from tests.service.test_service import _free_port, quick_settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_the_service_polls_each_receivers_profile_through_the_queue(pg_store, pg_store_url, sandboxes, tmp_path,
                                                                     data_dir):
    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    secrets = SecretStore()
    profile = make_profile(pg_store, secrets, tmp_path, "office", erp, clients=2, entities=("clients",))
    hook = {"enabled": True, "port": _free_port(), "poll_minutes": 0.001, "entities": {"Identity": "clients"}}
    crm = dataclasses.replace(profile.crm, options={**profile.crm.options, "webhook": hook})
    profile = ConfigRepo(pg_store).save_profile(dataclasses.replace(profile, crm=crm))

    with HeadlessService(quick_settings(pg_store_url), secrets=secrets, data_dir=data_dir) as service:
        assert "office" in service.hosts and service.hosts["office"].state.state == "listening"
        wait_until(lambda: any(r.trigger == "poll" and r.status == "success"
                               for r in recent_runs(pg_store, profile.id)), 60, "the poll's run")
        assert sorted(r["company"] for r in erp.records("clients")) == ["Company 1", "Company 2"]
    assert service.hosts == {} and service.listeners == {}
