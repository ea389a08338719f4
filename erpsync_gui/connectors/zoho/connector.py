"""The Zoho CRM (API v8) connector: Accounts, Contacts, Leads, Deals, Products, Quotes and Invoices.

Entities are Zoho's module API names. Natural keys (searchable with `equals`): Accounts `Account_Number`,
`Account_Name`; Contacts and Leads `Email`; Deals `Deal_Name`; Products `Product_Code`, `Product_Name`;
Quotes and Invoices `Subject`. Records are flat dicts of Zoho's field API names (modules.py lists the
documented ones): a lookup becomes `<Field>.id` and `<Field>.name` (`Owner.id`, `Account_Name.id`), the line
items of Quotes and Invoices (`Quoted_Items`, `Invoiced_Items`) a list of flat dicts under `lines`.
`Record.version` is the record's Modified_Time text, `updated_at` the same instant in UTC.

The API server is the one the sign-in's token reply named (`api_domain`, kept with the tokens in the keyring),
else options.api_domain, else the endpoint URL. Reading: paging.py (Modified_Time order, `If-Modified-Since`,
`page` then `page_token`); deletes come from the deleted-records list (`/{Module}/deleted`) in `Page.deleted`.
Writing: writes.py (100 records a call, one result per record; `DUPLICATE_DATA` names the existing record in
DuplicateError.existing_id; updates re-read Modified_Time first). API credits and the concurrency cap are the
HTTP layer's "zoho" rate-limit preset; a 429 waits and is sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.base import CheckResult, chunked
from erpsync_gui.connectors.check_kit import elapsed_ms, no_retries
from erpsync_gui.connectors.zoho import writes
from erpsync_gui.connectors.zoho.client import ZohoClient, criteria
from erpsync_gui.connectors.zoho.cursor import ZohoCursor, server_stamp, with_last
from erpsync_gui.connectors.zoho.modules import MODULES, Module
from erpsync_gui.connectors.zoho.options import ZohoOptions
from erpsync_gui.connectors.zoho.paging import changed_records, deleted_records
from erpsync_gui.connectors.zoho.shape import moment, to_record
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    CredentialsExpiredError,
    ERPSyncError,
    NotFoundError,
    PermanentError,
)
from erpsync_gui.http import HttpClient
from erpsync_gui.http.auth_factory import AuthSetup, endpoint_auth, endpoint_client, endpoint_store
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)

#: ids per `ids=` read, values per search (Zoho takes at most 10 criteria)
IDS_PER_READ = 100
VALUES_PER_SEARCH = 10


class ZohoConnector:
    """Connector for one Zoho CRM organisation."""

    kind = "zoho"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.options = ZohoOptions.from_options(endpoint.options or {})
        self._secrets = endpoint_store(endpoint, secrets)
        self._given = http
        self._setup: AuthSetup | None = None
        self._api: ZohoClient | None = None
        self._auth_problem: AuthError | None = None
        self._check_problem: AuthError | None = None

    # -- plumbing ----------------------------------------------------------------------------------
    def _auth(self) -> AuthSetup:
        if self._setup is None:
            self._setup = endpoint_auth(self.endpoint, self._secrets, self.endpoint.url)
        return self._setup

    def _root(self) -> str:
        """`{api_domain}/crm/v8/`: the token reply's domain unless the options name one."""
        domain = self.options.api_domain
        if domain is None and self._given is None:
            learnt = getattr(self._auth().auth, "learnt", None)
            if callable(learnt):
                try:
                    domain = learnt("api_domain", obtain=True)
                except AuthError as exc:
                    self._auth_problem = exc
                    raise
        base = (domain or self.endpoint.url).strip().rstrip("/")
        base = base.removesuffix("/crm/v8")
        return f"{base}/crm/v8/"

    def _client(self) -> ZohoClient:
        if self._api is None:
            root = self._root()
            http = self._given or endpoint_client(self.endpoint, self._secrets, base_url=root, auth=self._auth())
            self._api = ZohoClient(http, root)
        return self._api

    @property
    def auth_problem(self) -> AuthError | None:
        """The last authentication failure met (None after a success): the app sets the endpoint status."""
        http = self._api.http.auth_problem if self._api is not None else None
        return self._check_problem or http or self._auth_problem

    def _module(self, entity: str) -> Module:
        module = MODULES.get(entity)
        if module is None:
            raise ConfigError(f"Zoho CRM has no module {entity!r} in this connector",
                              hint=f"use one of {', '.join(MODULES)}")
        return module

    def _fields(self, module: Module) -> str:
        return ",".join(dict.fromkeys((*module.api_fields, *self.options.extra_fields.get(module.name, []))))

    # -- the Connector protocol ------------------------------------------------------------------
    def capabilities(self, entity: str) -> Capabilities:
        self._module(entity)
        return Capabilities(cursor=True, batch=True, delete=True, archive=False, upsert=True, origin_marker=False,
                            reports_deletes=True)

    def entities(self) -> Sequence[str]:
        return tuple(MODULES)

    def describe(self, entity: str) -> EntityInfo:
        """The documented fields (plus the configured extra ones) and the natural keys."""
        module = self._module(entity)
        extra = tuple(FieldInfo(name) for name in self.options.extra_fields.get(module.name, []))
        return EntityInfo(module.name, module.info() + extra, has_cursor=True, key_fields=module.keys)

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Deletes since the cursor first (incremental reads), then the changed records oldest first. A full
        read (no cursor) stores its cursor only with its last page, which is `complete`."""
        module = self._module(entity)
        state = ZohoCursor.parse(cursor)
        return self._changes(module, state, cursor is None, max(1, page_size))

    def _changes(self, module: Module, state: ZohoCursor, full: bool, page_size: int) -> Iterator[Page]:
        api = self._client()
        where = f"{module.name} at {api.root}{module.name}"
        deleted_since = state.deleted
        if not full:
            gone = deleted_records(lambda p, h: api.get(f"{module.name}/deleted", p, h, what=f"deleted {module.name}"),
                                   state.deleted, self.options.page_size, self.options.deleted_type, f"deleted {where}")
            if gone:
                deleted_since = max((when for _rid, when in gone), key=moment)
                ids = list(dict.fromkeys(rid for rid, _when in gone))
                for chunk, last in with_last(chunked(ids, page_size)):
                    done = ZohoCursor(state.modified, deleted_since).dump() if last else None
                    yield Page((), cursor=done, deleted=tuple(chunk))
        first_reply: list[str | None] = []  # the server's clock when the read began: a full read's delete cursor

        def get(params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any] | None:
            body = api.get(module.name, params, headers, what=module.name)
            if not first_reply:
                first_reply.append(server_stamp(api.last_date))
            return body

        pages = changed_records(get, self._fields(module), self.options.page_size, state.modified, where)
        started: str | None = None
        newest = state.modified
        chunks = (chunk for page in pages for chunk in chunked(page.records, page_size))
        for chunk, last in with_last(chunks):
            started = first_reply[0]
            records = tuple(to_record(raw, module, api.root) for raw in chunk)
            newest = chunk[-1].get("Modified_Time") or newest
            if full:
                done = ZohoCursor(newest or started, started).dump() if last else None
                yield Page(records, cursor=done, complete=last)
            else:
                yield Page(records, cursor=ZohoCursor(newest, deleted_since).dump())
        if full and started is None:  # nothing in the module: the cursor starts at the server's clock
            stamp = first_reply[0] if first_reply else None
            yield Page((), cursor=ZohoCursor(stamp, stamp).dump() if stamp else None, complete=True)

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        module = self._module(entity)
        api = self._client()
        found: dict[str, Record] = {}
        for chunk in chunked(list(dict.fromkeys(str(i) for i in ids)), IDS_PER_READ):
            body = api.get(module.name, {"ids": ",".join(chunk), "fields": self._fields(module)}, what=module.name)
            for raw in (body or {}).get("data") or ():
                record = to_record(raw, module, api.root)
                if record.id in chunk:
                    found[record.id] = record
        return found

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        """Records whose `field` equals one of `values` (Zoho's search compares text without case)."""
        module = self._module(entity)
        api = self._client()
        forms = {str(v).strip(): str(v) for v in values if v is not None and str(v).strip()}
        found: dict[str, list[Record]] = {}
        for chunk in chunked(list(forms), VALUES_PER_SEARCH):
            wanted = {form.casefold(): forms[form] for form in chunk}
            page = 1
            while True:
                params = {"criteria": criteria(field, chunk), "fields": self._fields(module), "page": page,
                          "per_page": self.options.page_size}
                body = api.get(f"{module.name}/search", params, what=f"{module.name} search")
                if body is None:
                    break
                for raw in body.get("data") or ():
                    record = to_record(raw, module, api.root)
                    key = wanted.get(str(record.data.get(field, "")).strip().casefold())
                    if key is not None:
                        found.setdefault(key, []).append(record)
                if not (body.get("info") or {}).get("more_records"):
                    break
                page += 1
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None  # no field carries our origin marker

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        result = self.create_many(entity, [payload])[0]
        if result.error is not None:
            raise result.error
        assert result.record is not None
        return result.record

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        module = self._module(entity)
        return writes.write_many(self._client(), module, payloads, batch=self.options.write_batch,
                                 triggers=self.options.triggers)

    def upsert_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    duplicate_check_fields: Sequence[str] | None = None) -> list[BatchItemResult]:
        """Insert or update by `duplicate_check_fields` (default: the endpoint's option for the module, else
        Zoho's own unique fields); one result per payload."""
        module = self._module(entity)
        fields = duplicate_check_fields or self.options.duplicate_check_fields.get(module.name) or ()
        return writes.write_many(self._client(), module, payloads, batch=self.options.write_batch,
                                 triggers=self.options.triggers, upsert_on=list(fields))

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        module = self._module(entity)
        return writes.update_one(self._client(), module, str(record_id), payload, version=version,
                                 fields=self._fields(module), triggers=self.options.triggers,
                                 if_unmodified_since=self.options.if_unmodified_since)

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        module = self._module(entity)
        writes.delete_one(self._client(), module, str(record_id), version=version, fields=self._fields(module))

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        raise PermanentError(f"Zoho CRM records cannot be archived ({entity} {record_id})",
                             hint="Zoho keeps deleted records in its recycle bin: delete instead")

    def check(self) -> CheckResult:
        """One small list request without retries; never raises."""
        started = time.perf_counter()
        self._check_problem = None
        http: HttpClient | None = None
        try:
            root = self._root()
            http = self._given or endpoint_client(self.endpoint, self._secrets, base_url=root, auth=self._auth(),
                                                  owns_auth=False, settings=no_retries)
            return self._check(ZohoClient(http, root), started)
        except CredentialsExpiredError as exc:
            self._check_problem = exc
            return CheckResult(False, True, False, elapsed_ms(started), f"{exc.message}; {exc.hint}")
        except ConfigError as exc:
            return CheckResult(False, False, False, None, str(exc))
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("Zoho CRM connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None and http is not self._given:
                self._check_problem = self._check_problem or http.auth_problem
                http.close()

    def _check(self, api: ZohoClient, started: float) -> CheckResult:
        first = next(iter(MODULES.values()))
        try:
            api.get(first.name, {"fields": "Modified_Time", "per_page": 1}, what=first.name)
        except CredentialsExpiredError as exc:
            return CheckResult(False, True, False, elapsed_ms(started), f"{exc.message}; {exc.hint}")
        except AuthError as exc:
            return CheckResult(False, True, False, elapsed_ms(started), f"Zoho CRM refused the sign-in: {exc}")
        except NotFoundError:
            return CheckResult(False, True, False, elapsed_ms(started), f"no Zoho CRM API at {api.root}; check the URL")
        except ERPSyncError as exc:
            if getattr(exc, "status", None) is not None:
                return CheckResult(False, True, False, elapsed_ms(started), f"Zoho CRM answered with an error: {exc}")
            return CheckResult(False, False, False, None, f"Zoho CRM cannot be reached: {exc}")
        latency = api.http.last_latency_ms if api.http.last_latency_ms is not None else elapsed_ms(started)
        domain = api.root.removesuffix("/crm/v8/")
        return CheckResult(True, True, True, latency, f"Connected to Zoho CRM at {domain} in {latency:.0f} ms",
                           server=f"Zoho CRM ({domain})", server_time=api.last_date)

    def close(self) -> None:
        if self._api is not None and self._given is None:
            self._api.http.close()
        elif self._setup is not None and self._given is None:
            closer = getattr(self._setup.auth, "close", None)
            if callable(closer):
                closer()
