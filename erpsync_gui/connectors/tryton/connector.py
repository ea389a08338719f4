"""The Tryton connector: the product's entities on a Tryton ERP over JSON-RPC.

clients -> party.party (parties.py), contacts -> named contact mechanisms (contacts.py), products,
product_groups, currencies, warehouses (catalog.py), stock (stock.py), orders -> sale.sale (sales.py),
invoices -> account.invoice (invoices.py). The changes feed reads by keyset on Tryton's change stamps
(feed.py); writes carry Tryton's `_timestamp` lock, so a record changed since it was read is a
StaleVersionError (a conflict for the engine), not a failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from erpsync_gui.connectors.base import CheckResult
from erpsync_gui.connectors.check_kit import elapsed_ms, no_retries
from erpsync_gui.connectors.tryton.auth import TrytonSessionAuth
from erpsync_gui.connectors.tryton.catalog import Currencies, ProductGroups, Products, Warehouses
from erpsync_gui.connectors.tryton.client import TrytonClient
from erpsync_gui.connectors.tryton.contacts import Contacts
from erpsync_gui.connectors.tryton.entity import Entity, Readable
from erpsync_gui.connectors.tryton.invoices import Invoices
from erpsync_gui.connectors.tryton.models import Models
from erpsync_gui.connectors.tryton.options import TrytonOptions
from erpsync_gui.connectors.tryton.parties import Clients
from erpsync_gui.connectors.tryton.sales import Orders
from erpsync_gui.connectors.tryton.stock import Stock
from erpsync_gui.connectors.tryton.writes import Writer
from erpsync_gui.errors import AuthError, ConfigError, ERPSyncError, MissingSecretError, PermanentError
from erpsync_gui.http import HttpClient
from erpsync_gui.http.auth_factory import AuthSetup, client_certificate, endpoint_client, endpoint_store
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, Origin, Page, Record

log = logging.getLogger(__name__)

ENTITY_CLASSES = (Clients, Contacts, ProductGroups, Products, Currencies, Warehouses, Stock, Orders, Invoices)


def split_url(url: str, database: str | None) -> tuple[str, str]:
    """(server root URL, database) from the endpoint URL and the database option; a URL may name the
    database as its first path segment (`http://erp:8000/acme/`), with or without `rpc/` after it."""
    parsed = httpx.URL(url.strip())
    segments = [s for s in parsed.path.split("/") if s]
    if segments and segments[-1] == "rpc":
        segments.pop()
    named = segments[0] if len(segments) == 1 else None
    if len(segments) > 1:
        raise ConfigError(f"the Tryton URL {parsed.copy_with(query=None)} has more path than a database name",
                          hint="give the server's root URL, for example http://erp.example.com:8000/")
    db = database or named
    if not db:
        raise ConfigError("the Tryton endpoint names no database",
                          hint="set options.database or end the URL with /<database>/")
    return str(parsed.copy_with(path="/", query=None, fragment=None)), db


class TrytonConnector:
    """Connector for a Tryton server (JSON-RPC, session login)."""

    kind = "tryton"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str]) -> None:
        self.endpoint = endpoint
        self.options = TrytonOptions.from_endpoint(endpoint.options)
        self._secrets = endpoint_store(endpoint, secrets)
        self.base_url, self.database = split_url(endpoint.url, self.options.database)
        password = self._secrets.fetch("password")
        if not password:
            key = f"{endpoint.side.value}.password"
            raise MissingSecretError(f"the secret {key} is not set", hint=f"run `erpsync secret set {key}`")
        self._auth = TrytonSessionAuth(self.options.username, password, self.database,
                                       language=self.options.language)
        self._setup = AuthSetup(self._auth, client_certificate(endpoint, self._secrets))
        self._http = endpoint_client(endpoint, self._secrets, base_url=self.base_url, auth=self._setup)
        self.client = TrytonClient(self._http, self.database, rpc_path=self.options.rpc_path,
                                   context=self._context_overrides())
        self.models = Models(self.client, self.options.page_size)
        self._entities: dict[str, Readable] = {cls.name: cls(self.models, self.options) for cls in ENTITY_CLASSES}
        self._writer = Writer(self.models)
        self._check_auth_problem: AuthError | None = None

    def _context_overrides(self) -> dict[str, Any]:
        context = dict(self.options.context)
        if self.options.company is not None:
            context.update(company=self.options.company, companies=[self.options.company])
        if self.options.language:
            context.setdefault("language", self.options.language)
        return context

    def _entity(self, name: str) -> Readable:
        entity = self._entities.get(name)
        if entity is None:
            raise ConfigError(f"Tryton has no entity {name!r} in this connector",
                              hint=f"use one of {', '.join(self._entities)}")
        return entity

    def _writable(self, name: str) -> Entity:
        entity = self._entity(name)
        if not isinstance(entity, Entity) or not entity.writable:
            raise PermanentError(f"{name} are read from Tryton, not written to it",
                                 hint="set the entity's direction to import")
        return entity

    @property
    def auth_problem(self) -> AuthError | None:
        """The last authentication failure met (None after a success): the app sets the endpoint status."""
        return self._check_auth_problem or self._http.auth_problem

    # -- the Connector protocol ------------------------------------------------------------------

    def capabilities(self, entity: str) -> Capabilities:
        spec = self._entity(entity)
        writable, active = spec.writable, spec.has_active
        return Capabilities(cursor=entity != "stock", batch=writable, delete=writable, archive=writable and active,
                            upsert=False, origin_marker=False, reports_deletes=active)

    def entities(self) -> Sequence[str]:
        return list(self._entities)

    def describe(self, entity: str) -> EntityInfo:
        return self._entity(entity).describe()

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Pages changed since `cursor` by keyset on (stamp, id); a full read when cursor is None (its
        last page is `complete`). Inactive records are reported in `Page.deleted`."""
        spec = self._entity(entity)
        return spec.pages(cursor, max(1, min(page_size, self.options.page_size)))

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        return self._entity(entity).get_many(ids)

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        return self._entity(entity).find_by_keys(field, values)

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}  # Tryton's models have no field to carry our origin marker

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        result = self._writer.create_many(self._writable(entity), [payload])[0]
        if result.error is not None:
            raise result.error
        assert result.record is not None
        return result.record

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        return self._writer.create_many(self._writable(entity), payloads)

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        return self._writer.update(self._writable(entity), record_id, payload, version)

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        self._writer.delete(self._writable(entity), record_id, version)

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        return self._writer.archive(self._writable(entity), record_id, version)

    def check(self) -> CheckResult:
        """The server's version (no login), then a login, the user's context and company; never raises."""
        started = time.perf_counter()
        http: HttpClient | None = None
        self._check_auth_problem = None
        try:
            http = endpoint_client(self.endpoint, self._secrets, base_url=self.base_url, auth=self._setup,
                                   owns_auth=False, settings=no_retries)
            client = TrytonClient(http, self.database, rpc_path=self.options.rpc_path,
                                  context=self._context_overrides())
            return self._check(client, started)
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None:
                self._check_auth_problem = http.auth_problem
                http.close()

    def _check(self, client: TrytonClient, started: float) -> CheckResult:
        try:
            version = client.server_version()
        except ERPSyncError as exc:
            reachable = getattr(exc, "status", None) is not None
            return CheckResult(False, reachable, False, None, f"Tryton cannot be reached: {exc}")
        server = f"Tryton {version}"
        try:
            context = client.context()
            company = Models(client, 1).company()
        except AuthError as exc:
            return CheckResult(False, True, False, elapsed_ms(started), f"{exc}", server, client.last_date)
        except ERPSyncError as exc:
            return CheckResult(False, True, False, elapsed_ms(started), f"Tryton {version} answered: {exc}", server,
                               client.last_date)
        latency = client.http.last_latency_ms if client.http.last_latency_ms is not None else elapsed_ms(started)
        name = company.get("rec_name") or f"company {company['id']}"
        details = (f"server version: {version}", f"database: {self.database}", f"company: {name}",
                   f"user: {self.options.username} (id {self._auth.user_id})",
                   f"language: {context.get('language') or 'default'}")
        return CheckResult(True, True, True, latency,
                           f"Connected to Tryton {version}, database {self.database}, company {name}",
                           server, client.last_date, details)

    def close(self) -> None:
        self._http.close()
