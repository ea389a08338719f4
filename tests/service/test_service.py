"""The service as one process: it starts, takes a webhook, syncs the record through a queued task and reports
the run through its control API, which answers only with its token."""

from __future__ import annotations

import dataclasses
import socket

import httpx
import pytest

from erpsync_gui.app.headless.process import HeadlessService
from erpsync_gui.app.headless.settings import ServiceSettings, control_token
from erpsync_gui.app.remote_service import RemoteService
from erpsync_gui.app.webhooks.settings import path_token
from erpsync_gui.errors import AuthError, ConfigError
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.webhook_queries import pending
from tests.service.fleet import make_profile, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quick_settings(store_url: str, **changes) -> ServiceSettings:
    # No worker of an in-process service dies, so a job found "stalled" here would be a busy machine's late
    # heartbeat, and its retry a second run of the same job (6 partition runs for 4 parts under load): the
    # product's own 30 s. The suites that kill workers (tests/service/fleet.py) set a short one of their own.
    settings = {"control_port": 0, "heartbeat_s": 0.5, "stalled_after_s": 30, "watch_interval_s": 0.5,
                "poll_s": 0.5, "stop_timeout_s": 5, **changes}
    return ServiceSettings(store_url=store_url, **settings)


def office_with_webhooks(store, secrets: SecretStore, root, erp: SandboxServer):
    profile = make_profile(store, secrets, root, "office", erp, clients=2, entities=("clients",))
    hook = {"enabled": True, "port": _free_port(), "debounce_s": 0, "entities": {"Identity": "clients"}}
    crm = dataclasses.replace(profile.crm, options={**profile.crm.options, "webhook": hook})
    return ConfigRepo(store).save_profile(dataclasses.replace(profile, crm=crm))


@pytest.fixture
def service_env(pg_store, pg_store_url, sandboxes, tmp_path, data_dir):
    erp = SandboxServer(seed=False).start()
    sandboxes.append(erp)
    secrets = SecretStore()
    profile = office_with_webhooks(pg_store, secrets, tmp_path, erp)
    with HeadlessService(quick_settings(pg_store_url), secrets=secrets, data_dir=data_dir) as service:
        yield service, secrets, erp, profile


def test_a_webhook_is_synced_by_a_queued_task_and_reported_through_the_control_api(service_env, pg_store):
    service, secrets, erp, profile = service_env
    hook = service.listeners["office"].url(path_token(secrets, "office"))
    reply = httpx.get(hook, params={"event": "Update", "id": "1", "type": "Identity"})
    assert reply.status_code == 200 and reply.json()["events"][0]["status"] == "queued"

    remote = RemoteService(service.control.url, control_token(secrets))
    try:
        wait_until(lambda: any(r.trigger == "webhook" and r.status == "success"
                               for r in remote.recent_runs("office")), 60, "the webhook's run")
        run = next(r for r in remote.recent_runs("office") if r.trigger == "webhook")
        assert (run.entity, run.processed, run.inserted) == ("clients", 1, 1)
        assert [r["company"] for r in erp.records("clients")] == ["Company 1"]  # that record only
        wait_until(lambda: not pending(pg_store, profile.id), 10, "the event to be marked")
        wait_until(lambda: any(line.entity == "clients" and "webhook" in line.message
                               for line in remote.logs("office")), 10, "the run's log lines (written in batches)")
        assert remote.errors("office") == [] and remote.conflicts("office") == []

        job_id = remote.start("office", "clients")
        assert job_id is not None
        wait_until(lambda: any(r.trigger == "manual" and r.status == "success" for r in remote.recent_runs("office")),
                   60, "the manual run queued through the API")
        assert sorted(r["company"] for r in erp.records("clients")) == ["Company 1", "Company 2"]
        assert remote.status().profiles == ("office",)
    finally:
        remote.close()


def test_the_control_api_answers_only_with_the_token(service_env):
    service, _secrets, _erp, _profile = service_env
    assert httpx.get(service.control.url + "api/v1/profiles").status_code == 401
    wrong = httpx.get(service.control.url + "api/v1/profiles", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    unknown = RemoteService(service.control.url, "nope")
    try:
        with pytest.raises(AuthError):
            unknown.profiles()
    finally:
        unknown.close()


def test_plain_http_is_refused_off_the_loopback(pg_store_url):
    settings = ServiceSettings(store_url=pg_store_url, control_host="0.0.0.0")
    with pytest.raises(ConfigError, match="without HTTPS"):
        settings.check_control()


def test_the_service_needs_a_postgresql_store(tmp_path, data_dir):
    with pytest.raises(ConfigError, match="PostgreSQL"):
        HeadlessService(ServiceSettings(store_url=f"sqlite:///{tmp_path / 's.db'}"), secrets=SecretStore(),
                        data_dir=data_dir)
