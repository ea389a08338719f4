"""The Payamgostar (پیام گستر) CRM connector: identities (persons and organizations) as `clients`, sales
quotes as `orders`.

What the API offers, and the safe choice where it offers nothing:
- Identities are listed only by identity/search, whose rows carry no dates, so a read gets every identity
  (one get each) and hands on those changed since the lagging cursor of cursor.py. Each record carries
  `identityType` (1 person, 2 organization) beside the get reply's own fields.
- Which status a get of an id of the other kind (or of no record) answers is undocumented: a 400 or 404 or
  an empty reply counts as "not this kind", so a person's id is looked up as an organization next.
- Updates send the whole record (as just read, with the payload on top): whether update clears the fields
  it is not given is unknown. Its id key is unverified (`id` or `crmId`), so both carry the id.
- Quotes can only be read by id (quote/sales/get); no list of quotes was seen, so `changes` reads none
  (a quote reaches the sync by its webhook), and quotes are never written. Only quotes whose
  crmObjectTypeCode is in options.quote_type_codes are handed on, when that list is set.
- No delete (person/delete was seen in a client library only), no origin marker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from erpsync_gui.connectors.base import CheckResult, create_each
from erpsync_gui.connectors.check_kit import elapsed_ms, no_retries
from erpsync_gui.connectors.payamgostar import cursor as cursors
from erpsync_gui.connectors.payamgostar.auth import PayamgostarAuth
from erpsync_gui.connectors.payamgostar.client import KIND_PATHS, ORGANIZATION, PERSON, PayamgostarClient
from erpsync_gui.connectors.payamgostar.options import PayamgostarOptions
from erpsync_gui.errors import AuthError, ConfigError, ERPSyncError, MissingSecretError, NotFoundError, PermanentError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import AuthSetup, client_certificate, endpoint_client, endpoint_store
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)

CLIENTS = "clients"
ORDERS = "orders"
IDENTITY_TYPE = "identityType"
MAX_ID = 191
CHECK_SAMPLE = 20
#: reply fields the server sets itself: never sent back in a create or update
META = frozenset({"crmId", "creatDate", "modifyDate", "crmObjectTypeId", "crmObjectTypeIndex", "crmObjectTypeName",
                  "crmObjectTypeIndexPreview", "identityIdPreview", "modifierId", "creatorId", "processLifePaths",
                  "color", IDENTITY_TYPE})
FIELDS = (
    FieldInfo("nickName", "text", required=True), FieldInfo("firstName", "text"), FieldInfo("lastName", "text"),
    FieldInfo("customerNumber", "text"), FieldInfo("nationalCode", "text"), FieldInfo("economicCode", "text"),
    FieldInfo("email", "text"), FieldInfo("website", "text"), FieldInfo("description", "text"),
    FieldInfo("phoneContacts", "list"), FieldInfo("addressContacts", "list"), FieldInfo("birthDate", "text"),
    FieldInfo("crmObjectTypeCode", "text"), FieldInfo("refId", "text"),
    FieldInfo(IDENTITY_TYPE, "number", choices=(PERSON, ORGANIZATION), label="1 person, 2 organization"),
    FieldInfo("creatDate", "datetime"), FieldInfo("modifyDate", "datetime"),
)
QUOTE_FIELDS = (
    FieldInfo("identityId", "text"), FieldInfo("subject", "text"), FieldInfo("description", "text"),
    FieldInfo("number", "text"), FieldInfo("crmObjectTypeCode", "text"), FieldInfo("details", "list"),
    FieldInfo("totalValue", "number"), FieldInfo("finalValue", "number"), FieldInfo("vat", "number"),
    FieldInfo("discount", "number"), FieldInfo("quoteDate", "text"), FieldInfo("modifyDate", "datetime"),
)


class PayamgostarConnector:
    """Connector for Payamgostar's REST API v2."""

    kind = "payamgostar"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.options = PayamgostarOptions.from_options(endpoint.options)
        try:
            self.zone = ZoneInfo(self.options.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"unknown time zone {self.options.time_zone!r} for the Payamgostar endpoint",
                              hint="for example Asia/Tehran") from None
        self._secrets = endpoint_store(endpoint, secrets)
        password = self._secrets.fetch("password")
        if not password:
            raise MissingSecretError("the secret crm.password of the Payamgostar endpoint is not set",
                                     hint="run `erpsync secret set crm.password`")
        base = endpoint.url.strip()
        self._base = base if base.endswith("/") else base + "/"
        self._auth = PayamgostarAuth(self._base, self.options.username, password, device_id=self.options.device_id,
                                     platform_type=self.options.platform_type,
                                     lifetime_s=self.options.token_lifetime_s, margin_s=self.options.refresh_margin_s)
        self._owns_http = http is None
        self._check_auth_problem: AuthError | None = None
        self._http = http if http is not None else self._build()
        self.client = PayamgostarClient(self._http)
        #: identity id -> 1 person / 2 organization, learnt from searches and gets
        self._kinds: dict[str, int] = {}

    def _build(self, adjust: Callable[[HttpSettings], HttpSettings] | None = None) -> HttpClient:
        setup = AuthSetup(self._auth, client_certificate(self.endpoint, self._secrets))
        return endpoint_client(self.endpoint, self._secrets, base_url=self._base, auth=setup, settings=adjust,
                               owns_auth=adjust is None)

    @property
    def auth_problem(self) -> AuthError | None:
        return self._check_auth_problem or self._http.auth_problem

    # -- the Connector protocol ------------------------------------------------------------------
    def capabilities(self, entity: str) -> Capabilities:
        return Capabilities(cursor=self._entity(entity) == CLIENTS)

    def entities(self) -> Sequence[str]:
        return [CLIENTS, ORDERS]

    def describe(self, entity: str) -> EntityInfo:
        if self._entity(entity) == ORDERS:
            return EntityInfo(ORDERS, QUOTE_FIELDS)
        return EntityInfo(CLIENTS, FIELDS, has_cursor=True, key_fields=("customerNumber",))

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        if self._entity(entity) == ORDERS:
            log.warning("Payamgostar offers no list of quotes: quotes are synced from their webhook events")
            return iter(())
        return self._identity_pages(cursor, max(1, page_size))

    def _identity_pages(self, cursor: str | None, size: int) -> Iterator[Page]:
        boundary, previous = cursors.decode(cursor)
        newest = previous
        page: list[Record] = []
        for record in self._all_identities():
            moment = cursors.modified(dict(record.data), self.zone)
            if moment is not None and (newest is None or moment > newest):
                newest = moment
            if boundary is None or moment is None or moment >= boundary:
                page.append(record)
            if len(page) >= size:
                yield Page(tuple(page))
                page = []
        yield Page(tuple(page), cursor=cursors.encode(previous, newest), complete=boundary is None)

    def _all_identities(self) -> Iterator[Record]:
        """Every identity, persons then organizations, each once (a row shifted to the next page by an insert
        meanwhile comes twice and is read once)."""
        seen: set[str] = set()
        for kind in (PERSON, ORGANIZATION):
            number = 0
            while True:
                rows = self.client.search(number, self.options.page_size, kind)
                for row in rows:
                    identity = str(row.get("identityId") or "").strip()
                    if not identity or identity in seen:
                        continue
                    seen.add(identity)
                    self._kinds[identity] = kind
                    record = self._get_identity(identity, kind)
                    if record is not None:
                        yield record
                if len(rows) < self.options.page_size:
                    break
                number += 1

    def _get_identity(self, identity: str, kind: int | None = None) -> Record | None:
        kinds = [kind] if kind is not None else [self._kinds.get(identity, PERSON)]
        kinds += [k for k in (PERSON, ORGANIZATION) if k not in kinds]
        for candidate in kinds:
            data = self.client.get(KIND_PATHS[candidate], identity, "clients")
            if data is not None:
                self._kinds[identity] = candidate
                return self._record({**data, IDENTITY_TYPE: candidate}, identity, CLIENTS)
            if kind is not None:
                return None  # listed as this kind: gone since the search
        return None

    def _record(self, data: dict[str, Any], fallback_id: str, entity: str) -> Record:
        record_id = str(data.get("crmId") or fallback_id).strip()
        if not record_id or len(record_id) > MAX_ID:
            raise PermanentError(f"malformed reply from Payamgostar for {entity}: a record without a usable crmId")
        return Record(id=record_id, data=data, updated_at=cursors.to_utc(cursors.modified(data, self.zone), self.zone))

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        found: dict[str, Record] = {}
        wanted = list(dict.fromkeys(str(i) for i in ids if str(i).strip()))
        if self._entity(entity) == ORDERS:
            for quote_id in wanted:
                data = self.client.get("quote/sales", quote_id, "orders")
                if data is not None and self._wanted_quote(data):
                    found[quote_id] = self._record(data, quote_id, ORDERS)
            return found
        for identity in wanted:
            record = self._get_identity(identity)
            if record is not None:
                found[identity] = record
        return found

    def _wanted_quote(self, data: Mapping[str, Any]) -> bool:
        codes = self.options.quote_type_codes
        return not codes or data.get("crmObjectTypeCode") in codes

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        if self._entity(entity) == ORDERS:
            return {}
        wanted = {str(v).strip() for v in values if v is not None and str(v).strip()}
        found: dict[str, list[Record]] = {}
        if field in ("customerNumber", "customerNo"):
            for value in sorted(wanted):
                for row in self.client.search(0, self.options.page_size, None, value):
                    identity = str(row.get("identityId") or "")
                    if str(row.get("customerNo") or "").strip() == value and identity:
                        record = self._get_identity(identity)
                        if record is not None:
                            found.setdefault(value, []).append(record)
            return found
        for record in self._all_identities():
            held = record.data.get(field)
            if held is not None and str(held).strip() in wanted:
                found.setdefault(str(held).strip(), []).append(record)
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None  # no field carries our origin marker

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        self._writable(entity)
        kind = _kind_of(payload.get(IDENTITY_TYPE))
        body = {k: v for k, v in payload.items() if k not in META}
        default_code = self.options.person_type_code if kind == PERSON else self.options.organization_type_code
        body.setdefault("crmObjectTypeCode", default_code)
        if self.options.categories and "categories" not in body:
            body["categories"] = [{"key": key} for key in self.options.categories]
        crm_id = self.client.write(f"{KIND_PATHS[kind]}/create", body, "the new identity")
        self._kinds[crm_id] = kind
        record = self._get_identity(crm_id, kind)
        if record is None:
            raise NotFoundError(f"Payamgostar created identity {crm_id} but cannot find it again")
        return record

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        return create_each(self, entity, payloads, origins, txn_id)

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        self._writable(entity)
        current = self._get_identity(str(record_id))
        if current is None:
            raise NotFoundError(f"clients {record_id} does not exist in Payamgostar")
        kind = int(current.data[IDENTITY_TYPE])
        body = {k: v for k, v in {**current.data, **payload}.items() if k not in META}
        body.update({"id": str(record_id), "crmId": str(record_id)})
        self.client.write(f"{KIND_PATHS[kind]}/update", body, f"the update of identity {record_id}")
        written = self._get_identity(str(record_id), kind)
        if written is None:
            raise NotFoundError(f"clients {record_id} is gone from Payamgostar after its update")
        return written

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        raise PermanentError(f"the Payamgostar connector does not delete records: {record_id} stays",
                             hint="delete it in the CRM by hand")

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        raise PermanentError(f"Payamgostar records cannot be archived through the API: {record_id} stays")

    def check(self) -> CheckResult:
        """Log in, read a sample of identities (no retries) and list the crmObjectTypeCode values found."""
        started = time.perf_counter()
        http: HttpClient | None = None
        self._check_auth_problem = None
        try:
            http = self._build(no_retries) if self._owns_http else self._http
            client = PayamgostarClient(http)
            codes: dict[str, int] = {}
            for kind in (PERSON, ORGANIZATION):
                for row in client.search(0, CHECK_SAMPLE, kind):
                    data = client.get(KIND_PATHS[kind], str(row.get("identityId") or ""), "clients") or {}
                    code = str(data.get("crmObjectTypeCode") or "")
                    if code:
                        codes[code] = codes.get(code, 0) + 1
        except AuthError as exc:
            self._check_auth_problem = exc
            return CheckResult(False, True, False, elapsed_ms(started), f"Payamgostar refused the login: {exc.message}")
        except ConfigError as exc:
            return CheckResult(False, False, False, None, str(exc))
        except ERPSyncError as exc:
            reachable = getattr(exc, "status", None) is not None
            what = "Payamgostar answered with an error" if reachable else "Payamgostar cannot be reached"
            return CheckResult(False, reachable, False, elapsed_ms(started) if reachable else None, f"{what}: {exc}")
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("Payamgostar connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None and http is not self._http:
                http.close()
        latency = http.last_latency_ms if http.last_latency_ms is not None else elapsed_ms(started)
        found = ", ".join(f"{code} ({n})" for code, n in sorted(codes.items())) or "none (no identities yet)"
        details = [f"crmObjectTypeCode values found: {found}"]
        for name, code in (("person_type_code", self.options.person_type_code),
                           ("organization_type_code", self.options.organization_type_code)):
            if codes and code not in codes:
                details.append(f"options.{name} is {code!r}, which no identity read uses")
        return CheckResult(True, True, True, latency, f"Connected to Payamgostar in {latency:.0f} ms", "Payamgostar",
                           None, tuple(details))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _entity(entity: str) -> str:
        if entity not in (CLIENTS, ORDERS):
            raise ConfigError(f"Payamgostar has no entity {entity!r}",
                              hint="Payamgostar offers clients (identities) and orders (sales quotes)")
        return entity

    def _writable(self, entity: str) -> None:
        if self._entity(entity) == ORDERS:
            raise PermanentError("quotes are not written to Payamgostar: no quote create or update was ever seen",
                                 hint="quotes flow from the CRM to the ERP only")


def _kind_of(value: Any) -> int:
    if value in (None, "", PERSON, str(PERSON)):
        return PERSON
    if value in (ORGANIZATION, str(ORGANIZATION)):
        return ORGANIZATION
    raise PermanentError(f"identityType must be 1 (person) or 2 (organization), not {value!r}")
