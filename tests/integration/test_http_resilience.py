"""The HTTP layer against the sandbox ERP's fault modes and whole runs through the app service: 429 waited
out, 500s retried then reported, a POST timeout as "outcome unknown", a daily quota that ends a run as
partial and the next run resumes, the circuit breaker stopping a run with one clear error, an expired
refresh token setting the endpoint status, and no secret in any log line."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from erpsync_gui.app.demo import DEMO_SECRETS, setup_demo
from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.errors import OutcomeUnknownError, RetryableError
from erpsync_gui.http import ratelimit
from erpsync_gui.http.auth_factory import endpoint_client
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Direction, Side
from erpsync_gui.sandbox.faults import Action, Decision
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN
from erpsync_gui.secrets import SecretStore
from erpsync_gui.store.db import open_store
from erpsync_gui.store.log_handler import StoreLogHandler
from erpsync_gui.store.models import LinkRow, LogRow
from tests.unit.http_auth_server import FakeAuthServer

SECRETS = {"token": DEMO_AUTH_TOKEN, "client_token": DEMO_CLIENT_TOKEN}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def limiters(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A private rate limit registry on a clock the test moves."""
    clock = Clock()
    monkeypatch.setattr(ratelimit, "REGISTRY", ratelimit.LimiterRegistry(clock=clock))
    return clock


def _connector(sandbox: SandboxServer, sleeps: list[float], *, retries: int = 2, timeout: float = 5,
               **options: Any) -> RestErpConnector:
    endpoint = EndpointConfig(Side.ERP, "rest", sandbox.url, auth="bearer", timeout=timeout, retries=retries,
                              options=options)
    http = endpoint_client(endpoint, SECRETS, base_url=sandbox.url, sleep=sleeps.append)
    return RestErpConnector(endpoint, SECRETS, http=http)


def test_429_with_retry_after_is_waited_out(sandbox: SandboxServer) -> None:
    sleeps: list[float] = []
    sandbox.faults.configure(rate_limit_every=2, retry_after=0.25)
    connector = _connector(sandbox, sleeps)
    pages = list(connector.changes("leads", None, 10))
    assert sum(len(p.records) for p in pages) == sandbox.count("leads")
    assert sleeps and all(s == 0.25 for s in sleeps)
    connector._http.close()


def test_500s_are_retried_then_reported(sandbox: SandboxServer) -> None:
    sleeps: list[float] = []
    sandbox.faults.configure(error_rate=1.0)
    connector = _connector(sandbox, sleeps, retries=2)
    with pytest.raises(RetryableError) as caught:
        list(connector.changes("clients", None, 10))
    assert caught.value.status == 500 and "injected fault" in caught.value.details
    assert sandbox.faults.count("GET", "clients") == 3 and len(sleeps) == 2
    connector._http.close()


def test_a_post_timeout_is_outcome_unknown_and_not_repeated(sandbox: SandboxServer) -> None:
    connector = _connector(sandbox, [], retries=3, timeout=0.3)
    sandbox.faults.configure(latency_ms=800)
    with pytest.raises(OutcomeUnknownError) as caught:
        connector.create("clients", {"company": "Timeout SRL", "customer_number": "T-1"})
    sandbox.faults.clear()
    assert "may or may not have taken effect" in caught.value.message
    assert sandbox.faults.count("POST", "clients") == 1
    deadline = time.monotonic() + 10  # the server did apply it, after the client stopped waiting
    while not any(r.get("customer_number") == "T-1" for r in sandbox.records("clients")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    connector._http.close()


# -- whole runs through the app service ---------------------------------------------------------------------
@pytest.fixture
def service(tmp_path: Path):
    store = open_store(None, data_dir=tmp_path)
    service = SyncService(store, SecretStore(demo_values=DEMO_SECRETS), tmp_path, time_gate_s=0)
    setup_demo(store, service.secrets, tmp_path)
    yield service
    service.close()
    store.close()


def _set_erp(service: SyncService, batch_size: int | None = None, **changes: Any) -> None:
    profile = service.profile()
    options = {**profile.erp.options, **changes.pop("options", {})}
    erp = dataclasses.replace(profile.erp, options=options, **changes)
    entities = tuple(dataclasses.replace(e, batch_size=batch_size) if batch_size else e for e in profile.entities)
    service.config.save_profile(dataclasses.replace(profile, erp=erp, entities=entities))


def _linked(service: SyncService, entity: str) -> int:
    """ERP records the link store knows (synced, or waiting as conflicts)."""
    with service.store.session() as s:
        return len({r.erp_id for r in s.scalars(select(LinkRow).where(LinkRow.entity == entity)) if r.erp_id})


def test_a_daily_quota_ends_the_run_as_partial_and_the_next_run_resumes(service: SyncService,
                                                                         limiters: Clock) -> None:
    erp = service.sandbox.start()
    total = erp.count("clients")
    _set_erp(service, batch_size=50, options={"rate_limits": {"per_day": 4}})

    # approved, as a person's Sync does after the review: the brake's preview would read the changes a second time
    first = service.sync("clients", direction=Direction.IMPORT, approved=True)

    assert first.status == "partial", first.message
    assert "4 requests per day" in first.message and "resumes after" in first.message
    assert 0 < first.counts["processed"] < total
    # the run's requests of the day: the currency list checked at the start, then pages of clients
    assert erp.faults.count("GET", "currencies") + erp.faults.count("GET", "clients") == 4
    linked = [_linked(service, "clients")]
    processed = first.counts["processed"]
    for _day in range(10):  # each day the quota is back and the run carries on from its cursor
        limiters.now += 86400
        result = service.sync("clients", direction=Direction.IMPORT, approved=True)
        assert result.status in ("partial", "success"), result.message
        linked.append(_linked(service, "clients"))
        processed += result.counts["processed"]
        assert linked[-1] > linked[-2]
        if result.status == "success":
            break
    assert result.status == "success", result.message
    # every ERP client was read, and each run resumed from the cursor instead of starting over
    assert total <= processed < 2 * total


def test_a_429_asking_for_an_hour_ends_the_run_as_partial_with_when_it_resumes(service: SyncService) -> None:
    erp = service.sandbox.start()
    _set_erp(service, batch_size=50)
    first = service.sync("clients", direction=Direction.IMPORT)
    assert first.status == "success", first.message
    for record in erp.records("clients")[:3]:
        erp.edit("clients", record["id"], phone="+40 700 000 111")
    erp.faults.configure(rate_limit_every=1, retry_after=3600)

    throttled = service.sync("clients", direction=Direction.IMPORT)

    assert throttled.status == "partial", throttled.message
    # the client's own clock (not the limiters' test clock) dates the server's pause
    soon = [datetime.datetime.now().astimezone() + datetime.timedelta(seconds=3600 - s) for s in (0, 60)]
    assert any(f"resumes after {when:%H:%M}" in throttled.message for when in soon), throttled.message
    assert "answered 429" in throttled.message and "come back in 60 min" in throttled.message
    assert throttled.counts["failed"] == 0  # no record is blamed for the server's pause
    erp.faults.clear()
    assert service.sync("clients", direction=Direction.IMPORT).counts["updated"] == 3


def test_the_circuit_breaker_stops_a_run_with_one_clear_error(service: SyncService,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    erp = service.sandbox.start()
    _set_erp(service, options={"circuit_breaker": {"failures": 3, "cooldown_s": 60}})
    decide = erp.faults.decide

    def posts_fail(method: str, entity: str) -> Decision:
        decision = decide(method, entity)
        return Decision(Action.ERROR) if method.upper() == "POST" else decision

    monkeypatch.setattr(erp.faults, "decide", posts_fail)
    result = service.sync("clients", direction=Direction.EXPORT)

    assert result.status == "failed"
    assert "the ERP endpoint" in result.message and "failed 3 times in a row" in result.message
    assert "500" in result.message
    assert erp.faults.count("POST", "clients") == 3  # the fourth create was never sent


def _oauth_erp(service: SyncService, server: FakeAuthServer, refresh: str, log_level: str = "INFO") -> None:
    _set_erp(service, auth="oauth2", log_level=log_level,
             options={"client_id": server.state.client_id, "token_url": f"{server.url}/token"})
    service.secrets.set("demo", "erp", "client_secret", server.state.client_secret)
    service.secrets.set("demo", "erp", "refresh_token", refresh)


def test_an_expired_refresh_token_sets_the_status_to_expired(service: SyncService) -> None:
    service.sandbox.start()
    with FakeAuthServer() as server:
        _oauth_erp(service, server, "rt-revoked-long-ago")
        profile = service.profile()

        tested = service.test_connections()
        assert not tested[Side.ERP].ok and "expired" in tested[Side.ERP].message
        assert service.config.endpoint_status(profile.id)[Side.ERP].status == "expired"

        service.config.set_endpoint_status(profile.id, Side.ERP, "active", None)
        result = service.sync("clients", direction=Direction.IMPORT)
        assert result.status == "failed" and "invalid_grant" in result.message
        status = service.config.endpoint_status(profile.id)[Side.ERP]
        assert status.status == "expired" and "auth login" in status.message


def test_oauth2_run_rotates_the_refresh_token_and_logs_no_secret(service: SyncService,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    service.sandbox.start()
    with FakeAuthServer(access_tokens=[DEMO_AUTH_TOKEN] * 5) as server:
        server.add_refresh_token("rt-first-3c9e1f")
        _oauth_erp(service, server, "rt-first-3c9e1f", log_level="DEBUG")
        profile = service.profile()
        service.config.set_endpoint_status(profile.id, Side.ERP, "expired", "was expired")
        handler = StoreLogHandler(service.store, level=logging.DEBUG)  # no redaction help from the handler
        logging.getLogger("erpsync").addHandler(handler)
        caplog.set_level(logging.DEBUG, logger="erpsync")
        try:
            result = service.sync("clients", direction=Direction.IMPORT)
        finally:
            logging.getLogger("erpsync").removeHandler(handler)
            handler.close()

    assert result.status in ("success", "partial"), result.message
    rotated = service.secrets.get("demo", "erp", "refresh_token")
    assert rotated != "rt-first-3c9e1f" and rotated in server.state.refresh_tokens
    assert service.config.endpoint_status(profile.id)[Side.ERP].status == "active"
    assert "HTTP request GET" in caplog.text and "OAuth2 refresh_token request" in caplog.text
    with service.store.session() as s:
        stored = [row.message for row in s.scalars(select(LogRow))]
    assert any("HTTP reply" in m for m in stored)
    for secret in (DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN, "rt-first-3c9e1f", rotated, server.state.client_secret):
        assert secret not in caplog.text
        assert not [m for m in stored if secret in m]
