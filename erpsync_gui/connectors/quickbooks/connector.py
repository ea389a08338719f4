"""The QuickBooks Online (Accounting API v3) connector: Customer, Item, Invoice, Payment and Estimate.

Entities are QuickBooks' own names. Natural keys: Customer `DisplayName` (a duplicate is Fault 6240), Item
`Name` (6240) and `Sku`, Invoice and Estimate `DocNumber` (6210; 6140 is seen in practice); Payment has none.
Records are flat dicts of QuickBooks' field names (entities.py): nested objects dotted (`CustomerRef.value`,
`BillAddr.City`, `MetaData.LastUpdatedTime`), the `Line` array as `lines`, a list of flat dicts. `Record.version`
is the SyncToken, `updated_at` MetaData.LastUpdatedTime in UTC.

Reading: the first read (no cursor) queries everything in LastUpdatedTime order (paging.py) and stores, with its
last page (`complete`), the server's `time` at its start. Later reads use change data capture from the cursor,
deleted objects (`status: Deleted`) in `Page.deleted`, and store the CDC reply's `time`; a cursor older than
`cdc_days` (CDC reaches 30 days back, judged by this machine's clock) or a CDC reply of 1,000 objects (the most
it holds, so it may be cut) makes the read a full compare instead. With `changes_via = "query"` later reads
query `MetaData.LastUpdatedTime >= cursor` and report no deletes. Writing: creates in batches (`batch_size`,
10 by default, at most 40 batch calls a minute), updates with `Id` + `SyncToken` + `"sparse": true` (a stale
SyncToken, Fault 5010, is a StaleVersionError), deletes of transactions and archives (Active = false) of name
lists; a new Item without `Type` or income account gets the endpoint's `item_type` and `item_income_account`
(else the company's matching Income account, items.py). Limits: the "quickbooks" rate-limit preset (500 a
minute, 10 a second, 10 at once per company); a 429 waits `throttle_wait_s` (60 s) and is sent again.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from erpsync_gui.connectors.base import CheckResult, chunked
from erpsync_gui.connectors.check_kit import elapsed_ms, no_retries
from erpsync_gui.connectors.quickbooks.batch import run_batches
from erpsync_gui.connectors.quickbooks.client import QboClient, quoted
from erpsync_gui.connectors.quickbooks.entities import ENTITIES, Entity
from erpsync_gui.connectors.quickbooks.errors import duplicate_field
from erpsync_gui.connectors.quickbooks.items import NewItems
from erpsync_gui.connectors.quickbooks.options import QuickBooksOptions
from erpsync_gui.connectors.quickbooks.paging import changed_objects, where
from erpsync_gui.connectors.quickbooks.shape import earlier, object_id, parse_time, to_record, unflatten, updated_text
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    CredentialsExpiredError,
    DuplicateError,
    ERPSyncError,
    NotFoundError,
    PermanentError,
)
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import AuthSetup, endpoint_auth, endpoint_client, endpoint_store
from erpsync_gui.http.ratelimit import RateLimiter, RateLimits
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, Origin, Page, Record

log = logging.getLogger(__name__)

#: the most objects one CDC reply holds: a reply that full may have been cut
CDC_MAX = 1000
#: values per `IN (...)` lookup
VALUES_PER_QUERY = 30


class QuickBooksConnector:
    """Connector for one QuickBooks Online company (realm)."""

    kind = "quickbooks"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.options = QuickBooksOptions.from_options(endpoint.options or {})
        if not self.options.realm_id:
            raise ConfigError("the QuickBooks Online endpoint has no company (realm_id) yet",
                              hint=f"sign in with `erpsync auth login --side {endpoint.side.value}`: it stores it")
        host = endpoint.url.strip().rstrip("/")
        self._base = f"{host}/v3/company/{self.options.realm_id}/"
        self._secrets = endpoint_store(endpoint, secrets)
        self._given = http
        self._setup: AuthSetup | None = None
        self._api: QboClient | None = None
        self._batch_limiter: RateLimiter | None = None
        self._check_problem: AuthError | None = None
        self._new_items = NewItems(self.options)

    # -- plumbing ----------------------------------------------------------------------------------
    def _auth(self) -> AuthSetup:
        if self._setup is None:
            self._setup = endpoint_auth(self.endpoint, self._secrets, self._base)
        return self._setup

    def _settings(self, settings: HttpSettings) -> HttpSettings:
        return dataclasses.replace(settings, throttle_wait=self.options.throttle_wait_s)

    def _client(self) -> QboClient:
        if self._api is None:
            http = self._given or endpoint_client(self.endpoint, self._secrets, base_url=self._base,
                                                  auth=self._auth(), settings=self._settings)
            self._api = QboClient(http, self._base, self.options.minor_version)
            self._batch_limiter = http.limiter_for("batch", RateLimits(per_minute=self.options.batches_per_minute))
        return self._api

    @property
    def auth_problem(self) -> AuthError | None:
        """The last authentication failure met (None after a success): the app sets the endpoint status."""
        return self._check_problem or (self._api.http.auth_problem if self._api is not None else None)

    def _entity(self, name: str) -> Entity:
        entity = ENTITIES.get(name)
        if entity is None:
            raise ConfigError(f"QuickBooks Online has no entity {name!r} in this connector",
                              hint=f"use one of {', '.join(ENTITIES)}")
        return entity

    # -- the Connector protocol ------------------------------------------------------------------
    def capabilities(self, entity: str) -> Capabilities:
        spec = self._entity(entity)
        return Capabilities(cursor=True, batch=True, delete=spec.deletable, archive=spec.has_active, upsert=False,
                            origin_marker=False, reports_deletes=self.options.changes_via == "cdc")

    def entities(self) -> Sequence[str]:
        return tuple(ENTITIES)

    def describe(self, entity: str) -> EntityInfo:
        spec = self._entity(entity)
        return EntityInfo(spec.name, spec.info(), has_cursor=True, key_fields=spec.keys)

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        spec = self._entity(entity)
        if cursor is not None and parse_time(cursor) is None:
            raise PermanentError(f"the stored QuickBooks Online cursor {cursor[:60]!r} is not readable",
                                 hint="run a full sync of this entity once")
        return self._changes(spec, cursor, max(1, page_size))

    def _changes(self, entity: Entity, cursor: str | None, page_size: int) -> Iterator[Page]:
        api = self._client()
        if cursor is not None and self.options.changes_via == "query":
            yield from self._queried(api, entity, cursor, page_size)
            return
        if cursor is not None and not self._too_old(cursor):
            objects, stamp = api.cdc(entity, earlier(cursor))
            if len(objects) < CDC_MAX:
                yield from self._captured(api, entity, objects, stamp or cursor, page_size)
                return
            log.info("%d or more changes of %s since %s: comparing everything instead", CDC_MAX, entity.name, cursor)
        yield from self._full(api, entity, page_size)

    def _too_old(self, cursor: str) -> bool:
        moment = parse_time(cursor)
        return moment is None or datetime.now(UTC) - moment > timedelta(days=self.options.cdc_days)

    def _full(self, api: QboClient, entity: Entity, page_size: int) -> Iterator[Page]:
        """Every object; the cursor (the server's `time` at the first reply) comes with the last page only."""
        started: str | None = None
        pending: tuple[Record, ...] | None = None
        for page in changed_objects(api, entity, None, self.options.page_size):
            started = started or page.time
            for chunk in chunked(page.objects, page_size):
                if pending is not None:
                    yield Page(pending)
                pending = tuple(to_record(o, entity, api.base) for o in chunk)
        yield Page(pending or (), cursor=started or _server_time(api), complete=True)

    def _captured(self, api: QboClient, entity: Entity, objects: list[dict[str, Any]], stamp: str,
                  page_size: int) -> Iterator[Page]:
        """A CDC reply as pages: deletes first, then the changed objects; the reply's time with the last page."""
        gone = [object_id(o, entity.name) for o in objects if o.get("status") == "Deleted"]
        alive = sorted((o for o in objects if o.get("status") != "Deleted"),
                       key=lambda o: parse_time(updated_text(o)) or datetime.min.replace(tzinfo=UTC))
        pages: list[Page] = [Page((), deleted=tuple(chunk)) for chunk in chunked(gone, page_size)]
        pages += [Page(tuple(to_record(o, entity, api.base) for o in chunk)) for chunk in chunked(alive, page_size)]
        if not pages:
            pages = [Page(())]
        pages[-1] = dataclasses.replace(pages[-1], cursor=stamp)
        yield from pages

    def _queried(self, api: QboClient, entity: Entity, cursor: str, page_size: int) -> Iterator[Page]:
        for page in changed_objects(api, entity, cursor, self.options.page_size):
            for chunk in chunked(page.objects, page_size):
                yield Page(tuple(to_record(o, entity, api.base) for o in chunk),
                           cursor=updated_text(chunk[-1]) or cursor)

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        spec = self._entity(entity)
        wanted = [str(i) for i in ids]
        return {r.id: r for r in self._lookup(spec, "Id", wanted) if r.id in set(wanted)}

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        """Records whose `field` equals one of `values` (QuickBooks compares names without case)."""
        spec = self._entity(entity)
        forms = {str(v).strip(): str(v) for v in values if v is not None and str(v).strip()}
        wanted = {form.casefold(): form for form in forms}
        found: dict[str, list[Record]] = {}
        for record in self._lookup(spec, field, list(forms)):
            key = wanted.get(str(record.data.get(field, "")).strip().casefold())
            if key is not None:
                found.setdefault(key, []).append(record)
        return found

    def _lookup(self, entity: Entity, field: str, values: list[str]) -> list[Record]:
        api = self._client()
        out: list[Record] = []
        for chunk in chunked(list(dict.fromkeys(values)), VALUES_PER_QUERY):
            condition = f"{field} IN ({', '.join(quoted(v) for v in chunk)})"
            start = 1
            while True:
                statement = (f"SELECT * FROM {entity.name}{where(entity, [condition])} STARTPOSITION {start}"
                             f" MAXRESULTS {self.options.page_size}")
                items, _stamp = api.query(statement, entity)
                out += [to_record(i, entity, api.base) for i in items]
                if len(items) < self.options.page_size:
                    break
                start += len(items)
        return out

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None  # no field carries our origin marker

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        spec = self._entity(entity)
        api = self._client()
        body = self._completed(api, spec, [payload])[0]
        try:
            reply = api.call("POST", spec.path, body=unflatten(body), what=f"create of {spec.name}", entity=spec)
        except DuplicateError as exc:
            raise self._duplicate(spec, payload, exc, api.last_fault) from exc
        return to_record(reply.get(spec.name), spec, api.base)

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        spec = self._entity(entity)
        api = self._client()
        bodies = [unflatten(p) for p in self._completed(api, spec, payloads)]
        outcome = run_batches(api, spec, "create", bodies, size=self.options.batch_size, limiter=self._batch_limiter)
        results = []
        for (result, fault), payload in zip(outcome, payloads, strict=True):
            if isinstance(result.error, DuplicateError):
                result = BatchItemResult(result.index, error=self._duplicate(spec, payload, result.error, fault))
            results.append(result)
        return results

    def _completed(self, api: QboClient, entity: Entity, payloads: Sequence[Mapping[str, Any]]
                   ) -> Sequence[Mapping[str, Any]]:
        """Create payloads with what QuickBooks requires of a new record and the mapping cannot know."""
        return self._new_items.complete(api, payloads) if entity.name == "Item" else payloads

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        spec = self._entity(entity)
        api = self._client()
        token = version if version is not None else self._current(spec, str(record_id)).version
        body = {**unflatten(payload), "Id": str(record_id), "SyncToken": token, "sparse": True}
        try:
            reply = api.call("POST", spec.path, body=body, what=f"update of {spec.name} {record_id}", entity=spec)
        except DuplicateError as exc:
            raise self._duplicate(spec, payload, exc, api.last_fault) from exc
        return to_record(reply.get(spec.name), spec, api.base)

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        spec = self._entity(entity)
        if not spec.deletable:
            raise PermanentError(f"QuickBooks Online does not delete {spec.name} records",
                                 hint="archive it instead (it becomes inactive)")
        api = self._client()
        try:
            token = version if version is not None else self._current(spec, str(record_id)).version
            api.call("POST", spec.path, params={"operation": "delete"}, body={"Id": str(record_id),
                     "SyncToken": token}, what=f"delete of {spec.name} {record_id}", entity=spec)
        except NotFoundError:
            return  # already gone: what a delete wants

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        spec = self._entity(entity)
        if not spec.has_active:
            raise PermanentError(f"QuickBooks Online {spec.name} records cannot be archived", hint="delete instead")
        return self.update(entity, record_id, {"Active": False}, version=version)

    def _current(self, entity: Entity, record_id: str) -> Record:
        found = self._lookup(entity, "Id", [record_id])
        if not found:
            raise NotFoundError(f"{entity.name} {record_id} does not exist in QuickBooks Online")
        return found[0]

    def _duplicate(self, entity: Entity, payload: Mapping[str, Any], exc: DuplicateError,
                   fault: Mapping[str, Any] | None) -> DuplicateError:
        """The DuplicateError with the record that holds the key, looked up by that key."""
        field = duplicate_field(fault, entity) if fault is not None else None
        value = payload.get(field) if field else None
        existing = None
        if field and value not in (None, ""):
            try:
                holders = self.find_by_keys(entity.name, field, [value]).get(str(value).strip(), [])
            except ERPSyncError:
                holders = []
            existing = holders[0].id if len(holders) == 1 else None
        what = f"{field} {value!r}" if field and value not in (None, "") else "this key"
        return DuplicateError(f"QuickBooks Online already holds a {entity.name} with {what}", existing_id=existing,
                              status=exc.status, details=exc.details, hint=exc.hint)

    def check(self) -> CheckResult:
        """GET companyinfo once without retries; never raises."""
        started = time.perf_counter()
        self._check_problem = None
        http: HttpClient | None = None
        try:
            http = self._given or endpoint_client(self.endpoint, self._secrets, base_url=self._base,
                                                  auth=self._auth(), owns_auth=False, settings=no_retries)
            return self._check(QboClient(http, self._base, self.options.minor_version), started)
        except ConfigError as exc:
            return CheckResult(False, False, False, None, str(exc))
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("QuickBooks Online connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None and http is not self._given:
                self._check_problem = http.auth_problem
                http.close()

    def _check(self, api: QboClient, started: float) -> CheckResult:
        realm = self.options.realm_id
        try:
            body = api.call("GET", f"companyinfo/{realm}", what="company information")
        except CredentialsExpiredError as exc:
            return CheckResult(False, True, False, elapsed_ms(started), f"{exc.message}; {exc.hint}")
        except AuthError as exc:
            return CheckResult(False, True, False, elapsed_ms(started), f"QuickBooks Online refused the sign-in: {exc}")
        except NotFoundError:
            return CheckResult(False, True, False, elapsed_ms(started),
                               f"no QuickBooks Online company {realm} at this URL")
        except ERPSyncError as exc:
            if getattr(exc, "status", None) is not None:
                return CheckResult(False, True, False, elapsed_ms(started),
                                   f"QuickBooks Online answered with an error: {exc}")
            return CheckResult(False, False, False, None, f"QuickBooks Online cannot be reached: {exc}")
        company = body.get("CompanyInfo")
        info = company if isinstance(company, dict) else {}
        name = info.get("CompanyName") or f"company {realm}"
        latency = api.http.last_latency_ms if api.http.last_latency_ms is not None else elapsed_ms(started)
        return CheckResult(True, True, True, latency, f"Connected to QuickBooks Online ({name}) in {latency:.0f} ms",
                           server=f"QuickBooks Online: {name}", server_time=api.last_date)

    def close(self) -> None:
        if self._api is not None and self._given is None:
            self._api.http.close()
        elif self._setup is not None and self._given is None:
            closer = getattr(self._setup.auth, "close", None)
            if callable(closer):
                closer()


def _server_time(api: QboClient) -> str | None:
    return api.last_date.astimezone(UTC).isoformat(timespec="seconds") if api.last_date else None
