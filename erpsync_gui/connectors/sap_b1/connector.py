"""The SAP Business One Service Layer connector (v1 = OData v3, v2 = OData v4).

Entities (product name: SAP entity set, record id, natural keys; see entities.py for the record shape):
  clients         BusinessPartners (customers only: CardType eq 'cCustomer'), CardCode; FederalTaxID,
                  EmailAddress, CardName; ContactEmployees under `contacts`
  products        Items, ItemCode; BarCode, ItemName; prices per price list as Price_<n>/Currency_<n>
  product_groups  ItemGroups, Number; GroupName (read whole)
  warehouses      Warehouses, WarehouseCode; WarehouseName (read whole)
  stock           Items' ItemWarehouseInfoCollection, ["ItemCode","WarehouseCode"] (read whole, read-only)
  orders, quotations, invoices   Orders, Quotations, Invoices, DocEntry; DocNum, NumAtCard; DocumentLines
                  under `lines`
  payments        IncomingPayments, DocEntry; DocNum; PaymentInvoices under `lines`

Changes are read by UpdateDate + UpdateTime (the server's local time, in the `timezone` option) in keyset
order; the cursor is the last record's own stamp. When a record read earlier in one read comes again
(it changed and moved to the end of the order, so the server's skip-based paging jumped over one
record), the read starts again from the page where it was first seen, so no change is passed over.
Writes: create (201 with the entity), update with PATCH (204; If-Match with the ETag, a stale one is a
412 / -2039 StaleVersionError), creates in `$batch` changesets, retried one by one when one fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from erpsync_gui.connectors.base import CheckResult, chunked
from erpsync_gui.connectors.check_kit import CHECK_TIMEOUT, date_header, elapsed_ms, no_retries
from erpsync_gui.connectors.sap_b1 import batch, odata
from erpsync_gui.connectors.sap_b1.client import Entity, ServiceLayer, etag_of, service_root
from erpsync_gui.connectors.sap_b1.entities import (
    MAX_ID,
    NUMERIC,
    SPECS,
    Spec,
    flat,
    native,
    parse_stock_id,
    stock_rows,
)
from erpsync_gui.connectors.sap_b1.errors import error_for, refined
from erpsync_gui.connectors.sap_b1.options import SapB1Options, read_options
from erpsync_gui.connectors.sap_b1.reader import KeysetReader
from erpsync_gui.connectors.sap_b1.service import as_service
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConfigError,
    ConnectorError,
    DuplicateError,
    ERPSyncError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    QuotaExhaustedError,
    RetryableError,
    StaleVersionError,
)
from erpsync_gui.http import HttpClient
from erpsync_gui.http.auth_factory import AuthSetup, endpoint_auth, endpoint_client, endpoint_store
from erpsync_gui.http.cert_pin import peer_fingerprint
from erpsync_gui.http.retry import tls_verification_failed
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)
_FATAL = (AuthError, ConfigError, CircuitOpenError, QuotaExhaustedError)


class SapB1Connector:
    """Connector for SAP Business One through its Service Layer."""

    kind = "sap_b1"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.options: SapB1Options = read_options(endpoint.options or {})
        self.version, self._root = service_root(endpoint.url, self.options.version)
        self._zone = odata.zone(self.options.timezone)
        self._secrets = endpoint_store(endpoint, secrets)
        if http is None and endpoint.auth != "session":
            raise ConfigError(f"SAP Business One logs in with a session, not {endpoint.auth!r}",
                              hint="set the endpoint's auth to session, with options username and company_db")
        self._auth: AuthSetup | None = None
        self._owns_http = http is None
        self._http = http if http is not None else self._build()
        self._sl = ServiceLayer(self._http, self._root, self.options, self.version)
        #: the SHA-256 fingerprint of the server's certificate when the last check found it untrusted
        self.untrusted_certificate: str | None = None

    def _build(self, adjust: Any = None) -> HttpClient:
        owns = self._auth is None
        if self._auth is None:
            self._auth = endpoint_auth(self.endpoint, self._secrets, self._root)
        return endpoint_client(self.endpoint, self._secrets, base_url=self._root, auth=self._auth,
                               owns_auth=owns, settings=adjust)

    def _spec(self, entity: str) -> Spec:
        spec = SPECS.get(entity)
        if spec is None:
            raise ConfigError(f"SAP Business One has no entity {entity!r} here",
                              hint=f"use one of {', '.join(SPECS)}")
        return spec

    def _base_filter(self, spec: Spec) -> str | None:
        return spec.base_filter if spec.name != "clients" or self.options.customers_only else None

    # -- records -----------------------------------------------------------------------------------
    def _record(self, spec: Spec, entity: Entity) -> Record:
        raw = entity.raw
        key = raw.get(spec.key)
        text = "" if key is None else str(key)
        if not text or len(text) > MAX_ID:
            raise PermanentError(f"malformed reply from SAP Business One for {spec.name} at {self._root}: "
                                 f"a record without a usable {spec.key}")
        stamp = odata.stamp_of(raw, text)
        return Record(id=text, data=flat(spec, raw), updated_at=odata.local_moment(stamp, self._zone),
                      version=etag_of(raw, entity.etag))

    def _stock(self, raws: list[dict]) -> list[Record]:
        return [Record(id=rid, data=data) for raw in raws for rid, data in stock_rows(raw)]

    # -- the Connector protocol ------------------------------------------------------------------
    def entities(self) -> Sequence[str]:
        return list(SPECS)

    def capabilities(self, entity: str) -> Capabilities:
        spec = self._spec(entity)
        return Capabilities(cursor=spec.cursor, batch=spec.writable, delete=spec.deletable,
                            archive=spec.archivable)

    def describe(self, entity: str) -> EntityInfo:
        """The fields read (SAP's own names), the natural keys, and whether changes have a cursor."""
        spec = self._spec(entity)
        if spec.name == "stock":
            names: tuple[str, ...] = ("ItemCode", "WarehouseCode", "InStock", "Committed", "Ordered")
        else:
            names = tuple(n for n in spec.select if n not in dict(spec.collections) and n != "ItemPrices")
        fields = [FieldInfo(n, _type_of(n), required=n == spec.key and not spec.numeric_key,
                            label=f"{spec.entity_set}.{n}") for n in names]
        fields += [FieldInfo(ours, "list", label=f"{spec.entity_set}.{native_name}: {', '.join(spec.line_fields)}")
                   for native_name, ours in spec.collections]
        if spec.entity_set == "Items" and spec.name == "products":
            fields += [FieldInfo("Price_1", "number", label="ItemPrices[PriceList=1].Price (Price_<n> per list)"),
                       FieldInfo("Currency_1", "text", label="ItemPrices[PriceList=1].Currency")]
        return EntityInfo(spec.name, tuple(fields), has_cursor=spec.cursor, key_fields=spec.natural_keys)

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        spec = self._spec(entity)
        start = odata.decode_cursor(cursor) if cursor and spec.cursor else None
        reader = KeysetReader(self._sl, spec, self._base_filter(spec), self._record, self.options.restarts)
        return reader.pages(start, max(1, min(page_size, self.options.max_page_size)))

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        spec = self._spec(entity)
        wanted = list(dict.fromkeys(str(i) for i in ids))
        if spec.name == "stock":
            pairs = {i: p for i in wanted if (p := parse_stock_id(i)) is not None}
            items = list(dict.fromkeys(p[0] for p in pairs.values()))
            found = {r.id: r for raws in self._lookup(spec, spec.key, items) for r in self._stock(raws)}
            return {i: found[i] for i in pairs if i in found}
        if spec.numeric_key:
            wanted = [i for i in wanted if i.isdigit()]
        found = {}
        for raws in self._lookup(spec, spec.key, wanted):
            for raw in raws:
                record = self._record(spec, Entity(raw, None))
                found[record.id] = record
        return {i: found[i] for i in wanted if i in found}

    def _lookup(self, spec: Spec, field: str, values: Sequence[Any]) -> Iterator[list[dict]]:
        numeric = field in NUMERIC
        for chunk in chunked(values, self.options.lookup_chunk):
            params = odata.query(spec.select, odata.both(self._base_filter(spec), odata.any_of(field, chunk, numeric)),
                                 f"{spec.key} asc")
            yield from self._sl.pages(spec.entity_set, params, self.options.max_page_size, spec.name)

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        spec = self._spec(entity)
        if spec.name == "stock":
            return {}
        forms = {str(v): v for v in values if v is not None and v != ""}
        if field in NUMERIC:
            forms = {k: v for k, v in forms.items() if k.lstrip("-").isdigit()}
        found: dict[str, list[Record]] = {}
        for raws in self._lookup(spec, field, list(forms.values())):
            for raw in raws:
                key = str(raw.get(field))
                if key in forms:
                    found.setdefault(key, []).append(self._record(spec, Entity(raw, None)))
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}  # no origin marker without user-defined fields

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None  # no field carries our origin marker

    def _writable(self, entity: str) -> Spec:
        spec = self._spec(entity)
        if not spec.writable:
            raise PermanentError(f"SAP Business One {entity} cannot be written through this connector")
        return spec

    def _body(self, spec: Spec, payload: Mapping[str, Any]) -> dict[str, Any]:
        body = as_service(spec.entity_set, native(spec, payload), self.options.service_account)
        if spec.name == "clients" and self.options.customers_only:
            body.setdefault("CardType", "cCustomer")
        return body

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        spec = self._writable(entity)
        body = self._body(spec, payload)
        try:
            created = self._sl.create(spec.entity_set, body, f"the create of {entity}")
        except PermanentError as exc:
            raise self._duplicate(spec, body, exc) or refined(exc, f"the create of {entity}") from exc
        except ConnectorError as exc:
            raise refined(exc, f"the create of {entity}") from exc
        return self._record(spec, created)

    def _duplicate(self, spec: Spec, body: Mapping[str, Any], exc: PermanentError) -> DuplicateError | None:
        """A DuplicateError when the refused create's key is already held (found by looking it up)."""
        if exc.status != 400 or spec.numeric_key or body.get(spec.key) in (None, ""):
            return None
        try:
            held = self.get_many(spec.name, [str(body[spec.key])])
        except ERPSyncError:
            return None
        if not held:
            return None
        return DuplicateError(f"SAP Business One already holds {spec.name} {spec.key} {body[spec.key]!r}: "
                              f"{exc.details or exc.message}", existing_id=str(body[spec.key]),
                              status=exc.status, details=exc.details)

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        """Creates in `$batch` changesets of `batch_size`; a changeset that fails is rolled back by the
        server, and its records are then sent one by one so one bad record does not fail its neighbours."""
        spec = self._writable(entity)
        results: list[BatchItemResult] = []
        offset = 0
        for chunk in chunked(payloads, self.options.batch_size):
            results += self._changeset(spec, chunk, offset)
            offset += len(chunk)
        return results

    def _changeset(self, spec: Spec, chunk: list[Mapping[str, Any]], offset: int) -> list[BatchItemResult]:
        path = self._sl.path(spec.entity_set)
        requests = [batch.SubRequest("POST", path, self._body(spec, p)) for p in chunk]
        what = f"the batch create of {spec.name}"
        try:
            reply = self._sl.batch(requests, what)
        except _FATAL:
            raise
        except OutcomeUnknownError as exc:
            return [BatchItemResult(index=offset + i, error=exc) for i in range(len(chunk))]
        except ConnectorError as exc:
            if exc.status is None or exc.status >= 500:
                raise refined(exc, what) from exc
            reply = batch.Reply(failed=True)  # the batch as a whole was refused: try the records alone
        if reply.failed:
            first = reply.parts[0] if reply.parts else None
            if first is not None:
                log.info("%s: %s; sending its %d records one by one", what,
                         error_for(first.status, first.body, what), len(chunk))
            return [self._one(spec, payload, offset + i) for i, payload in enumerate(chunk)]
        if len(reply.parts) != len(chunk):
            error = OutcomeUnknownError(f"malformed reply from SAP Business One for {what}: "
                                        f"{len(reply.parts)} answers to {len(chunk)} creates")
            return [BatchItemResult(index=offset + i, error=error) for i in range(len(chunk))]
        ordered = sorted(reply.parts, key=lambda p: int(p.content_id) if p.content_id and p.content_id.isdigit() else 0)
        results = []
        for i, part in enumerate(ordered):
            if part.status >= 300:
                results.append(BatchItemResult(index=offset + i, error=error_for(part.status, part.body, what)))
                continue
            try:
                raw = part.json()
                record = self._record(spec, Entity(raw, part.headers.get("etag")))
            except (ValueError, RecursionError, PermanentError, AttributeError):
                results.append(BatchItemResult(index=offset + i, error=OutcomeUnknownError(
                    f"malformed reply from SAP Business One for {what}: item {i + 1} is not an entity")))
                continue
            results.append(BatchItemResult(index=offset + i, record=record))
        return results

    def _one(self, spec: Spec, payload: Mapping[str, Any], index: int) -> BatchItemResult:
        try:
            return BatchItemResult(index=index, record=self.create(spec.name, payload))
        except _FATAL:
            raise
        except ERPSyncError as exc:
            return BatchItemResult(index=index, error=exc)

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        spec = self._writable(entity)
        body = {k: v for k, v in self._body(spec, payload).items() if k != spec.key}
        path = self._path(spec, record_id)
        what = f"the update of {entity} {record_id}"
        try:
            self._sl.patch(path, body, version)
        except StaleVersionError as exc:
            raise StaleVersionError(f"{entity} {record_id} changed in SAP Business One since it was read: "
                                    f"{exc.details or exc.message}", status=exc.status, details=exc.details,
                                    hint="it is read again on the next run") from exc
        except NotFoundError as exc:
            raise NotFoundError(f"{entity} {record_id} does not exist in SAP Business One", status=exc.status,
                                details=exc.details) from exc
        except ConnectorError as exc:
            raise refined(exc, what) from exc
        return self._record(spec, self._sl.get(path, what))

    def _path(self, spec: Spec, record_id: str) -> str:
        try:
            return odata.key_path(spec.entity_set, record_id, spec.numeric_key)
        except ValueError:
            raise NotFoundError(f"{spec.name} {record_id!r} is not a SAP Business One {spec.key}") from None

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        """DELETE of master data (a partner with transactions is refused by SAP, with its own message); a
        record already gone is no error: the delete's aim holds."""
        spec = self._spec(entity)
        if not spec.deletable:
            raise PermanentError(f"SAP Business One {entity} are not deleted through this connector",
                                 hint="close or cancel the document in SAP Business One")
        try:
            self._sl.delete(self._path(spec, record_id), version)
        except NotFoundError:
            return
        except ConnectorError as exc:
            raise refined(exc, f"the delete of {entity} {record_id}") from exc

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        """Marks the record inactive (Frozen = tYES), so no new document can use it; its history stays."""
        spec = self._spec(entity)
        if not spec.archivable:
            raise PermanentError(f"SAP Business One {entity} are not archived through this connector")
        return self.update(entity, record_id, {"Frozen": "tYES"}, version=version)

    # -- connection test -----------------------------------------------------------------------------
    def check(self) -> CheckResult:
        """Log in and read one business partner, once, without retries; never raises. An untrusted
        certificate is reported with its SHA-256 fingerprint, so a person can choose to trust it."""
        started = time.perf_counter()
        http: HttpClient | None = None
        self.untrusted_certificate = None
        try:
            http = self._build(no_retries) if self._owns_http else self._http
            return self._check(ServiceLayer(http, self._root, self.options, self.version), started)
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None and http is not self._http:
                http.close()

    def _check(self, sl: ServiceLayer, started: float) -> CheckResult:
        try:
            response = sl.http.get(sl.url("BusinessPartners", {"$select": "CardCode", "$top": "1"}))
        except AuthError as exc:
            said = f"{exc.details}; " if exc.details else ""
            return CheckResult(False, True, False, elapsed_ms(started),
                               f"SAP Business One refused the login: {said}{exc.hint or exc.message}")
        except RetryableError as exc:
            if exc.status is None and tls_verification_failed(exc):
                return self._untrusted(exc)
            if exc.status is not None:
                return CheckResult(False, True, False, elapsed_ms(started),
                                   f"SAP Business One answered with an error: {exc}")
            return CheckResult(False, False, False, None, f"SAP Business One cannot be reached: {exc}")
        except ConfigError as exc:
            return CheckResult(False, False, False, None, str(exc))
        except ConnectorError as exc:
            return CheckResult(False, True, False, elapsed_ms(started),
                               f"SAP Business One answered with an error: {exc}")
        latency = sl.http.last_latency_ms if sl.http.last_latency_ms is not None else elapsed_ms(started)
        version = getattr(self._auth.auth if self._auth else None, "server_version", None)
        company = (self.endpoint.options or {}).get("company_db")
        server = "SAP Business One Service Layer " + self.version + (f" {version}" if version else "")
        where = f" company {company}" if company else ""
        return CheckResult(True, True, True, latency, f"Connected to SAP Business One{where} in {latency:.0f} ms",
                           server=server, server_time=date_header(response.headers.get("Date")))

    def _untrusted(self, exc: RetryableError) -> CheckResult:
        url = self._sl.root
        fingerprint = peer_fingerprint(url.host, url.port or 443, timeout=min(self.endpoint.timeout, CHECK_TIMEOUT))
        self.untrusted_certificate = fingerprint
        shown = fingerprint or "unknown"
        return CheckResult(False, True, False, None,
                           f"The server's certificate is not trusted (SHA-256 {shown}): give a CA bundle, or "
                           "trust this certificate", details=(f"certificate_sha256: {shown}", str(exc)))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()


def _type_of(name: str) -> str:
    if name in NUMERIC or name.endswith(("Total", "Sum", "Quantity", "OnStock", "Rate")) or name.startswith("Price"):
        return "number"
    if name.endswith("Date"):
        return "date"
    return "text"
