"""A very large entity read in parts: each id range is a task that workers run side by side, and the cursor
moves only once every part has committed, to the newest change stamp of the moment the read was planned."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, create_engine, insert
from sqlalchemy.pool import NullPool

from erpsync_gui.app.headless import jobs
from erpsync_gui.app.headless.partition_plan import queue_partitions
from erpsync_gui.app.headless.process import HeadlessService
from erpsync_gui.records import Side
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.sync_state import SyncState
from tests.service.fleet import make_profile, runs_of, wait_until
from tests.service.test_service import quick_settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
LEADS = 240
NEWEST = datetime(2026, 11, 30, 12, 0, 0)
#: the columns stock Perfex requires on a new lead
LEAD = {"status": 2, "source": 1, "addedfrom": 0}


def _add_leads(crm_url: str) -> None:
    """Leads with the values stock Perfex requires, in a tblleads given an updated-at column (stock has none)."""
    engine = create_engine(crm_url, poolclass=NullPool)
    rows = [{"name": f"Lead {i}", "email": f"lead{i}@example.com", "dateadded": NEWEST, **LEAD,
             "last_updated": NEWEST - timedelta(minutes=LEADS - i)} for i in range(1, LEADS + 1)]
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE tblleads ADD COLUMN last_updated DATETIME NULL")
        leads = Table("tblleads", MetaData(), autoload_with=conn)
        conn.execute(insert(leads), rows)
    engine.dispose()


def test_the_parts_of_an_entity_sync_every_record_once_and_the_cursor_moves_after_the_last(
        pg_store, pg_store_url, sandboxes, tmp_path, data_dir):
    erp = SandboxServer(seed=False).start()
    erp.faults.configure(latency_ms=10)
    sandboxes.append(erp)
    secrets = SecretStore()
    profile = make_profile(pg_store, secrets, tmp_path, "big", erp, clients=0, entities=("leads",), batch=20)
    _add_leads(profile.crm.url)
    state = SyncState(pg_store, profile.id, "leads")
    with HeadlessService(quick_settings(pg_store_url, webhooks=False, concurrency=4), secrets=secrets,
                         data_dir=data_dir) as service:
        runtime = service.runtime
        queued = queue_partitions(runtime.client, runtime.service, "big", "leads", 4)
        assert queued.side is Side.CRM and len(queued.job_ids) == 4
        assert queued.cursor is not None and queued.cursor.startswith("2026-11-30T12:00:00")
        wait_until(lambda: len(erp.records("leads")) >= 20, 60, "the parts to be under way")
        assert state.cursor(Side.CRM) is None  # some parts have not committed
        wait_until(lambda: jobs.job_status(runtime.client, queued.finisher) == "succeeded", 120, "the last part")
    emails = Counter(r["email"] for r in erp.records("leads"))
    assert len(emails) == LEADS and set(emails.values()) == {1}
    assert state.cursor(Side.CRM) == queued.cursor
    parts = [r for r in runs_of(pg_store) if r.trigger == "partition"]
    assert len(parts) == 4 and {r.status for r in parts} == {"success"}
    assert sum(r.inserted for r in parts) == LEADS
