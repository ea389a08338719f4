"""The TallyPrime connector (XML over HTTP, port 9000 by default).

Entities (product name: Tally object, natural keys; record shape in entities.py):
  clients         Ledgers under Sundry Debtors (option debtors_group) and its sub-groups; NAME, PARTYGSTIN, EMAIL
  products        StockItems; NAME            product_groups  StockGroups; NAME
  units           Units; NAME (the symbol)    warehouses      Godowns; NAME
  invoices        Vouchers of type Sales; VOUCHERNUMBER, REFERENCE
  orders          Vouchers of type Sales Order; VOUCHERNUMBER, REFERENCE
  payments        Vouchers of type Receipt; VOUCHERNUMBER, REFERENCE
Ids are GUIDs, versions ALTERIDs. Changes are the objects whose ALTERID is above the cursor (a collection
filter `$AlterID > N`); the cursor is the highest ALTERID read. Tally has no paging: masters come in one
export, vouchers in exports of `chunk_days` between from_date and to_date, and the pages are cut here.
Writes are imports with ACTION="Create" / "Alter"; each reply's CREATED/ALTERED/ERRORS counters and
LINEERROR lines are matched back to the records sent.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lxml import etree

from erpsync_gui.connectors.base import CheckResult, chunked, create_each
from erpsync_gui.connectors.check_kit import no_retries
from erpsync_gui.connectors.tally import reply, vouchers
from erpsync_gui.connectors.tally.check import companies
from erpsync_gui.connectors.tally.client import TallyClient
from erpsync_gui.connectors.tally.entities import SPECS, Spec, to_data, writable
from erpsync_gui.connectors.tally.envelope import Collection, ImportObject, tdl_string
from erpsync_gui.connectors.tally.masters import Masters
from erpsync_gui.connectors.tally.options import TallyOptions, read_options
from erpsync_gui.errors import (
    ConfigError,
    ConnectorError,
    DuplicateError,
    MappingError,
    NotFoundError,
    PermanentError,
    StaleVersionError,
)
from erpsync_gui.http import HttpClient
from erpsync_gui.http.auth_factory import endpoint_client, endpoint_store
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)
DEFAULT_URL = "http://localhost:9000"
MAX_ID = 200
_GUID = re.compile(r"^[\w-]{1,200}$")
_FIELD = re.compile(r"^[A-Z][A-Z0-9]*$")


class TallyConnector:
    """Connector for TallyPrime's XML interface."""

    kind = "tally"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.options: TallyOptions = read_options(endpoint.options or {})
        self._url = (endpoint.url or "").strip() or DEFAULT_URL
        self._secrets = endpoint_store(endpoint, secrets)
        self._owns_http = http is None
        self._http = http if http is not None else endpoint_client(endpoint, self._secrets, base_url=self._url)
        self._tally = TallyClient(self._http, self.options)
        #: the party ledgers and stock items vouchers name, by GUID and NAME (vouchers.py)
        self._masters = Masters(self.get_many, self.find_by_keys)

    def _spec(self, entity: str) -> Spec:
        spec = SPECS.get(entity)
        if spec is None:
            raise ConfigError(f"Tally has no entity {entity!r} here", hint=f"use one of {', '.join(SPECS)}")
        return spec

    # -- reading -----------------------------------------------------------------------------------------
    def _collection(self, spec: Spec, formula: str | None, span: tuple[date, date] | None = None) -> Collection:
        parts = [formula] if formula else []
        if spec.voucher_type is not None:
            parts.insert(0, f"$VoucherTypeName = {tdl_string(getattr(self.options, spec.voucher_type))}")
        joined = " AND ".join(f"({p})" for p in parts) if len(parts) > 1 else (parts[0] if parts else None)
        return Collection(spec.type, spec.fetch, joined, self.options.debtors_group if spec.under_debtors else None,
                          span[0] if span else None, span[1] if span else None)

    def _window(self) -> tuple[date, date]:
        today = datetime.now(UTC).date()
        return (self.options.from_date or today - timedelta(days=730),
                self.options.to_date or today + timedelta(days=365))

    def _spans(self) -> Iterator[tuple[date, date]]:
        start, end = self._window()
        while start <= end:
            stop = min(end, start + timedelta(days=self.options.chunk_days - 1))
            yield start, stop
            start = stop + timedelta(days=1)

    def _export(self, spec: Spec, formula: str | None, *, chunks: bool = True) -> list[Record]:
        """Every object of `spec` the formula selects (vouchers over the whole date window)."""
        if not spec.voucher:
            return self._records(spec, self._tally.export(self._collection(spec, formula), spec.name))
        spans = list(self._spans()) if chunks else [self._window()]
        found: dict[str, Record] = {}
        for span in spans:
            for record in self._records(spec, self._tally.export(self._collection(spec, formula, span), spec.name)):
                found[record.id] = record
        # the ledgers and stock items all these vouchers name, read in batches, then each voucher in our terms
        vouchers.prefetch(spec, [r.data for r in found.values()], self._masters)
        return [Record(id=r.id, data=vouchers.read(spec, dict(r.data), self._masters), version=r.version)
                for r in found.values()]

    def _records(self, spec: Spec, root: etree._Element) -> list[Record]:
        out = []
        for node in reply.objects(root, spec.tag):
            data = to_data(spec, node)
            guid = data.get("GUID")
            if not isinstance(guid, str) or not guid or len(guid) > MAX_ID:
                raise PermanentError(f"malformed reply from Tally for {spec.name} at {self._url}: an object "
                                     "without a GUID")
            alter = data.get("ALTERID")
            out.append(Record(id=guid, data=data, version=str(alter) if alter is not None else None))
        return out

    # -- the Connector protocol ------------------------------------------------------------------------
    def entities(self) -> Sequence[str]:
        return list(SPECS)

    def capabilities(self, entity: str) -> Capabilities:
        spec = self._spec(entity)
        return Capabilities(cursor=True, batch=not spec.voucher)

    def describe(self, entity: str) -> EntityInfo:
        """The fields read (Tally's own tag names) and the natural keys."""
        spec = self._spec(entity)
        fields = []
        for method in spec.fetch:
            tag = method.upper()
            if tag in ("ALLINVENTORYENTRIES", "ALLLEDGERENTRIES"):
                continue
            kind = "number" if tag in spec.amounts or tag in ("MASTERID", "ALTERID") else (
                "date" if tag == "DATE" else "text")
            fields.append(FieldInfo(tag, kind, required=tag == "NAME" or (tag == "DATE" and spec.voucher),
                                    label=f"{spec.type}.{method}"))
        fields += [FieldInfo(key, "list", label=f"{spec.type}: {tag}") for key, tag in spec.lists.items()]
        if spec.voucher:  # what the connector reads beside Tally's own tags (vouchers.py)
            fields += [FieldInfo("party_id", "text", label="the party ledger's GUID"),
                       FieldInfo("total", "number", label="the party's amount")]
        return EntityInfo(spec.name, tuple(fields), has_cursor=True, key_fields=spec.natural_keys)

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        spec = self._spec(entity)
        self._masters.clear()  # a run starts reading: names are read afresh
        if cursor is not None and not cursor.isdigit():
            raise ConfigError(f"the stored Tally cursor {cursor!r} is not an ALTERID",
                              hint="run a full sync of this entity to start a new cursor")
        return self._changes(spec, int(cursor) if cursor else None, max(1, page_size))

    def _changes(self, spec: Spec, after: int | None, size: int) -> Iterator[Page]:
        formula = f"$AlterID > {after}" if after is not None else None
        records = sorted(self._export(spec, formula), key=lambda r: (_alter(r), r.id))
        full = after is None and not spec.voucher
        if not records:
            yield Page((), cursor=None, complete=full)
            return
        newest = after
        pages = list(chunked(records, size))
        for number, page in enumerate(pages, start=1):
            # every record with a lower ALTERID is in this page or an earlier one: the whole set was read first
            newest = max([newest or 0, *(_alter(r) for r in page)])
            yield Page(tuple(page), cursor=str(newest), complete=full and number == len(pages))

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        spec = self._spec(entity)
        wanted = [i for i in dict.fromkeys(str(i) for i in ids) if _GUID.match(i)]
        found: dict[str, Record] = {}
        for chunk in chunked(wanted, self.options.lookup_chunk):
            formula = " OR ".join(f'$GUID = "{guid}"' for guid in chunk)
            found.update((r.id, r) for r in self._export(spec, formula, chunks=False) if r.id in chunk)
        return {i: found[i] for i in wanted if i in found}

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        spec = self._spec(entity)
        forms = {str(v): str(v) for v in values if v is not None and str(v) != ""}
        literals = [tdl_string(v) for v in forms]
        records: list[Record] = []
        if _FIELD.match(field) and all(literals):
            for chunk in chunked(literals, self.options.lookup_chunk):
                records += self._export(spec, " OR ".join(f"${field} = {lit}" for lit in chunk), chunks=False)
        elif forms:  # a value TDL cannot quote: read them all and compare here
            records = self._export(spec, None, chunks=False)
        # Tally compares names without regard to case
        folded = {k.casefold(): k for k in forms}
        found: dict[str, list[Record]] = {}
        for record in records:
            key = folded.get(str(record.data.get(field, "")).casefold())
            if key is not None and record not in found.get(key, []):
                found.setdefault(key, []).append(record)
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None  # no field carries our origin marker

    # -- writing ---------------------------------------------------------------------------------------
    def _object(self, spec: Spec, payload: Mapping[str, Any], action: str, current: Record | None = None,
                ) -> ImportObject:
        fields = writable(payload)
        if spec.voucher_type is not None:
            fields = vouchers.write(spec, fields, self._masters, self.options.sales_ledger, current)
            vtype = getattr(self.options, spec.voucher_type)
            fields = {"VOUCHERTYPENAME": vtype, **fields}
            if isinstance(fields.get("DATE"), str):
                fields["DATE"] = fields["DATE"].replace("-", "")
            attrs = {"VCHTYPE": vtype, "ACTION": action}
            if current is not None:
                attrs["REMOTEID"] = current.id
            return ImportObject(spec.tag, attrs, fields, spec.lists)
        if spec.under_debtors and action == "Create":
            fields.setdefault("PARENT", self.options.debtors_group)
        name = str(current.data.get("NAME")) if current is not None else str(fields.get("NAME") or "")
        if not name:
            raise MappingError(f"a Tally {spec.name} record needs a NAME", field="NAME")
        return ImportObject(spec.tag, {"NAME": name, "ACTION": action}, fields, {})

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        spec = self._spec(entity)
        if not spec.voucher:
            result = self.create_many(entity, [payload])[0]
            if result.error is not None:
                raise result.error
            assert result.record is not None
            return result.record
        imported = self._tally.import_(spec.report, [self._object(spec, payload, "Create")], f"the create of {entity}")
        if imported.created != 1 or imported.errors:
            raise _refusal(f"the create of {entity}", imported.line_errors)
        if imported.last_voucher_id is None:
            raise PermanentError(f"malformed reply from Tally for the create of {entity}: no LASTVCHID")
        made = self._export(spec, f"$MasterID = {imported.last_voucher_id}", chunks=False)
        if not made:
            raise PermanentError(f"Tally created the {entity} voucher {imported.last_voucher_id} but it cannot be "
                                 "read back", hint="check the from_date/to_date window")
        return made[0]

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        """Masters are imported `batch_size` at a time; each reply's line errors are matched back to the
        records that were not created (read back by NAME); vouchers are created one by one, each reply
        naming its own voucher (LASTVCHID)."""
        spec = self._spec(entity)
        if spec.voucher:
            return create_each(self, entity, payloads, origins, txn_id)
        self._masters.clear()  # a name read before may be taken now
        results: dict[int, BatchItemResult] = {}
        for chunk in chunked(list(enumerate(payloads)), self.options.batch_size):
            results.update(self._create_masters(spec, chunk))
        return [results[i] for i in range(len(payloads))]

    def _create_masters(self, spec: Spec, items: list[tuple[int, Mapping[str, Any]]]) -> dict[int, BatchItemResult]:
        out: dict[int, BatchItemResult] = {}
        send: list[tuple[int, str, ImportObject]] = []
        seen: set[str] = set()
        for index, payload in items:
            try:
                obj = self._object(spec, payload, "Create")
            except MappingError as exc:
                out[index] = BatchItemResult(index=index, error=exc)
                continue
            name = obj.attributes["NAME"]
            if name.casefold() in seen:
                out[index] = BatchItemResult(index=index, error=DuplicateError(
                    f"two {spec.name} records in one batch are both named {name!r}"))
                continue
            seen.add(name.casefold())
            send.append((index, name, obj))
        held = self.find_by_keys(spec.name, "NAME", [name for _i, name, _o in send])
        fresh = []
        for index, name, obj in send:
            if name in held:  # Tally would alter it silently: report the name as taken instead
                out[index] = BatchItemResult(index=index, error=DuplicateError(
                    f"Tally already holds a {spec.name} named {name!r}", existing_id=held[name][0].id))
            else:
                fresh.append((index, name, obj))
        if not fresh:
            return out
        result = self._tally.import_(spec.report, [o for _i, _n, o in fresh], f"the create of {spec.name}")
        made = self.find_by_keys(spec.name, "NAME", [name for _i, name, _o in fresh])
        failed = [(i, n, o) for i, n, o in fresh if n not in made]
        for index, name, _obj in fresh:
            if name in made:
                out[index] = BatchItemResult(index=index, record=made[name][0])
        if len(failed) == len(result.line_errors):
            # Tally answers the line errors in the order of the objects sent
            for (index, _name, _obj), text in zip(failed, result.line_errors, strict=True):
                out[index] = BatchItemResult(index=index, error=_refusal(f"the create of {spec.name}", (text,)))
        else:  # the errors cannot be told apart: send each failed record alone to hear its own
            for index, _name, obj in failed:
                out[index] = self._alone(spec, index, obj)
        return out

    def _alone(self, spec: Spec, index: int, obj: ImportObject) -> BatchItemResult:
        name = obj.attributes["NAME"]
        try:
            result = self._tally.import_(spec.report, [obj], f"the create of {spec.name} {name}")
            made = self.find_by_keys(spec.name, "NAME", [name]).get(name)
        except (ConfigError, ConnectorError) as exc:
            return BatchItemResult(index=index, error=exc)
        if made:
            return BatchItemResult(index=index, record=made[0])
        return BatchItemResult(index=index, error=_refusal(f"the create of {spec.name}", result.line_errors))

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        spec = self._spec(entity)
        if not spec.voucher:
            self._masters.clear()  # a ledger or stock item may be renamed
        current = self.get_many(entity, [record_id]).get(record_id)
        if current is None:
            raise NotFoundError(f"{entity} {record_id} does not exist in Tally")
        if version is not None and current.version != str(version):
            raise StaleVersionError(f"{entity} {record_id} changed in Tally since it was read "
                                    f"(ALTERID {version}, now {current.version})",
                                    hint="it is read again on the next run")
        what = f"the update of {entity} {current.data.get('NAME') or record_id}"
        result = self._tally.import_(spec.report, [self._object(spec, payload, "Alter", current)], what)
        if result.errors or (result.altered + result.created) < 1:
            raise _refusal(what, result.line_errors)
        after = self.get_many(entity, [record_id]).get(record_id)
        if after is None:
            raise PermanentError(f"Tally altered {entity} {record_id} but it cannot be read back")
        return after

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        raise PermanentError(f"Tally {entity} are not deleted through this connector")

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        raise PermanentError(f"Tally {entity} are not archived through this connector")

    # -- connection test ---------------------------------------------------------------------------------
    def check(self) -> CheckResult:
        """Ask Tally for its open companies, once, without retries; never raises."""
        started = time.perf_counter()
        http: HttpClient | None = None
        try:
            http = endpoint_client(self.endpoint, self._secrets, base_url=self._url, settings=no_retries) \
                if self._owns_http else self._http
            return companies(TallyClient(http, self.options), started, self.options.company)
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None and http is not self._http:
                http.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()


def _refusal(what: str, errors: Sequence[str]) -> PermanentError:
    text = "; ".join(errors) if errors else "it answered no line error and changed nothing"
    return PermanentError(f"Tally refused {what}: {text}", details=errors[0] if errors else None)


def _alter(record: Record) -> int:
    value = record.data.get("ALTERID")
    return value if isinstance(value, int) else 0
