"""A generic REST ERP that ignores lookup filters, as an admin meets it: the connection test says so in plain
words (what it costs, what to do), and each run's log says it once, with the run. And how long a lookup may be."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.run_context import RunContextFilter
from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.records import Direction
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.store.log_handler import StoreLogHandler
from erpsync_gui.store.models import LogRow

Make = Callable[..., RestErpConnector]


def test_a_filtering_erp_gets_no_filter_finding(sandbox: SandboxServer, make_rest_connector: Make):
    before = sandbox.faults.count("GET")
    result = make_rest_connector().check()
    assert result.ok and "filter" not in result.message and not result.details
    # clients, its two lookup filters, units, its code filter
    assert sandbox.faults.count("GET") - before == 5


def test_an_erp_ignoring_filters_is_told_in_plain_words(sandbox: SandboxServer, make_rest_connector: Make):
    sandbox.api.ignore_filters = True
    result = make_rest_connector().check()
    assert result.ok  # it works: only slower
    assert "ignores lookup filters" in result.message
    said = " ".join(result.details)
    assert "ignores the external_id, customer_number and code filters" in said
    assert "still match every record right" in said
    assert f"(today {sandbox.count('clients'):,} clients, 1 request)" in said
    assert "vendor" in said


def test_without_a_client_token_only_the_clients_filters_are_checked(sandbox: SandboxServer,
                                                                      make_rest_connector: Make):
    sandbox.api.ignore_filters = True
    result = make_rest_connector(client_token=None, page_size_max=100).check()
    said = " ".join(result.details)
    assert "external_id and customer_number filters" in said and "code" not in said
    assert "300 clients, 3 requests" in said


def test_an_empty_erp_cannot_show_an_ignored_filter_and_is_not_blamed(make_rest_connector: Make):
    with SandboxServer(seed=False) as empty:
        empty.api.ignore_filters = True
        result = make_rest_connector(empty.url).check()
    assert result.ok and not result.details


def test_a_lower_lookup_query_limit_sends_more_shorter_lookups(sandbox: SandboxServer, make_rest_connector: Make):
    numbers = sorted(r["customer_number"] for r in sandbox.records("clients"))[:100]
    for limit, requests in ((6000, 1), (500, 5)):
        before = sandbox.faults.count("GET")
        found = make_rest_connector(lookup_query_max=limit).find_by_keys("clients", "customer_number", numbers)
        assert sorted(found) == numbers and sandbox.faults.count("GET") - before == requests


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SyncService]:
    store = open_store(None, data_dir=tmp_path)
    made = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, made.secrets, tmp_path)
    yield made
    made.close()
    store.close()


def _add_crm_client(service: SyncService, number: str) -> None:
    path = service.profile().crm.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO tblclients (company, customer_number, datecreated) VALUES (?, ?, "
                   "'2026-05-01 10:00:00')", (f"New {number}", number))


def test_each_run_says_it_once_in_its_own_log(service: SyncService):
    service.sandbox.start().api.ignore_filters = True
    handler = StoreLogHandler(service.store)
    handler.addFilter(RunContextFilter())
    logger = logging.getLogger("erpsync")
    logger.addHandler(handler)
    try:
        _add_crm_client(service, "NEW-1")
        first = service.sync("clients", direction=Direction.EXPORT, approved=True)
        _add_crm_client(service, "NEW-2")
        second = service.sync("clients", direction=Direction.EXPORT, approved=True)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert first.status == second.status == "success"
    with service.store.session() as s:
        said = [(row.run_id, row.level) for row in s.scalars(select(LogRow)) if "ignores the" in row.message]
    assert said == [(first.run_id, "WARNING"), (second.run_id, "WARNING")]
