"""Fixtures for integration tests over real HTTP on 127.0.0.1: a seeded sandbox ERP and REST connectors
pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from erpsync_gui.connectors.rest_erp import RestErpConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox ERP seeded with the default demo data, in memory, on a free port."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def erp_api(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A plain httpx client at the sandbox's API root, sending both demo tokens."""
    headers = {"Authorization": f"Bearer {DEMO_AUTH_TOKEN}", "X-Client-Token": DEMO_CLIENT_TOKEN}
    with httpx.Client(base_url=f"{sandbox.url}index.php/api/", headers=headers, timeout=10) as client:
        yield client


@pytest.fixture
def make_rest_connector(sandbox: SandboxServer) -> Iterator[Callable[..., RestErpConnector]]:
    """Builds RestErpConnectors (default: at the sandbox with both demo tokens); closes them afterwards."""
    built: list[RestErpConnector] = []

    def make(url: str | None = None, *, token: str | None = DEMO_AUTH_TOKEN,
             client_token: str | None = DEMO_CLIENT_TOKEN, retries: int = 0, http: Any = None,
             **options: Any) -> RestErpConnector:
        endpoint = EndpointConfig(Side.ERP, "rest", url or sandbox.url, auth="bearer", timeout=10,
                                  retries=retries, options=options)
        secrets = {k: v for k, v in (("token", token), ("client_token", client_token)) if v}
        connector = RestErpConnector(endpoint, secrets, http=http)
        built.append(connector)
        return connector

    yield make
    for connector in built:
        connector.close()
