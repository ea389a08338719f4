"""Fixtures for the Tryton connector's tests: one real Tryton server for the session (built and seeded
once, see tests/tryton_server.py), put back to its seeded snapshot at the start of each test module that
follows one which used it, and connectors pointed at it.

Without trytond and its modules (the `tryton` extra) the tests skip; on CI (CI=true) they fail instead."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erpsync_gui.connectors.tryton import TrytonConnector
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from tests.tryton_server import DATABASE, TrytonAdmin, TrytonServer, missing


def _no_tryton(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"Tryton tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"no Tryton server: {reason}")


class _Session:
    """The session's server and whether a test module has used it since it was last restored."""

    def __init__(self, server: TrytonServer) -> None:
        self.server = server
        self.used = False


@pytest.fixture(scope="session")
def tryton_session() -> Iterator[_Session]:
    reason = missing()
    if reason is not None:
        _no_tryton(reason)
    server = TrytonServer()
    try:
        server.build()
        server.start()
    except (RuntimeError, OSError) as exc:
        log = server.server_log()
        server.close()
        _no_tryton(f"{exc}\n{log}".strip())
    try:
        yield _Session(server)
    finally:
        server.close()


@pytest.fixture(scope="module")
def tryton(tryton_session: _Session) -> TrytonServer:
    """The seeded Tryton server, as seeded when this module starts."""
    if tryton_session.used:
        tryton_session.server.restore()
    tryton_session.used = True
    return tryton_session.server


@pytest.fixture(scope="module")
def admin(tryton: TrytonServer) -> Iterator[TrytonAdmin]:
    """A person working in Tryton as its admin, over plain JSON-RPC."""
    person = tryton.admin()
    yield person
    person.close()


@pytest.fixture
def make_connector(tryton: TrytonServer) -> Iterator[Callable[..., TrytonConnector]]:
    """Builds TrytonConnectors at the test server (options may be given); closes them afterwards."""
    built: list[TrytonConnector] = []

    def make(*, password: str | None = None, url: str | None = None, retries: int = 0, log_level: str = "INFO",
             **options: Any) -> TrytonConnector:
        options.setdefault("database", DATABASE)
        options.setdefault("cursor_overlap_s", 0)
        endpoint = EndpointConfig(Side.ERP, "tryton", url or tryton.url, auth="session", timeout=30,
                                  retries=retries, log_level=log_level, options=options)
        connector = TrytonConnector(endpoint, {"password": password or tryton.password})
        built.append(connector)
        return connector

    yield make
    for connector in built:
        connector.close()


@pytest.fixture
def connector(make_connector: Callable[..., TrytonConnector]) -> TrytonConnector:
    return make_connector()
