"""The Siagh (سیاق) finance connector: contacts as `clients`, sales pre-invoices as `orders`.

What Siagh offers, and what the connector does where it offers nothing (the safe choice each time):
- Contacts come from one unpaged list with no modified date and no filter known to work server-side, so
  there is no cursor: every read is a complete read (the last page says `complete=True`) and changes are
  found by checksum against the link store. Looking records up by id or key reads the list again, streamed.
- A contact is written through form 2BFDA. An update sends the whole form (the contact as last read with
  the payload's fields on top): whether Siagh clears the columns a form leaves out is unknown, so none is
  left out. Contacts cannot be deleted (no call seen); archiving sets IsActive to 0.
- Pre-invoices can only be created (form 43D81): no list, get, update or delete of them was ever seen.
  `changes` reads none, and an edit of an already-sent quote is refused with a clear error instead of a
  second pre-invoice being created. A linked pre-invoice is handed to the engine as an empty record (it
  cannot be read), which makes a changed quote reach `update`, where that error is raised.
- A write whose reply saved but named no id cannot be linked: it is reported as an unknown outcome, and
  with no way to look a pre-invoice up again the engine then refuses to create it a second time.
- No origin marker: `tmpid` is sent empty (GetAll does not return it, so it could mark nothing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from erpsync_gui.connectors.base import CheckResult, create_each
from erpsync_gui.connectors.check_kit import elapsed_ms, no_retries
from erpsync_gui.connectors.siagh import contacts, pre_invoices
from erpsync_gui.connectors.siagh.auth import SiaghAuth, SiaghSession
from erpsync_gui.connectors.siagh.client import CONTACTS_PATH, SiaghClient
from erpsync_gui.connectors.siagh.forms import CONTACT_FORM, ctrl_values, form_body, refused
from erpsync_gui.connectors.siagh.options import SiaghOptions
from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    ERPSyncError,
    MissingSecretError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
)
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.auth_factory import AuthSetup, client_certificate, endpoint_client, endpoint_store
from erpsync_gui.mapping.jalali import from_jalali
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import BatchItemResult, Capabilities, EntityInfo, FieldInfo, Origin, Page, Record

log = logging.getLogger(__name__)

CLIENTS = "clients"
ORDERS = "orders"
#: contacts read by id are kept this long at most for the update that follows (the whole form is sent)
_RECENT_MAX = 2000
_NO_PRE_INVOICE_UPDATE = ("Siagh offers no update of pre-invoices: pre-invoice {id} stays as it was sent; "
                          "change it in Siagh by hand")


class SiaghConnector:
    """Connector for Siagh's web API (GeneralApi, api/Sgh and BpmsApi)."""

    kind = "siagh"

    def __init__(self, endpoint: EndpointConfig, secrets: Mapping[str, str], http: HttpClient | None = None) -> None:
        self.endpoint = endpoint
        self.options = SiaghOptions.from_options(endpoint.options)
        self._secrets = endpoint_store(endpoint, secrets)
        password = self._secrets.fetch("password")
        if not password:
            raise MissingSecretError("the secret erp.password of the Siagh endpoint is not set",
                                     hint="run `erpsync secret set erp.password` (the password itself, not its hash)")
        base = endpoint.url.strip()
        self._base = base if base.endswith("/") else base + "/"
        self._auth = SiaghAuth(self._base, self.options.username, password)
        self._owns_http = http is None
        self._check_auth_problem: AuthError | None = None
        self._http = http if http is not None else self._build()
        self.client = SiaghClient(self._http, self._auth, max_contacts=self.options.max_contacts)
        self._recent: dict[str, dict[str, Any]] = {}

    def _build(self, adjust: Callable[[HttpSettings], HttpSettings] | None = None) -> HttpClient:
        setup = AuthSetup(self._auth, client_certificate(self.endpoint, self._secrets))
        return endpoint_client(self.endpoint, self._secrets, base_url=self._base, auth=setup, settings=adjust,
                               owns_auth=adjust is None)

    @property
    def auth_problem(self) -> AuthError | None:
        return self._check_auth_problem or self._http.auth_problem

    @property
    def session(self) -> SiaghSession | None:
        """The last login's reply: fiscal year, Jalali system date (None before the first call)."""
        return self._auth.session

    # -- the Connector protocol ------------------------------------------------------------------
    def capabilities(self, entity: str) -> Capabilities:
        self._entity(entity)
        return Capabilities(cursor=False, archive=entity == CLIENTS)

    def entities(self) -> Sequence[str]:
        return [CLIENTS, ORDERS]

    def describe(self, entity: str) -> EntityInfo:
        if self._entity(entity) == CLIENTS:
            return EntityInfo(CLIENTS, contacts.READ_FIELDS, has_cursor=False, key_fields=contacts.KEY_FIELDS)
        header = tuple(FieldInfo(c, "text", required=c in pre_invoices.REQUIRED) for c in pre_invoices.HEADER_ORDER)
        return EntityInfo(ORDERS, (*header, FieldInfo(pre_invoices.LINES, "list", required=True)))

    def changes(self, entity: str, cursor: str | None, page_size: int) -> Iterator[Page]:
        """Every contact, in pages, the last one `complete`; no pre-invoices (Siagh lists none)."""
        if self._entity(entity) == ORDERS:
            log.warning("Siagh offers no list of pre-invoices: none are read (they are only written)")
            return iter(())
        return self._contact_pages(max(1, min(page_size, self.options.page_size_max)))

    def _contact_pages(self, size: int) -> Iterator[Page]:
        url = f"{self._base}{CONTACTS_PATH}"
        page: list[Record] = []
        ready: list[Record] | None = None
        for row in self.client.contacts():
            page.append(contacts.to_record(row, url))
            if len(page) >= size:
                if ready is not None:
                    yield Page(tuple(ready))
                ready, page = page, []
        if ready is not None and page:
            yield Page(tuple(ready))
            ready = None
        yield Page(tuple(ready if ready is not None else page), complete=True)

    def get_many(self, entity: str, ids: Sequence[str]) -> dict[str, Record]:
        wanted = {str(i) for i in ids}
        if self._entity(entity) == ORDERS:
            # unreadable: an empty record stands for each (see the module docstring)
            return {i: Record(id=i, data={}) for i in wanted}
        found = self._scan(lambda record: record.id in wanted, stop_after=len(wanted))
        if len(self._recent) > _RECENT_MAX:
            self._recent.clear()
        self._recent.update((r.id, dict(r.data)) for r in found)
        return {r.id: r for r in found}

    def find_by_keys(self, entity: str, field: str, values: Sequence[Any]) -> dict[str, list[Record]]:
        if self._entity(entity) == ORDERS:
            return {}
        wanted = {str(v).strip() for v in values if v is not None and str(v).strip()}
        if not wanted:
            return {}
        found: dict[str, list[Record]] = {}
        for record in self._scan(lambda r: _key(r.data.get(field)) in wanted):
            found.setdefault(_key(record.data.get(field)) or "", []).append(record)
        return found

    def find_by_origin(self, entity: str, channel: str, source_ids: Sequence[str]) -> dict[str, Record]:
        return {}

    def origin_of(self, entity: str, record: Record) -> Origin | None:
        return None  # no field carries our origin marker

    def _scan(self, keep: Callable[[Record], bool], stop_after: int | None = None) -> list[Record]:
        url = f"{self._base}{CONTACTS_PATH}"
        found: list[Record] = []
        rows = self.client.contacts()
        try:
            for row in rows:
                record = contacts.to_record(row, url)
                if keep(record):
                    found.append(record)
                    if stop_after is not None and len(found) >= stop_after:
                        break
        finally:
            rows.close()
        return found

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        if self._entity(entity) == ORDERS:
            return self._create_pre_invoice(payload)
        contacts.check_payload(payload)
        if not str(payload.get("Name") or "").strip():
            raise PermanentError("a Siagh contact needs a name (Name) to be created", hint="map a name to Name")
        pairs = [("NickName", "dbgrid1.#nickname#"), *contacts.form_pairs(payload, only_given=False), ("tmpid", "")]
        reply = self.client.save(form_body(CONTACT_FORM, ctrl_values(pairs), "CodeMain="), "the new contact")
        if not reply.saved:
            raise refused(reply, "the new contact")
        code = contacts.contact_id(reply.return_code)
        if code is None:
            raise OutcomeUnknownError("Siagh saved the new contact but answered no code, so it cannot be linked",
                                      hint="it is looked up by its natural key before it is sent again")
        return Record(id=code, data=contacts.written({}, payload, code))

    def _create_pre_invoice(self, payload: Mapping[str, Any]) -> Record:
        session = self.client.session()
        header = pre_invoices.header_of(payload, self.options.pre_invoice, session.fiscal_year)
        lines = pre_invoices.lines_of(payload)
        reply = self.client.save(pre_invoices.request_body(header, lines), "the new pre-invoice")
        if not reply.saved:
            raise refused(reply, "the new pre-invoice")
        number = reply.document_number()
        record_id = reply.return_code or number
        if not record_id:
            raise OutcomeUnknownError("Siagh saved the pre-invoice but answered neither its id nor its number",
                                      hint="look for it in Siagh; it is not sent again")
        data = {**header, pre_invoices.LINES: lines, "number": number or "", "ReturnCode": reply.return_code}
        return Record(id=record_id, data=data)

    def create_many(self, entity: str, payloads: Sequence[Mapping[str, Any]], *,
                    origins: Sequence[Origin | None] | None = None,
                    txn_id: str | None = None) -> list[BatchItemResult]:
        return create_each(self, entity, payloads, origins, txn_id)

    def update(self, entity: str, record_id: str, payload: Mapping[str, Any], *,
               version: str | None = None, txn_id: str | None = None) -> Record:
        if self._entity(entity) == ORDERS:
            raise PermanentError(_NO_PRE_INVOICE_UPDATE.format(id=record_id))
        contacts.check_payload(payload)
        current = self._recent.pop(str(record_id), None)
        if current is None:
            found = self.get_many(CLIENTS, [record_id]).get(str(record_id))
            self._recent.pop(str(record_id), None)
            if found is None:
                raise NotFoundError(f"clients {record_id} does not exist in Siagh")
            current = dict(found.data)
        merged = {**current, **payload}
        pairs = [("Param1", record_id), *contacts.form_pairs(merged, only_given=False)]
        what = f"the update of contact {record_id}"
        reply = self.client.save(form_body(CONTACT_FORM, ctrl_values(pairs), f"CodeMain={record_id}"), what)
        if not reply.saved:
            raise refused(reply, what)
        code = contacts.contact_id(reply.return_code) or str(record_id)
        if code != str(record_id):
            raise PermanentError(f"Siagh saved contact {record_id} as a new contact {code} instead of updating it",
                                 hint=f"remove the duplicate contact {code} in Siagh; {record_id} is unchanged")
        return Record(id=code, data=contacts.written(current, payload, code))

    def delete(self, entity: str, record_id: str, *, version: str | None = None) -> None:
        what = "pre-invoices" if self._entity(entity) == ORDERS else "contacts"
        raise PermanentError(f"Siagh offers no delete of {what}: {record_id} stays",
                             hint="archive the contact instead (IsActive 0), or delete it in Siagh by hand")

    def archive(self, entity: str, record_id: str, *, version: str | None = None) -> Record:
        if self._entity(entity) == ORDERS:
            raise PermanentError(_NO_PRE_INVOICE_UPDATE.format(id=record_id))
        return self.update(CLIENTS, record_id, {"IsActive": False})

    def check(self) -> CheckResult:
        """Log in once (no retries) and report the user, the fiscal year and the server's date; never raises."""
        started = time.perf_counter()
        http: HttpClient | None = None
        self._check_auth_problem = None
        try:
            http = self._build(no_retries) if self._owns_http else self._http
            session = SiaghClient(http, self._auth, max_contacts=1).login()
        except AuthError as exc:
            self._check_auth_problem = exc
            return CheckResult(False, True, False, elapsed_ms(started), f"Siagh refused the login: {exc.message}")
        except ConfigError as exc:
            return CheckResult(False, False, False, None, str(exc))
        except ERPSyncError as exc:
            reachable = getattr(exc, "status", None) is not None
            what = "Siagh answered with an error" if reachable else "Siagh cannot be reached"
            return CheckResult(False, reachable, False, elapsed_ms(started) if reachable else None, f"{what}: {exc}")
        except Exception as exc:  # the contract: a connection test reports, it does not raise
            log.debug("Siagh connection check failed", exc_info=True)
            return CheckResult(False, False, False, None, f"Connection test failed: {exc}")
        finally:
            if http is not None and http is not self._http:
                http.close()
        latency = http.last_latency_ms if http.last_latency_ms is not None else elapsed_ms(started)
        details = tuple(line for line in (
            f"user: {session.user_name}" if session.user_name else None,
            f"branch: {session.branch_name}" if session.branch_name else None,
            f"fiscal year: {session.fiscal_year}" if session.fiscal_year else None,
            f"system date: {session.system_date} {session.system_time or ''}".rstrip() if session.system_date else None,
        ) if line)
        server = f"Siagh, fiscal year {session.fiscal_year}" if session.fiscal_year else "Siagh"
        return CheckResult(True, True, True, latency, f"Connected to Siagh in {latency:.0f} ms", server,
                           self._server_time(session), details)

    def _server_time(self, session: SiaghSession) -> datetime | None:
        """The server's clock from its Jalali SystemDate and SystemTime, in the configured zone."""
        if not session.system_date:
            return None
        try:
            day = from_jalali(session.system_date)
            hour, _, minute = (session.system_time or "00:00").partition(":")
            zone = ZoneInfo(self.options.time_zone)
            return datetime(day.year, day.month, day.day, int(hour), int(minute or 0), tzinfo=zone)
        except (ValueError, ZoneInfoNotFoundError):
            return None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _entity(entity: str) -> str:
        if entity not in (CLIENTS, ORDERS):
            raise ConfigError(f"Siagh has no entity {entity!r}",
                              hint="Siagh offers clients (contacts) and orders (sales pre-invoices)")
        return entity


def _key(value: Any) -> str | None:
    """A field value as find_by_keys compares it: the text, stripped; numbers without trailing zeros."""
    if value is None or isinstance(value, bool):
        return None
    return contacts.contact_id(value) if not isinstance(value, str) else (value.strip() or None)
