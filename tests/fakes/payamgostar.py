"""A fake Payamgostar (پیام گستر) CRM: a real, stateful HTTP server on 127.0.0.1 speaking REST API v2.

Sources:
- https://github.com/hosshhrb/SyncSiagh (real request/reply logs of one on-premises server): `POST /api/v2/auth/login`
  answering {expiresAt (ISO, 7 fractional digits, +03:30), accessToken, refreshToken}, a token living
  2 hours (the JWT's exp - nbf = 7200 s, PRISMA-LOGS.md); `Authorization: Bearer`; every call a POST with
  a JSON body (CRM_API_ACTUAL.md); `crmobject/identity/search` with 0-based pages answering a bare array
  of {identityId, nickName, customerNo} until a page comes back short or empty (PRISMA-LOGS.md,
  crm-identity-api.client.ts); `person|organization/get` with {"id"}; create answering {"crmId"};
  `quote/sales/get` and its reply (WEBHOOK-LOGS.md: `creatDate` [sic] and `modifyDate` local time without
  an offset, 3 fractional digits; money with 2 decimals, counts with 4).
- The webhook, seen live in WINDOWS_START.txt: a plain GET with no body and no signature,
  `?event=Update&id=<guid>&type=Identity&subtype=<Persian type name, form-encoded>`, only the `host`
  header, sent from the CRM host itself.
- Login statuses 401 (bad credentials) and 403 (locked out): crm-auth.service.ts there, and
  https://github.com/1stco/PayamGostarApiClient (PgClientFactory.cs).

Resting on unverified facts (GUESS): the error bodies (the customization API's {Code, Message,
ErrorDetails} shape is used for 401/404); that a get with an id of the other kind (a person's id to
organization/get) answers 404; that update takes `id` and replaces the whole record with what it is sent;
what identity/search's searchTerm matches (nickName and customerNo here); the order of search results
(creation order here); that a Delete webhook arrives as event=Delete.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PERSON_SUBTYPE = "مخاطب حقیقی siagh"
ORGANIZATION_SUBTYPE = "مخاطب حقوقی siagh"
QUOTE_SUBTYPE = "پیش فاکتور کالا"
_IRAN = timezone(timedelta(hours=3, minutes=30))


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class PayamgostarFake:
    """The fake CRM with helpers that act as a person using it, a webhook switch and fault switches."""

    def __init__(self, *, username: str = "api-user", password: str = "pg-pass",
                 start: datetime = datetime(2025, 12, 21, 14, 0, 0), token_lifetime_s: int = 7200) -> None:
        self.username, self.password = username, password
        self.lock = threading.RLock()
        self.identities: dict[str, dict[str, Any]] = {}
        self.quotes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, datetime] = {}
        self.logins = 0
        #: the body of every login call
        self.login_bodies: list[dict[str, Any]] = []
        self.token_lifetime_s = token_lifetime_s
        #: the server's local clock (Asia/Tehran), advanced a little by every change
        self.now = start
        self._stamps = itertools.count(1)
        #: every API call: (path, body)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        #: where webhooks go (None: nowhere) and the switch that sends them
        self.webhook_url: str | None = None
        self.webhooks_enabled = False
        #: webhooks sent: (url, HTTP status or the error text)
        self.webhooks: list[tuple[str, Any]] = []
        self._senders: list[threading.Thread] = []
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life ---------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._http is not None
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> PayamgostarFake:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True,
                                        name="fake-payamgostar")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.wait_webhooks()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._http = None

    def __enter__(self) -> PayamgostarFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers: a person using the CRM -------------------------------------------------------------
    def tick(self) -> str:
        with self.lock:
            self.now += timedelta(seconds=1, milliseconds=next(self._stamps) % 7)
            return _local(self.now)

    def add_person(self, **fields: Any) -> str:
        return self._add_identity("person", fields)

    def add_organization(self, **fields: Any) -> str:
        return self._add_identity("organization", fields)

    def _add_identity(self, kind: str, fields: Mapping[str, Any], *, notify: bool = True) -> str:
        with self.lock:
            crm_id = str(uuid.uuid4())
            stamp = self.tick()
            record = {"crmId": crm_id, "crmObjectTypeCode": kind, "nickName": "", "customerNumber": "",
                      "email": None, "nationalCode": None, "description": "", "phoneContacts": [],
                      "addressContacts": [], "extendedProperties": [], "tags": [], "refId": "",
                      "creatDate": stamp, "modifyDate": stamp, "_kind": kind}
            record.update(fields)
            self.identities[crm_id] = record
        if notify:
            self._notify("Insert", crm_id, "Identity", PERSON_SUBTYPE if kind == "person" else ORGANIZATION_SUBTYPE)
        return crm_id

    def edit(self, crm_id: str, **fields: Any) -> None:
        """Change a person, organization or quote as a CRM user would (modifyDate moves, a webhook goes out)."""
        with self.lock:
            table = self.identities if crm_id in self.identities else self.quotes
            table[crm_id].update(fields)
            table[crm_id]["modifyDate"] = self.tick()
            kind = table[crm_id].get("_kind")
        if table is self.quotes:
            self._notify("Update", crm_id, "Quote", QUOTE_SUBTYPE)
        else:
            self._notify("Update", crm_id, "Identity", PERSON_SUBTYPE if kind == "person" else ORGANIZATION_SUBTYPE)

    def delete(self, crm_id: str) -> None:
        with self.lock:
            kind = self.identities.pop(crm_id, {}).get("_kind")
        self._notify("Delete", crm_id, "Identity", PERSON_SUBTYPE if kind == "person" else ORGANIZATION_SUBTYPE)

    def add_quote(self, identity_id: str, details: list[dict[str, Any]], *, type_code: str = "PI_5",
                  **fields: Any) -> str:
        with self.lock:
            quote_id = str(uuid.uuid4())
            stamp = self.tick()
            lines = [{"productCode": d["productCode"], "productId": str(uuid.uuid4()),
                      "productName": d.get("productName", ""), "isService": False,
                      "baseUnitPrice": float(d["baseUnitPrice"]), "finalUnitPrice": float(d["baseUnitPrice"]) * 1.09,
                      "count": float(d["count"]), "returnedCount": 0.0,
                      "totalUnitPrice": float(d["baseUnitPrice"]) * float(d["count"]),
                      "totalDiscount": float(d.get("totalDiscount", 0)), "totalVat": 0.0, "totalToll": 0.0,
                      "discountPercent": 0.0, "detailDescription": "", "productUnitTypeName": d["unit"],
                      "serial": None} for d in details]
            total = sum(line["totalUnitPrice"] for line in lines)
            quote = {"priceListName": "", "discount": 0.0, "vat": round(total * 0.09, 2), "toll": 0.0,
                     "additionalCosts": None, "totalValue": total, "quoteDate": None, "expireDate": None,
                     "vatPercent": 9, "tollPercent": 0, "quoteType": "Quote", "details": lines,
                     "discountPercent": 0.0, "totalDiscountPercent": 0.0, "finalValue": round(total * 1.09, 2),
                     "number": "", "billableObjectState": None, "billableObjectStateIndex": 1, "crmId": quote_id,
                     "crmObjectTypeIndex": 8, "crmObjectTypeId": str(uuid.uuid4()), "crmObjectTypeCode": type_code,
                     "parentCrmObjectId": None, "extendedProperties": [], "creatDate": stamp, "modifyDate": stamp,
                     "tags": [], "refId": "", "stageId": None, "identityId": identity_id, "description": "",
                     "subject": "پیش فاکتور فروش", "processLifePaths": [], "color": None}
            quote.update(fields)
            self.quotes[quote_id] = quote
        self._notify("Insert", quote_id, "Quote", QUOTE_SUBTYPE)
        return quote_id

    def identity(self, crm_id: str) -> dict[str, Any]:
        with self.lock:
            return {k: v for k, v in self.identities[crm_id].items() if k != "_kind"}

    def expire_tokens(self) -> None:
        """Every token issued so far stops working, as when its two hours are up."""
        with self.lock:
            self.tokens.clear()

    # -- webhooks ----------------------------------------------------------------------------------
    def _notify(self, event: str, crm_id: str, type_: str, subtype: str) -> None:
        if not self.webhooks_enabled or not self.webhook_url:
            return
        query = urllib.parse.urlencode({"event": event, "id": crm_id, "type": type_, "subtype": subtype})
        url = f"{self.webhook_url}?{query}"
        sender = threading.Thread(target=self._send, args=(url,), daemon=True, name="fake-payamgostar-webhook")
        with self.lock:
            self._senders.append(sender)
        sender.start()

    def _send(self, url: str) -> None:
        request = urllib.request.Request(url, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                outcome: Any = reply.status
        except urllib.error.HTTPError as exc:
            outcome = exc.code
        except OSError as exc:
            outcome = str(exc)
        with self.lock:
            self.webhooks.append((url, outcome))

    def wait_webhooks(self) -> None:
        """Until every webhook sent so far has its answer."""
        with self.lock:
            senders, self._senders = self._senders, []
        for sender in senders:
            sender.join(timeout=10)

    # -- the API ---------------------------------------------------------------------------------
    def login(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        with self.lock:
            self.login_bodies.append(dict(body))
        if body.get("username") != self.username or body.get("password") != self.password:
            return 401, {"Code": 401, "Message": "Invalid username or password", "ErrorDetails": []}
        token = "eyJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(24)
        expires = datetime.now(_IRAN) + timedelta(seconds=self.token_lifetime_s)
        with self.lock:
            self.tokens[token] = expires
            self.logins += 1
        return 200, {"expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%S.") + "1385332+03:30",
                     "accessToken": token, "refreshToken": secrets.token_urlsafe(16)}

    def authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        with self.lock:
            return header[7:] in self.tokens

    def handle(self, path: str, body: Mapping[str, Any]) -> tuple[int, Any]:
        with self.lock:
            self.calls.append((path, dict(body)))
        route: dict[str, Callable[[Mapping[str, Any]], tuple[int, Any]]] = {
            "identity/search": self._search,
            "person/get": lambda b: self._get(b, "person"),
            "organization/get": lambda b: self._get(b, "organization"),
            "person/create": lambda b: self._create(b, "person"),
            "organization/create": lambda b: self._create(b, "organization"),
            "person/update": lambda b: self._update(b, "person"),
            "organization/update": lambda b: self._update(b, "organization"),
            "quote/sales/get": self._get_quote,
        }
        handler = route.get(path)
        if handler is None:
            return 404, {"Code": 404, "Message": f"no action {path}", "ErrorDetails": []}
        return handler(body)

    def _search(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        page, size = int(body.get("pageNumber", 0)), int(body.get("pageSize", 500))
        term = str(body.get("searchTerm") or "")
        kind = {1: "person", 2: "organization"}.get(body.get("identityType"))  # type: ignore[arg-type]
        with self.lock:
            rows = [r for r in self.identities.values() if (kind is None or r["_kind"] == kind)
                    and (not term or term in str(r.get("nickName")) or term == r.get("customerNumber"))]
            chunk = rows[page * size:(page + 1) * size]
            return 200, [{"identityId": r["crmId"], "nickName": r.get("nickName") or "",
                          "customerNo": r.get("customerNumber") or ""} for r in chunk]

    def _get(self, body: Mapping[str, Any], kind: str) -> tuple[int, Any]:
        with self.lock:
            record = self.identities.get(str(body.get("id")))
            if record is None or record["_kind"] != kind:
                return 404, {"Code": 404, "Message": "Not found", "ErrorDetails": []}
            return 200, {k: v for k, v in record.items() if k != "_kind"}

    def _create(self, body: Mapping[str, Any], kind: str) -> tuple[int, Any]:
        if not body.get("crmObjectTypeCode"):
            return 400, {"Code": 400, "Message": "crmObjectTypeCode is required", "ErrorDetails": []}
        fields = {k: v for k, v in body.items() if k not in ("crmId", "id", "creatDate", "modifyDate")}
        return 200, {"crmId": self._add_identity(kind, fields)}

    def _update(self, body: Mapping[str, Any], kind: str) -> tuple[int, Any]:
        crm_id = str(body.get("id") or "")
        with self.lock:
            record = self.identities.get(crm_id)
            if record is None or record["_kind"] != kind:
                return 404, {"Code": 404, "Message": "Not found", "ErrorDetails": []}
            stamp = self.tick()
            kept = {"crmId": crm_id, "creatDate": record["creatDate"], "_kind": kind}
            self.identities[crm_id] = {**{k: v for k, v in body.items() if k != "id"}, **kept, "modifyDate": stamp}
        self._notify("Update", crm_id, "Identity", PERSON_SUBTYPE if kind == "person" else ORGANIZATION_SUBTYPE)
        return 200, {"crmId": crm_id}

    def _get_quote(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        with self.lock:
            quote = self.quotes.get(str(body.get("id")))
            if quote is None:
                return 404, {"Code": 404, "Message": "Not found", "ErrorDetails": []}
            return 200, dict(quote)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    owner: PayamgostarFake

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._json(405, {"Code": 405, "Message": "every call is a POST", "ErrorDetails": []})

    def do_POST(self) -> None:
        fake = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        path = self.path.split("?", 1)[0]
        if path == "/api/v2/auth/login":
            self._json(*fake.login(body))
            return
        if not path.startswith("/api/v2/crmobject/"):
            self._json(404, {"Code": 404, "Message": "Not found", "ErrorDetails": []})
            return
        if not fake.authorized(self.headers.get("Authorization")):
            self._json(401, {"Code": 401, "Message": "Unauthorized", "ErrorDetails": []})
            return
        self._json(*fake.handle(path[len("/api/v2/crmobject/"):], body))

    def _json(self, status: int, body: Any) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
