"""The generic REST ERP read in parts against the sandbox: update-time ranges cover every record once, a
record edited meanwhile is left to the next run from the planned cursor, keyset-only paging is refused; and
`erpsync service partition` on a REST entity has the service's workers read the parts, moving the cursor only
after the last one committed."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.headless.process import HeadlessService
from erpsync_gui.cli import main
from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.sync_state import SyncState
from tests.service.fleet import make_profile, runs_of, wait_until
from tests.service.test_service import quick_settings

CLIENTS = 120


def _fill(erp: SandboxServer, count: int = CLIENTS) -> None:
    for i in range(1, count + 1):
        erp.storage.create("clients", {"company": f"ERP Company {i}", "customer_number": f"E{i:05d}", "city": "Iasi"})


def _connector(erp: SandboxServer, paging: str = "page") -> RestErpConnector:
    endpoint = EndpointConfig(Side.ERP, "rest", erp.url, auth="bearer", options={"paging": paging})
    return RestErpConnector(endpoint, {"token": DEMO_AUTH_TOKEN, "client_token": DEMO_CLIENT_TOKEN})


@pytest.fixture
def erp(sandboxes):
    server = SandboxServer(seed=False).start()
    sandboxes.append(server)
    _fill(server)
    return server


@pytest.mark.parametrize("paging", ["page", "offset"])
def test_update_time_ranges_cover_every_record_once(erp, paging):
    connector = _connector(erp, paging)
    try:
        plan = connector.plan_partitions("clients", 4)
        assert len(plan.ranges) == 4
        assert plan.cursor == max(r["updated_at"] for r in erp.records("clients"))
        first = erp.records("clients")[0]
        edited = erp.edit("clients", first["id"], city="Cluj")  # while the parts are read
        read = Counter(record.id for part in plan.ranges for page in connector.read_partition("clients", part, 7)
                       for record in page.records)
        assert set(read.values()) == {1} and len(read) == CLIENTS - 1
        assert str(edited["id"]) not in read
        # the next run from the planned cursor reads it
        after = [r.id for page in connector.changes("clients", plan.cursor, 50) for r in page.records]
        assert str(edited["id"]) in after
    finally:
        connector.close()


def test_keyset_only_paging_cannot_be_read_in_parts(erp):
    connector = _connector(erp, "cursor")
    try:
        with pytest.raises(ConfigError, match="cursor"):
            connector.plan_partitions("clients", 4)
    finally:
        connector.close()


def test_an_empty_entity_has_no_parts(sandboxes):
    server = SandboxServer(seed=False).start()
    sandboxes.append(server)
    connector = _connector(server)
    try:
        plan = connector.plan_partitions("clients", 4)
        assert (plan.ranges, plan.cursor) == ((), None)
    finally:
        connector.close()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_service_reads_a_rest_entity_in_parts_and_moves_the_cursor_after_the_last(
        erp, pg_store, pg_store_url, tmp_path, data_dir):
    erp.faults.configure(latency_ms=5)
    secrets = SecretStore()
    profile = make_profile(pg_store, secrets, tmp_path, "big", erp, clients=0, entities=("clients",), batch=10)
    entities = tuple(dataclasses.replace(e, direction=Direction.IMPORT) for e in profile.entities)
    erp_side = dataclasses.replace(profile.erp, options={**profile.erp.options, "paging": "page"})
    profile = ConfigRepo(pg_store).save_profile(dataclasses.replace(profile, entities=entities, erp=erp_side))
    state = SyncState(pg_store, profile.id, "clients")
    newest = max(r["updated_at"] for r in erp.records("clients"))
    with HeadlessService(quick_settings(pg_store_url, webhooks=False, concurrency=4), secrets=secrets,
                         data_dir=data_dir) as service:
        code = main(["--data-dir", str(tmp_path / "cli"), "--store-url", pg_store_url, "--profile", "big",
                     "service", "partition", "-e", "clients", "--parts", "4"])
        assert code == 0
        client = service.runtime.client

        def finished() -> bool:
            found = list(client.job_manager.list_jobs(task=jobs.FINISH_PARTITIONS_TASK))
            return bool(found) and all(getattr(j.status, "value", j.status) == "succeeded" for j in found)

        wait_until(finished, 120, "the last part and the cursor")
    parts = [r for r in runs_of(pg_store) if r.trigger == "partition"]
    assert len(parts) == 4 and {r.status for r in parts} == {"success"}
    assert sum(r.inserted for r in parts) == CLIENTS
    assert state.cursor(Side.ERP) == newest
