"""The generic REST ERP connector (the SmartCRM dialect the sandbox serves).

`{base}index.php/api/{entity}` with a Bearer auth token (or any auth kind of
erpsync_gui.http.auth_factory); the advanced entities also need the client token header. Lists page by
page, offset or keyset cursor; changes are read with `updated_since`.
All HTTP goes through erpsync_gui.http, which retries and translates failures; this module refines
the errors with what the dialect tells (missing client token, which key is duplicate, stale version).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from erpsync_gui.config.options import own_options
from erpsync_gui.connectors import rest_partitions
from erpsync_gui.connectors.base import CheckResult, create_each, origin_from
from erpsync_gui.connectors.check_kit import no_retries
from erpsync_gui.connectors.partitions import IdRange, PartitionPlan
from erpsync_gui.connectors.rest_changes import read_changes
from erpsync_gui.connectors.rest_check import check_connection
from erpsync_gui.connectors.rest_list_create import create_lists
from erpsync_gui.connectors.rest_lookup import FilterlessLists, lookup, value_chunks
from erpsync_gui.connectors.rest_paging import (
    ListPage,
    Params,
    RestOptions,
    data_of,
    iter_list,
    read_page,
    reply_json,
    shown_url,
    to_record,
)
from erpsync_gui.connectors.rest_values import guess_type, param_text
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import (
    AuthError,
    DuplicateError,
    ERPSyncError,
    MalformedReplyError,
    MissingClientTokenError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    StaleVersionError,
)
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import AuthSetup, endpoint_auth, endpoint_client, endpoint_store
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)

CLIENT_TOKEN_HINT = "set the ERP endpoint's client token (erpsync secret set erp.client_token)"
_DUPLICATE = re.compile(r"Duplicate (\w+)")
#: the dialect's natural keys per entity (all filterable), most specific first
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "clients": ("customer_number", "vat", "email"), "contacts": ("email",), "leads": ("email",),
    "projects": ("name",), "invoices": ("number",), "orders": ("number",), "products": ("sku",),
    "product_groups": ("name",), "client_groups": ("name",), "units": ("code",), "currencies": ("code",),
    "warehouses": ("code",),
}


class RestErpConnector:
    """Connector for ERPs speaking the generic REST dialect."""

    kind = "rest"

    def __init__(
        self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None
    ) -> None:
        self.endpoint = endpoint
        self.options = own_options(endpoint, RestOptions, "REST")
        self._secrets = endpoint_store(endpoint, secrets)
        self._token = (self._secrets.get("token") or "").strip() or None
        self._client_token = (self._secrets.get("client_token") or "").strip() or None
        base = endpoint.url.strip()
        if self.options.api_path and base.rstrip("/").endswith(self.options.api_path.rstrip("/")):
            base = base.rstrip("/")[: -len(self.options.api_path.rstrip("/"))]  # URL given with the API path
        self._base = base if base.endswith("/") else base + "/"
        self._owns_http = http is None
        self._auth: AuthSetup | None = None
        self._check_auth_problem: AuthError | None = None
        self._http = http if http is not None else self._build()
        #: entities whose server ignored a lookup filter, with their list read once
        self._lists = FilterlessLists(self._read_all)

    # -- plumbing ----------------------------------------------------------------------------------
    def _build(self, adjust: Callable[[HttpSettings], HttpSettings] | None = None) -> HttpClient:
        """The main client (owning the auth), or with `adjust` a second one sharing its auth."""
        owns = self._auth is None
        if self._auth is None:
            self._auth = endpoint_auth(self.endpoint, self._secrets, self._base)
        return endpoint_client(self.endpoint, self._secrets, base_url=self._base, auth=self._auth,
                               owns_auth=owns, settings=adjust, extra_secrets=[self._client_token or ""])

    @property
    def auth_problem(self) -> AuthError | None:
        """The last authentication failure met (None after a success): the app sets the endpoint status."""
        return self._check_auth_problem or getattr(self._http, "auth_problem", None)

    def _path(self, entity: str, record_id: str | None = None) -> str:
        path = f"{self.options.api_path}{entity}"
        return f"{path}/{record_id}" if record_id is not None else path

    def _entity_headers(self, entity: str) -> dict[str, str]:
        """The client-token header for advanced entities; refuses before any request when it is unset."""
        spec = ENTITIES.get(entity)
        if spec is None or not spec.advanced:
            return {}
        if not self._client_token:
            raise MissingClientTokenError("Missing client token", hint=CLIENT_TOKEN_HINT)
        return {self.options.client_token_header: self._client_token}

    def _request(self, method: str, entity: str, path: str, *, http: HttpClient | None = None,
                 **kwargs: Any) -> httpx.Response:
        headers = {**self._entity_headers(entity), **(kwargs.pop("headers", None) or {})}
        try:
            return (http or self._http).request(method, path, headers=headers or None, **kwargs)
        except AuthError as exc:
            details = (exc.details or "").lower()
            if exc.status == 401 and "missing client token" in details:
                raise MissingClientTokenError("Missing client token", hint=CLIENT_TOKEN_HINT) from exc
            if exc.status == 403 and "client token" in details:
                raise AuthError(f"The ERP rejected the client token for {entity}", status=403,
                                details=exc.details, hint="check erp.client_token") from exc
            raise

    def _list(self, entity: str, params: Params, per_page: int) -> Iterator[ListPage]:
        path = self._path(entity)
        return iter_list(lambda query: self._request("GET", entity, path, params=query),
                         self.options, entity, params, per_page, self._known_secrets())

    def _page(self, entity: str, query: Params) -> ListPage:
        path = self._path(entity)
        return read_page(lambda q: self._request("GET", entity, path, params=q), self.options, entity, query,
                         self._known_secrets())

    def _known_secrets(self) -> list[str]:
        return [s for s in (self._token, self._client_token) if s]

    def _one(self, response: httpx.Response, entity: str) -> Record:
        body = reply_json(response, entity)
        return to_record(data_of(body, response, entity, self.options.list_key), self.options, entity,
                         shown_url(response), self._known_secrets())

    # -- the Connector protocol ------------------------------------------------------------------
    def capabilities(self, entity: str) -> Capabilities:
        # batches only where the endpoint says the ERP takes a list of records in one POST
        return Capabilities(cursor=True, batch=self.options.list_create, delete=True,
                            archive=bool(self.options.archive_field), upsert=False, origin_marker=True)

    def entities(self) -> Sequence[str]:
        return list(ENTITIES)

    def describe(self, entity: str) -> EntityInfo:
        """Fields guessed from one sample record, plus the entity's natural keys."""
        sample = next(iter(self._list(entity, [], 1)), None)
        fields: tuple[FieldInfo, ...] = ()
        keys = KEY_FIELDS.get(entity, ())
        if sample is not None and sample.records:
            # the dialect refuses an explicit null for a natural key ("must be text"): it is left out instead
            fields = tuple(FieldInfo(name, guess_type(value), required=name == self.options.id_field,
                                     nullable=False if name in keys or name == self.options.id_field else None)
                           for name, value in sample.records[0].data.items())
        known = {f.name for f in fields}
        fields += tuple(FieldInfo(name, "text", nullable=False) for name in keys if name not in known)
        return EntityInfo(entity, fields, has_cursor=True, key_fields=keys)

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Pages changed at or after `cursor` (an ISO updated_at, inclusive), read by keyset so that no
        change is skipped (see rest_changes); each page's cursor is the last updated_at read."""
        self._entity_headers(entity)  # a missing client token fails here, before any request
        return read_changes(lambda query: self._page(entity, query), self.options, entity, cursor, page_size)

    def plan_partitions(self, entity: str, count: int) -> PartitionPlan:
        """Update-time ranges that separate workers read side by side (see rest_partitions)."""
        self._entity_headers(entity)
        return rest_partitions.plan(lambda query: self._page(entity, query), self.options, entity, count)

    def read_partition(self, entity: str, part: IdRange, page_size: int) -> Iterator[Page]:
        return rest_partitions.read(lambda query: self._page(entity, query), self.options, entity, part, page_size)

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        wanted = list(dict.fromkeys(str(i) for i in ids))
        found: dict[str, Record] = {}

        def take(record: Record) -> bool:
            if record.id in wanted_set:
                found[record.id] = record
                return True
            return False

        wanted_set = set(wanted)
        self._lookup(entity, "id", [[("id", i) for i in chunk] for chunk in self._chunks("id", wanted)], take)
        return found

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        forms = {param_text(v): str(v) for v in values if v is not None and v != ""}
        found: dict[str, list[Record]] = {}

        def take(record: Record) -> bool:
            key = forms.get(param_text(record.data.get(field)))
            if key is not None:
                same = found.setdefault(key, [])
                if all(r.id != record.id for r in same):  # offered again once the list is read whole
                    same.append(record)
            return key is not None

        self._lookup(entity, field, [[(field, f) for f in chunk] for chunk in self._chunks(field, forms)], take)
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        id_field, channel_field = self.options.origin_fields
        wanted = set(str(s) for s in source_ids)
        found: dict[str, Record] = {}

        def take(record: Record) -> bool:
            source = record.data.get(id_field)
            if record.data.get(channel_field) == channel and str(source) in wanted:
                found[str(source)] = record
                return True
            return False

        queries: list[Params] = [[(channel_field, channel), *((id_field, s) for s in chunk)]
                                 for chunk in self._chunks(id_field, dict.fromkeys(str(s) for s in source_ids))]
        self._lookup(entity, id_field, queries, take)
        return found

    def _chunks(self, name: str, values: Iterable[str]) -> Iterator[list[str]]:
        """Lookup values in as few requests as fit, each answered by one page."""
        return value_chunks(name, values, self.options.page_size_max, self.options.lookup_query_max)

    def _lookup(self, entity: str, parameter: str, queries: Sequence[Params],
                take: Callable[[Record], bool]) -> None:
        lookup(self._lists, lambda params, n: self._list(entity, params, n), entity, parameter, queries, take)

    def _read_all(self, entity: str) -> Iterator[Record]:
        for page in self._list(entity, [], self.options.page_size_max):
            yield from page.records

    def _written(self, entity: str, record: Record) -> Record:
        self._lists.put(entity, record)
        return record

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        id_field, channel_field = self.options.origin_fields
        return origin_from(record.data.get(channel_field), record.data.get(id_field))

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        body = self._create_body(payload, origin, txn_id)
        try:
            response = self._request("POST", entity, self._path(entity), json=body)
        except DuplicateError as exc:
            raise self._duplicate(entity, body, exc) from exc
        except PermanentError as exc:
            raise self._refined(entity, "create", exc) from exc
        except OutcomeUnknownError:
            self._lists.doubt(entity)
            raise
        try:
            return self._written(entity, self._one(response, entity))
        except MalformedReplyError as exc:
            self._lists.doubt(entity)
            # the ERP took the POST (2xx) but its answer names no usable record: the record may exist, so
            # it is reconciled by our origin marker before anything is created again
            raise OutcomeUnknownError(f"The ERP accepted the {entity} create but its reply is malformed: {exc}",
                                      status=response.status_code) from exc

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        if not self.options.list_create:
            return create_each(self, entity, payloads, origins, txn_id)
        bodies = [self._create_body(p, origins[i] if origins else None, txn_id) for i, p in enumerate(payloads)]
        results = create_lists(self, entity, bodies, self.options.list_create_max)
        if any(isinstance(r.error, OutcomeUnknownError) for r in results):
            self._lists.doubt(entity)
        return results

    def _create_body(self, payload: Mapping[str, Any], origin: Origin | None, txn_id: str | None) -> dict[str, Any]:
        """A create's body: the payload with our origin marker and transaction id."""
        body = dict(payload)
        if origin is not None:
            id_field, channel_field = self.options.origin_fields
            body[id_field], body[channel_field] = origin.source_id, origin.channel
        if txn_id is not None:
            body[self.options.txn_field] = txn_id
        return body

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        body = dict(payload)
        if txn_id is not None:
            body[self.options.txn_field] = txn_id
        headers = {"If-Match": str(version)} if version is not None and self.options.send_if_match else None
        try:
            response = self._request("PUT", entity, self._path(entity, record_id), json=body, headers=headers)
        except StaleVersionError as exc:
            own = self._own_write(entity, record_id, version, txn_id)
            if own is not None:
                return own
            raise StaleVersionError(
                f"{entity} {record_id} changed in the ERP since it was read (version {version})",
                status=exc.status, details=exc.details, hint="it is read again on the next run",
            ) from exc
        except DuplicateError as exc:
            raise self._duplicate(entity, body, exc) from exc
        except NotFoundError as exc:
            raise NotFoundError(f"{entity} {record_id} does not exist in the ERP", status=exc.status,
                                details=exc.details) from exc
        except PermanentError as exc:
            raise self._refined(entity, f"update of {record_id}", exc) from exc
        return self._written(entity, self._one(response, entity))

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        headers = {"If-Match": str(version)} if version is not None and self.options.send_if_match else None
        try:
            self._request("DELETE", entity, self._path(entity, record_id), headers=headers)
        except NotFoundError:
            self._lists.drop(entity, str(record_id))
            return  # already gone: what a delete wants
        except StaleVersionError as exc:
            raise StaleVersionError(f"{entity} {record_id} changed in the ERP since it was read (version {version})",
                                    status=exc.status, details=exc.details, hint="it is read again on the next run",
                                    ) from exc
        self._lists.drop(entity, str(record_id))

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        if not self.options.archive_field:
            raise PermanentError(f"{entity} records cannot be archived in this ERP",
                                 hint="set the connector's archive_field option to the ERP's active flag")
        return self.update(entity, record_id, {self.options.archive_field: False}, version=version)

    def check(self) -> CheckResult:
        """GET clients?per_page=1 once (no retries) and say plainly what worked; never raises."""
        started = time.perf_counter()
        http: HttpClient | None = None
        self._check_auth_problem = None
        try:
            http = self._build(no_retries) if self._owns_http else self._http
            return check_connection(self, http, started)
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None:
                self._check_auth_problem = http.auth_problem
            if http is not None and http is not self._http:
                http.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # -- error refinement --------------------------------------------------------------------------
    def _duplicate(self, entity: str, body: Mapping[str, Any], exc: DuplicateError) -> DuplicateError:
        """A DuplicateError naming the key and, looked up by that key, the existing record's id."""
        match = _DUPLICATE.search(exc.details or "")
        field = match.group(1) if match else None
        existing = exc.existing_id
        if field and field in body and existing is None:
            try:
                holders = self.find_by_keys(entity, field, [body[field]]).get(str(body[field]), [])
            except ERPSyncError:
                holders = []
            existing = holders[0].id if holders else None
        what = f"{field} {body[field]!r}" if field and field in body else "this key"
        return DuplicateError(f"The ERP already holds a {entity} record with {what}", existing_id=existing,
                              status=exc.status, details=exc.details, hint=exc.hint)

    @staticmethod
    def _refined(entity: str, action: str, exc: PermanentError) -> PermanentError:
        if exc.status not in (400, 422):
            return exc
        return type(exc)(f"The ERP refused the {action} of {entity}: {exc.details or exc.message}",
                         status=exc.status, details=exc.details, hint="fix the record's values")

    def _own_write(
        self, entity: str, record_id: str, version: str | None, txn_id: str | None
    ) -> Record | None:
        """After a 412, the record as we wrote it when the only write since `version` was ours (a retried
        PUT whose first attempt had been applied)."""
        if txn_id is None or version is None or not str(version).isdigit():
            return None
        current = self.get_many(entity, [record_id]).get(str(record_id))
        if current is not None and current.txn_id == txn_id and current.version == str(int(version) + 1):
            return current
        return None

