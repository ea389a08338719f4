"""A fake SAP Business One Service Layer: a stateful HTTPS server on 127.0.0.1 serving /b1s/v1 (OData v3)
and /b1s/v2 (OData v4) over the same company data, with a freshly made self-signed certificate.

What it does, and the source of each behaviour (SAP's "Working with SAP Business One Service Layer" user
guide, https://help.sap.com/doc/fc2f5477516c404c8bf9ad1315a17238/10.0/en-US/Working_with_SAP_Business_One_Service_Layer.pdf,
cited as [guide]; SAP's "OData Client for Service Layer" guide with captured v2 traffic,
https://help.sap.com/doc/138a52ba164b4c3197ff4d19621400a3/10.0/en-US/4e330dc617254c4e942ba42116bff90c.pdf, as [client]):
- POST /Login {CompanyDB, UserName, Password} answers SessionId, Version (a string), SessionTimeout
  (minutes) and sets `B1SESSION=<id>;HttpOnly;` (no Path, trailing semicolon, as seen on a real server)
  and `ROUTEID=.node1; path=/b1s` [guide p.15]. Every other call needs the B1SESSION cookie; a missing,
  unknown or idle-expired session answers 401 {"error":{"code":301,"message":{"lang":"en-us","value":
  "Invalid session or session already timeout."}}} [guide §3.1.1]. POST /Logout answers 204 [guide p.15].
- Collections page by the server: 20 records unless `Prefer: odata.maxpagesize=N` or `B1S-PageSize: N`
  asks otherwise (answered with Preference-Applied); the next page is named by `odata.nextLink` (v1) or
  `@odata.nextLink` (v2) as a host-relative link with $skip [guide §3.7.6]. $select, $filter (eq ne gt ge
  lt le, and, or, parentheses), $orderby, $top, $skip [guide §3.7]. A time literal compares to the minute
  only [guide §3.7.5].
- POST creates answer 201 with the entity, ETag and Location [guide §3.5.1, §5.2.1]; PATCH answers 204
  and merges collections [guide §3.5.3]; DELETE /BusinessPartners('c1') answers 204, a document's DELETE
  400 -5006 "The requested action is not supported for this object." [guide §3.5.4]; a document is of items
  (DocType dDocument_Items, the default, each line with its ItemCode: "Item number is missing; specify an item
  number [DocumentLines.ItemCode][line: 4]", seen on a real v1 server) or of services (dDocument_Service, each
  line an ItemDescription booked to a G/L account, AccountCode, for its LineTotal; the line fields are in the
  guide's document sample [guide §3.6], the service form in many clients' payloads); a created document gets
  the LineTotal and DocTotal SAP computes; a stale If-Match
  answers 412 with code -2039 [guide §5]; a missing key 404 with -2028; a taken key 400 with -10 [guide §3.5.1].
- POST /$batch with one changeset: run in order, all-or-nothing; on a failure the changeset is rolled
  back and the reply holds one plain application/http part with that error [guide §3.10]; 202 in v1,
  200 in v2; Content-ID is required on every changeset request in v2 [guide §3.10]; the reply repeats it
  in the part headers, before the status line [client §9.2.1].
- Error bodies: v1 {"error":{"code":<int>,"message":{"lang","value"}}}, v2 {"error":{"code":"<string>",
  "details":[{"code":"","message":""}],"message":"..."}} [guide §3.5.1; v2 shape from a client's captured
  fixture and the guide's 412 example].
UNVERIFIED, chosen here: the 401 for a failed login (code 100000027 "Login failed" is from a hosted B1
page); v2 answers the 301 error in its own shape; collection entries carry `@odata.etag` in v2 only;
the missing-Content-ID error text; entity fields of ItemGroups, Warehouses and IncomingPayments; how a
PATCH matches collection lines (here: by LineNum / InternalCode, else appended); DELETE of Items as of
BusinessPartners; a partner used in documents refused with 400 -10 and this fake's own words; archiving
as `Frozen = tYES` (the client's "Inactive"); the words of the refusal of a service line without AccountCode
("Enter a G/L account", with the "[DocumentLines.AccountCode][line: N]" suffix clients strip from SAP's
messages); that a service line keeps the Quantity and UnitPrice it was sent.

Test helpers act as a person in SAP would (`add`, `edit`, `get`, `records`, `bulk_add`), and fault
switches: `expire_sessions()`, `expire_after(n)`, `reject(entity_set, field, value, message)`,
`after_page` (a callback after each collection page is served).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import ssl
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes.sap_b1_http import Server
from tests.fakes.sap_b1_wire import DOCS, KEYS, LINE_KEYS, STALE, FakeError, certificate, compile_filter

COMPANY, USER, PASSWORD = "SBODEMOUS", "manager", "B1-manager-pw!"


class SapB1Fake:
    """The server and the company's data; `url(version)` is a service root."""

    def __init__(self, *, tls: bool = True, timezone: str = "Europe/Berlin", session_minutes: int = 30,
                 clock: Callable[[], datetime.datetime] | None = None) -> None:
        self.zone = ZoneInfo(timezone)
        self.session_minutes = session_minutes
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self.lock = threading.RLock()
        self.data: dict[str, dict[Any, dict]] = {name: {} for name in KEYS}
        self.versions: dict[tuple[str, Any], int] = {}
        self.sessions: dict[str, datetime.datetime] = {}
        self.logins: list[dict] = []
        self.logouts = 0
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.counters = {"DocEntry": 0, "DocNum": 0, "InternalCode": 0}
        self.rejections: list[tuple[str, str, Any, str]] = []
        self.after_page: Callable[[int], None] | None = None
        self._expire_in: int | None = None
        self._pages = 0
        self._dir = tempfile.TemporaryDirectory(prefix="sapb1-fake-")
        self.cert_file = self.key_file = None
        server = Server(self)
        if tls:
            self.cert_file, self.key_file = certificate(Path(self._dir.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.cert_file), str(self.key_file))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        for code, name in (("01", "General"), ("02", "Store")):
            self.add("Warehouses", {"WarehouseCode": code, "WarehouseName": name, "Inactive": "tNO"})
        self.add("ItemGroups", {"Number": 100, "GroupName": "Items"})

    def url(self, version: str = "v2") -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}/b1s/{version}/"

    @property
    def fingerprint(self) -> str:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        der = x509.load_pem_x509_certificate(Path(self.cert_file).read_bytes()).public_bytes(serialization.Encoding.DER)
        digest = hashlib.sha256(der).hexdigest().upper()
        return ":".join(digest[i:i + 2] for i in range(0, 64, 2))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._dir.cleanup()

    def __enter__(self) -> SapB1Fake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers for tests: what a person in SAP would do -----------------------------------------------
    def _stamp(self, row: dict, *, created: bool = False) -> None:
        local = self.clock().astimezone(self.zone)
        row["UpdateDate"], row["UpdateTime"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        if created:
            row.setdefault("CreateDate", row["UpdateDate"])
            row.setdefault("CreateTime", row["UpdateTime"])

    def add(self, entity_set: str, row: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            row = copy.deepcopy(row)
            if entity_set in DOCS:
                self.counters["DocEntry"] += 1
                self.counters["DocNum"] += 1
                row.setdefault("DocEntry", self.counters["DocEntry"])
                row.setdefault("DocNum", self.counters["DocNum"])
                for number, line in enumerate(row.get("DocumentLines") or row.get("PaymentInvoices") or []):
                    line.setdefault("LineNum", number)
            for contact in row.get("ContactEmployees") or []:
                self.counters["InternalCode"] += 1
                contact.setdefault("InternalCode", self.counters["InternalCode"])
                contact.setdefault("CardCode", row.get("CardCode"))
            if entity_set not in ("ItemGroups", "Warehouses"):
                self._stamp(row, created=True)
            key = row[KEYS[entity_set]]
            self.data[entity_set][key] = row
            self.versions[(entity_set, key)] = 1
            return copy.deepcopy(row)

    def bulk_add(self, entity_set: str, rows: Iterator[dict[str, Any]]) -> None:
        for row in rows:
            self.add(entity_set, row)

    def edit(self, entity_set: str, key: Any, **fields: Any) -> None:
        with self.lock:
            row = self.data[entity_set][key]
            row.update(fields)
            if "UpdateDate" not in fields:
                self._stamp(row)
            self.versions[(entity_set, key)] += 1

    def get(self, entity_set: str, key: Any) -> dict[str, Any] | None:
        with self.lock:
            row = self.data[entity_set].get(key)
            return copy.deepcopy(row) if row is not None else None

    def records(self, entity_set: str) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(r) for r in self.data[entity_set].values()]

    def etag(self, entity_set: str, key: Any) -> str:
        digest = hashlib.sha1(f"{entity_set}:{key}:{self.versions[(entity_set, key)]}".encode()).hexdigest()
        return f'W/"{digest.upper()}"'

    # -- fault switches -----------------------------------------------------------------------------------
    def expire_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()

    def expire_after(self, requests: int) -> None:
        """Forget every session after `requests` more data requests (a timeout in the middle of a read)."""
        with self.lock:
            self._expire_in = requests

    def reject(self, entity_set: str, field: str, value: Any, message: str) -> None:
        """Creates of `entity_set` whose `field` is `value` fail with 400, code -10 and `message`."""
        with self.lock:
            self.rejections.append((entity_set, field, value, message))

    # -- the protocol ------------------------------------------------------------------------------------
    def session_ok(self, cookie: str | None) -> bool:
        cookies = dict(p.strip().split("=", 1) for p in (cookie or "").split(";") if "=" in p)
        with self.lock:
            if self._expire_in is not None:
                self._expire_in -= 1
                if self._expire_in < 0:
                    self.sessions.clear()
                    self._expire_in = None
            sid = cookies.get("B1SESSION")
            seen = self.sessions.get(sid or "")
            now = self.clock()
            if seen is None or now - seen > datetime.timedelta(minutes=self.session_minutes):
                self.sessions.pop(sid or "", None)
                return False
            self.sessions[sid] = now
            return True

    def login(self, body: dict) -> tuple[int, dict, str | None]:
        with self.lock:
            self.logins.append({k: v for k, v in body.items() if k != "Password"})
            if (body.get("CompanyDB"), body.get("UserName"), body.get("Password")) != (COMPANY, USER, PASSWORD):
                raise FakeError(401, 100000027, "Login failed")
            sid = str(uuid.uuid1())
            self.sessions[sid] = self.clock()
            return 200, {"SessionId": sid, "Version": "1000190", "SessionTimeout": self.session_minutes}, sid

    def collection(self, entity_set: str, query: dict[str, str], size: int) -> tuple[list[dict], int | None]:
        with self.lock:
            rows = list(self.data[entity_set].values())
            if "$filter" in query:
                test = compile_filter(query["$filter"])
                rows = [r for r in rows if test(r)]
            for term in reversed([t.strip() for t in query.get("$orderby", "").split(",") if t.strip()]):
                field, _, direction = term.partition(" ")
                rows.sort(key=lambda r, f=field: (r.get(f) is not None, r.get(f) or 0 if f in ("DocEntry", "DocNum",
                          "Number") else str(r.get(f) or "")), reverse=direction.strip() == "desc")
            skip = int(query.get("$skip", 0))
            top = int(query["$top"]) if "$top" in query else None
            end = len(rows) if top is None else min(len(rows), skip + top)
            page_end = min(end, skip + size) if size else end
            page = [self.shaped(entity_set, r, query.get("$select")) for r in rows[skip:page_end]]
            self._pages += 1
            return page, (page_end if page_end < end else None)

    def shaped(self, entity_set: str, row: dict, select: str | None) -> dict:
        fields = [f.strip() for f in select.split(",")] if select else None
        out = {k: copy.deepcopy(v) for k, v in row.items() if fields is None or k in fields}
        out["__etag"] = self.etag(entity_set, row[KEYS[entity_set]])
        return out

    def create(self, entity_set: str, body: dict) -> dict:
        with self.lock:
            key_field = KEYS[entity_set]
            for name, field, value, message in self.rejections:
                if name == entity_set and body.get(field) == value:
                    raise FakeError(400, -10, message)
            if entity_set == "BusinessPartners":
                if not body.get("CardCode"):
                    raise FakeError(400, -10, "Enter a business partner code")
                if body["CardCode"] in self.data[entity_set]:
                    raise FakeError(400, -10, f"1320000140 - Business partner code '{body['CardCode']}' already "
                                    "assigned to a business partner; enter a unique business partner code")
            elif entity_set == "Items" and body.get("ItemCode") in self.data[entity_set]:
                raise FakeError(400, -10, f"Item code '{body['ItemCode']}' already exists")
            elif entity_set in DOCS:
                if body.get("CardCode") not in self.data["BusinessPartners"]:
                    raise FakeError(400, -10, f"Invalid BP code [{DOCS[entity_set]}.CardCode] , "
                                    f"'{body.get('CardCode')}'")
                service = body.get("DocType") in ("dDocument_Service", "S")
                for number, line in enumerate(body.get("DocumentLines") or [], start=1):
                    if service and not line.get("AccountCode"):
                        raise FakeError(400, -10, f"Enter a G/L account [DocumentLines.AccountCode][line: {number}]")
                    if not service and not line.get("ItemCode"):
                        raise FakeError(400, -10, "Item number is missing; specify an item number "
                                        f"[DocumentLines.ItemCode][line: {number}]")
                if "DocumentLines" in body:
                    body = {"DocType": "dDocument_Items", **body, "DocumentLines": [_totalled(line) for line in
                                                                                  body["DocumentLines"]]}
                    body.setdefault("DocTotal", round(sum(line.get("LineTotal") or 0 for line in body["DocumentLines"]),
                                                      2))
            elif body.get(key_field) in (None, ""):
                raise FakeError(400, -10, f"Enter {key_field}")
            return self.add(entity_set, body)

    def patch(self, entity_set: str, key: Any, body: dict, if_match: str | None) -> None:
        with self.lock:
            row = self.data[entity_set].get(key)
            if row is None:
                raise FakeError(404, -2028, "No matching records found (ODBC -2028)")
            if if_match and if_match != self.etag(entity_set, key):
                raise FakeError(412, -2039, STALE)
            for name, value in body.items():
                if name == KEYS[entity_set]:
                    continue  # read-only properties in a PATCH are ignored
                if name in LINE_KEYS and isinstance(value, list):
                    self._merge(row, name, value)
                else:
                    row[name] = value
            self._stamp(row)
            self.versions[(entity_set, key)] += 1

    def delete(self, entity_set: str, key: Any, if_match: str | None) -> None:
        with self.lock:
            if key not in self.data[entity_set]:
                raise FakeError(404, -2028, "No matching records found (ODBC -2028)")
            if if_match and if_match != self.etag(entity_set, key):
                raise FakeError(412, -2039, STALE)
            field = "CardCode" if entity_set == "BusinessPartners" else None
            if field is not None and any(doc.get(field) == key for docs in DOCS for doc in self.data[docs].values()):
                raise FakeError(400, -10, f"Business partner '{key}' is used in documents; it cannot be removed")
            del self.data[entity_set][key]

    def _merge(self, row: dict, name: str, lines: list[dict]) -> None:
        existing = row.setdefault(name, [])
        line_key = LINE_KEYS[name]
        for line in lines:
            match = next((e for e in existing if line.get(line_key) is not None and e.get(line_key) ==
                          line.get(line_key)), None)
            if match is not None:
                match.update(line)
                continue
            if name == "ContactEmployees":
                self.counters["InternalCode"] += 1
                line = {**line, "InternalCode": self.counters["InternalCode"], "CardCode": row.get("CardCode")}
            existing.append(dict(line))

    def snapshot(self) -> tuple[Any, ...]:
        return copy.deepcopy((self.data, self.versions, self.counters))

    def restore(self, saved: tuple[Any, ...]) -> None:
        self.data, self.versions, self.counters = saved


def _totalled(line: dict[str, Any]) -> dict[str, Any]:
    """A document line with the LineTotal SAP computes (quantity x unit price) when it was sent none."""
    if line.get("LineTotal") is None and line.get("Quantity") is not None and line.get("UnitPrice") is not None:
        return {**line, "LineTotal": round(float(line["Quantity"]) * float(line["UnitPrice"]), 2)}
    return dict(line)
