"""A fake QuickBooks Online (Accounting API v3) with its OAuth2 server: one real HTTP server on 127.0.0.1 serving
Intuit's authorization and token endpoints and one stateful company (realm).

What it does, and the source of each fact:
- `GET /connect/oauth2` (scope com.intuit.quickbooks.accounting) sends the browser back with `code`, `state`
  and `realmId` (intuit/oauth-pythonclient user guide; QuickBooks-V3-PHP-SDK authorization docs);
  `POST /oauth2/v1/tokens/bearer` takes the client id and secret as Basic auth and answers
  `{"token_type": "bearer", "access_token", "refresh_token", "expires_in": 3600, "x_refresh_token_expires_in"}`
  (intuit-oauth README; discovery document: client_secret_basic). Each refresh hands out a new refresh token
  and the old one stops working, so only the newest one lasts; an unknown or expired one is
  400 `{"error": "invalid_grant"}` (developer.intuit.com .../authentication-and-authorization/faq).
- `/v3/company/{realmId}/...?minorversion=N` with `Authorization: Bearer`; minor versions below 75 are no longer
  served (developer.intuit.com .../explore-the-quickbooks-online-api/minor-versions).
- `GET query?query=SELECT * | count(*) FROM E [WHERE a AND b] [ORDERBY f [ASC|DESC]] [STARTPOSITION n]
  [MAXRESULTS m]` with =, <, >, <=, >=, IN, LIKE; the reply `{"QueryResponse": {E: [...], "startPosition",
  "maxResults"}, "time"}` (.../data-queries); name lists (Customer, Item) return inactive records only when the
  query names Active.
- `GET cdc?entities=E&changedSince=T`: changes within 30 days, at most 1,000 objects a reply, deleted ones as
  `{"status": "Deleted", "Id", "MetaData"}` after the others (.../change-data-capture and its reply sample).
- Create and update `POST /{entity}`: the reply wraps the object (`{"Customer": {...}, "time"}`); objects carry
  `Id`, `SyncToken`, `domain`, `sparse`, `MetaData.CreateTime/LastUpdatedTime`; an update needs `Id` and the
  current `SyncToken` (else Fault 5010 "Stale Object Error"), `"sparse": true` changes only the fields sent;
  transactions are deleted with `?operation=delete` (Intuit's batch reference sample). Faults:
  `{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type"}, "time"}` with HTTP 400;
  duplicate DisplayName / Item Name 6240, duplicate DocNumber 6210 or 6140 (`duplicate_doc_code`), Object Not
  Found 610 (developer.intuit.com/hub/blog/2017/06/08/top-quickbooks-online-api-errors...; handling-common-errors).
- Items (developer.intuit.com .../api/accounting/all-entities/item, as its field notes are copied in public
  code): `Type` is "required when minor version 4 is specified" (Inventory, Service, NonInventory; Fault 2020
  here); an Inventory item needs `QtyOnHand`, `InvStartDate` and `AssetAccountRef` ("Required for Inventory item
  types"), `IncomeAccountRef` ("Required for Inventory and Service item types") and `ExpenseAccountRef`, and
  `TrackQtyOnHand` (else Fault 6000 "if Track quantity on hand is turned off, the item cannot be of type
  Inventory", quoted in intuit/QuickBooks-V3-DotNET-SDK issue 10); an account reference names an Account (else
  2500 "Invalid Reference Id"). The company holds the sandbox's accounts: "Services" (Income, ServiceFeeIncome,
  Id 1), "Sales of Product Income" (SalesOfProductIncome), "Cost of Goods Sold" and "Inventory Asset"; `GET
  query` reads them, `account_id(name)` gives a test their Id.
- `POST batch` with `BatchItemRequest` items (`bId`, `operation`, object or `Query`), answered by
  `BatchItemResponse` items matched by `bId`, here in reverse order (execution order is not guaranteed); at most
  30 items (limits page: "recommended maximum ... 30"; the batch page says 10).
- Throttling per realm: 500 requests a minute (batches included), 10 at once, 40 batch calls a minute; HTTP 429
  (.../limits-and-throttles; Intuit blog 2016-08-08 on concurrent use). `per_minute=100` plays the sandbox.

UNVERIFIED, chosen here: the 429 body, sent as the XML `IntuitResponse` Fault "ThrottleExceeded; errorCode=003001"
that public issue reports show (no Retry-After); the 401 body; HTTP 400 for a standalone 5010; the Fault for a
MAXRESULTS above 1,000, for a changedSince older than 30 days, for a minor version below 75 and for a batch of
more than 30 items; that CDC keeps its newest objects when it cuts a reply; Customer and Item deletion refused
(they are made inactive instead) and inactive ones reported by CDC as updates; case-insensitive name matches;
ties of ORDERBY broken by Id; that a sales item may leave out ExpenseAccountRef (the reference says it is
"Required for Inventory, NonInventory, and Service item types", yet public samples create Service and NonInventory
items with IncomeAccountRef alone), so a NonInventory item here needs an income or an expense account; the Ids of
the sandbox's accounts other than "Services"; that the account rules apply to creates only.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ZONE = timezone(timedelta(hours=-7))
ENTITIES = ("Customer", "Item", "Invoice", "Payment", "Estimate", "Account")
NAME_LISTS = {"Customer": "DisplayName", "Item": "Name", "Account": "Name"}
ITEM_TYPES = ("Service", "Inventory", "NonInventory")
#: the sandbox company's chart of accounts, as far as items use it: Id, Name, AccountType, AccountSubType
ACCOUNTS = (("1", "Services", "Income", "ServiceFeeIncome"),
            ("79", "Sales of Product Income", "Income", "SalesOfProductIncome"),
            ("80", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
            ("81", "Inventory Asset", "Other Current Asset", "Inventory"))
CLASSES = {"Income": "Revenue", "Cost of Goods Sold": "Expense", "Other Current Asset": "Asset"}
ACCOUNT_REFS = ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef")
TRANSACTIONS = ("Invoice", "Payment", "Estimate")
THROTTLE_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<IntuitResponse time="{time}" '
                'xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001"><Message>'
                'message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was '
                'reached.  Try again later</Detail></Error></Fault></IntuitResponse>')
_QUERY = re.compile(r"^\s*SELECT\s+(?P<what>\*|count\(\*\))\s+FROM\s+(?P<entity>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
                    r"(?:\s+ORDERBY\s+(?P<order>[\w.]+)(?:\s+(?P<dir>ASC|DESC))?)?"
                    r"(?:\s+STARTPOSITION\s+(?P<start>\d+))?(?:\s+MAXRESULTS\s+(?P<max>\d+))?\s*$", re.I | re.S)


class FakeClock:
    """The fake's clock: real time plus an offset that tests move forward (`advance`); a `frozen` one moves only
    when advanced, so a client sharing it sees exactly the server's time."""

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._frozen = frozen
        self._offset = (time.time() if start is None else start) if frozen else (
            0.0 if start is None else start - time.time())
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._offset if self._frozen else time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


def stamp(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), ZONE).isoformat()


def _when(text: str) -> float:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class Fault(Exception):
    def __init__(self, code: str, message: str, detail: str = "", element: str = "", kind: str = "ValidationFault",
                 status: int = 400) -> None:
        super().__init__(message)
        self.body = {"Error": [{"Message": message, "Detail": detail or message, "code": code, "element": element}],
                     "type": kind}
        self.status = status


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class QboState:
    clock: FakeClock
    realm_id: str = "9130357766121046"
    company_name: str = "Sandbox Company_US_1"
    client_id: str = "ABqbo-erpsync-client"
    client_secret: str = "qbo-client-secret-51e0"
    access_ttl: float = 3600.0
    refresh_ttl: float = 8_726_400.0
    per_minute: int = 500
    concurrent: int = 10
    batches_per_minute: int = 40
    batch_max: int = 30
    duplicate_doc_code: str = "6140"
    cdc_max: int = 1000
    latency: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock)
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {e: {} for e in ENTITIES})
    updated: dict[str, dict[str, int]] = field(default_factory=lambda: {e: {} for e in ENTITIES})
    deleted: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: {e: [] for e in ENTITIES})
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(58))
    codes: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    refresh_tokens: dict[str, float] = field(default_factory=dict)
    access_tokens: dict[str, float] = field(default_factory=dict)
    minute: deque[float] = field(default_factory=deque)
    batch_minute: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    throttled: int = 0
    seen: list[Seen] = field(default_factory=list)
    grants: list[dict[str, str]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate(self.server.fake.state.clock() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        status, body, headers = self.server.fake.handle(self.command, parts.path, query, self.headers, raw)
        if isinstance(body, str):
            payload, kind = body.encode(), "application/xml"
        else:
            payload, kind = (json.dumps(body).encode() if body is not None else b""), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("intuit_tid", secrets.token_hex(8))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: QuickBooksFake) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class QuickBooksFake:
    """The fake company and its server; `url` is the API host, `token_url` and `authorize_url` Intuit's OAuth2."""

    def __init__(self, *, clock: FakeClock | None = None, **state: Any) -> None:
        self.state = QboState(clock=clock or FakeClock(), **state)
        with self.state.lock:
            for rid, name, kind, sub in ACCOUNTS:
                self._store("Account", {"Name": name, "AccountType": kind, "AccountSubType": sub,
                                        "Classification": CLASSES[kind]}, rid=rid)
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth2/v1/tokens/bearer"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/connect/oauth2"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> QuickBooksFake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what a person does in QuickBooks ----------------------------------------------------------
    def add(self, entity: str, **values: Any) -> str:
        with self.state.lock:
            return self._store(entity, json.loads(json.dumps(values)))["Id"]

    def seed(self, entity: str, count: int, *, per_second: int = 1, start: float | None = None,
             make: Any = None) -> list[str]:
        """`count` objects created `per_second` a second (from `start`, else ending now), oldest first."""
        with self.state.lock:
            first = int(start if start is not None else self.state.clock() - count // max(1, per_second) - 1)
            ids = []
            for i in range(count):
                values = make(i) if make else {"DisplayName": f"Customer {i:05d}", "Active": True}
                ids.append(self._store(entity, values, when=first + i // max(1, per_second))["Id"])
            return ids

    def edit(self, entity: str, rid: str, **values: Any) -> None:
        with self.state.lock:
            obj = self.state.objects[entity][rid]
            obj.update(json.loads(json.dumps(values)))
            self._touch(entity, obj)

    def remove(self, entity: str, rid: str) -> None:
        with self.state.lock:
            self.state.objects[entity].pop(rid)
            self.state.updated[entity].pop(rid, None)
            self.state.deleted[entity].append((rid, int(self.state.clock())))

    def account_id(self, name: str) -> str:
        """The Id of the company's account called `name`."""
        with self.state.lock:
            return next(a["Id"] for a in self.state.objects["Account"].values() if a["Name"] == name)

    def get(self, entity: str, rid: str) -> dict[str, Any] | None:
        with self.state.lock:
            found = self.state.objects[entity].get(rid)
            return json.loads(json.dumps(found)) if found else None

    def all(self, entity: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return json.loads(json.dumps(list(self.state.objects[entity].values())))

    def expire_access_tokens(self) -> None:
        with self.state.lock:
            self.state.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        with self.state.lock:
            self.state.refresh_tokens.clear()

    def api_calls(self, part: str = "") -> list[Seen]:
        with self.state.lock:
            return [s for s in self.state.seen if s.path.startswith("/v3/") and part in s.path]

    # -- internals ------------------------------------------------------------------------------
    def _now_text(self) -> str:
        return datetime.fromtimestamp(self.state.clock(), ZONE).isoformat(timespec="milliseconds")

    def _store(self, entity: str, values: dict[str, Any], when: float | None = None,
               rid: str | None = None) -> dict[str, Any]:
        now = int(self.state.clock() if when is None else when)
        rid = rid or str(next(self.state.ids))
        obj = {**values, "Id": rid, "SyncToken": "0", "domain": "QBO", "sparse": False,
               "MetaData": {"CreateTime": stamp(now), "LastUpdatedTime": stamp(now)}}
        if entity in NAME_LISTS:
            obj.setdefault("Active", True)
        self._totals(entity, obj)
        self.state.objects[entity][rid] = obj
        self.state.updated[entity][rid] = now
        return obj

    def _touch(self, entity: str, obj: dict[str, Any]) -> None:
        now = int(self.state.clock())
        obj["SyncToken"] = str(int(obj["SyncToken"]) + 1)
        obj["MetaData"]["LastUpdatedTime"] = stamp(now)
        self.state.updated[entity][obj["Id"]] = now
        self._totals(entity, obj)

    def _totals(self, entity: str, obj: dict[str, Any]) -> None:
        if entity in ("Invoice", "Estimate"):
            total = round(sum(float(line.get("Amount") or 0) for line in obj.get("Line") or ()
                              if line.get("DetailType") == "SalesItemLineDetail"), 2)
            obj["TotalAmt"] = total
            if entity == "Invoice":
                paid = sum(float(line.get("Amount") or 0) for p in self.state.objects["Payment"].values()
                           for line in p.get("Line") or () for link in line.get("LinkedTxn") or ()
                           if link.get("TxnType") == "Invoice" and link.get("TxnId") == obj.get("Id"))
                obj["Balance"] = round(total - paid, 2)
        if entity == "Payment":
            applied = sum(float(line.get("Amount") or 0) for line in obj.get("Line") or ())
            obj["UnappliedAmt"] = round(float(obj.get("TotalAmt") or 0) - applied, 2)

    # -- dispatch ---------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], headers: Any,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        try:
            body = json.loads(raw) if raw and raw.strip()[:1] in (b"{", b"[") else raw.decode() or None
        except ValueError:
            body = None
        with state.lock:
            state.seen.append(Seen(method, path, query, body))
        if path == "/connect/oauth2" and method == "GET":
            return self._authorize(query)
        if path == "/oauth2/v1/tokens/bearer" and method == "POST":
            with state.lock:
                return self._token(headers, dict(parse_qsl(raw.decode())))
        prefix = f"/v3/company/{state.realm_id}/"
        if not path.startswith(prefix):
            return 404, {"Fault": {"Error": [{"Message": "not found", "code": "404"}], "type": "ValidationFault"}}, {}
        return self._api(method, path[len(prefix):], query, headers, body)

    def _authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if query.get("client_id") != self.state.client_id or query.get("response_type") != "code":
            return 400, {"error": "invalid_client"}, {}
        if "com.intuit.quickbooks.accounting" not in query.get("scope", "").split():
            back = {"error": "invalid_scope", "state": query.get("state", "")}
            return 302, None, {"Location": f"{query.get('redirect_uri')}?{urlencode(back)}"}
        code = secrets.token_urlsafe(18)
        with self.state.lock:
            self.state.codes[code] = (query.get("code_challenge"), query.get("redirect_uri", ""))
        back = {"code": code, "state": query.get("state", ""), "realmId": self.state.realm_id}
        return 302, None, {"Location": f"{query.get('redirect_uri')}?{urlencode(back)}"}

    def _token(self, headers: Any, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        state.grants.append(form)
        pair = f"{state.client_id}:{state.client_secret}".encode()
        if headers.get("Authorization") != "Basic " + base64.b64encode(pair).decode():
            return 401, {"error": "invalid_client"}, {}
        now = state.clock()
        if form.get("grant_type") == "authorization_code":
            issued = state.codes.pop(form.get("code", ""), None)
            if issued is None or issued[1] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant"}, {}
            if issued[0] is not None:
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != issued[0]:
                    return 400, {"error": "invalid_grant"}, {}
        elif form.get("grant_type") == "refresh_token":
            expires = state.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if expires is None or expires <= now:
                return 400, {"error": "invalid_grant", "error_description": "Token invalid"}, {}
        else:
            return 400, {"error": "unsupported_grant_type"}, {}
        access, refresh = secrets.token_urlsafe(32), "AB" + secrets.token_urlsafe(30)
        state.access_tokens[access] = now + state.access_ttl
        state.refresh_tokens[refresh] = now + state.refresh_ttl
        return 200, {"token_type": "bearer", "access_token": access, "refresh_token": refresh,
                     "expires_in": int(state.access_ttl), "x_refresh_token_expires_in": int(state.refresh_ttl)}, {}

    def _api(self, method: str, path: str, query: dict[str, str], headers: Any,
             body: Any) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        with state.lock:
            now = state.clock()
            if scheme != "Bearer" or state.access_tokens.get(token, 0) <= now:
                return 401, {"fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; "
                                                  "statusCode=401", "detail": "Token expired", "code": "3200"}],
                                       "type": "AUTHENTICATION"}, "time": self._now_text()}, {}
            for window in (state.minute, state.batch_minute):
                while window and window[0] <= now - 60:
                    window.popleft()
            is_batch = method == "POST" and path == "batch"
            if (len(state.minute) >= state.per_minute or state.in_flight >= state.concurrent
                    or (is_batch and len(state.batch_minute) >= state.batches_per_minute)):
                state.throttled += 1
                return 429, THROTTLE_XML.format(time=self._now_text()), {}
            state.minute.append(now)
            if is_batch:
                state.batch_minute.append(now)
            state.in_flight += 1
        try:
            if state.latency:
                time.sleep(state.latency)
            with state.lock:
                version = query.get("minorversion", "")
                if not version.isdigit() or int(version) < 75:
                    raise Fault("4000", "Unsupported minor version", f"minorversion {version!r} is not served")
                status, reply = self._route(method, path, query, body)
                return status, {**reply, "time": self._now_text()}, {}
        except Fault as fault:
            return fault.status, {"Fault": fault.body, "time": self._now_text()}, {}
        finally:
            with state.lock:
                state.in_flight -= 1

    def _route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        if method == "GET" and path == "query":
            return 200, {"QueryResponse": self._query(query.get("query", ""))}
        if method == "POST" and path == "query":
            return 200, {"QueryResponse": self._query(body if isinstance(body, str) else "")}
        if method == "GET" and path == "cdc":
            return 200, self._cdc(query)
        if method == "GET" and path == f"companyinfo/{self.state.realm_id}":
            return 200, {"CompanyInfo": {"CompanyName": self.state.company_name, "Id": self.state.realm_id,
                                         "Country": "US", "domain": "QBO", "SyncToken": "3"}}
        if method == "POST" and path == "batch":
            return 200, self._batch(body)
        entity = next((e for e in ENTITIES if path.split("/")[0] == e.lower()), None)
        if entity is None:
            raise Fault("4000", "Unsupported Operation", f"no resource {path!r}", status=400)
        if method == "GET" and "/" in path:
            obj = self.state.objects[entity].get(path.split("/", 1)[1])
            if obj is None:
                raise Fault("610", "Object Not Found", "Object Not Found : Something you're trying to use has been "
                            "made inactive. Check the fields with accounts, customers, items, vendors or employees.")
            return 200, {entity: obj}
        if method == "POST" and query.get("operation") == "delete":
            return 200, {entity: self._delete(entity, body)}
        if method == "POST":
            return 200, {entity: self._write(entity, body)}
        raise Fault("4000", "Unsupported Operation", f"{method} {path}")

    # -- queries and CDC --------------------------------------------------------------------------
    def _query(self, text: str) -> dict[str, Any]:
        match = _QUERY.match(text or "")
        if not match or match["entity"] not in ENTITIES:
            raise Fault("4000", "Error parsing query", f"QueryParserError: {text[:80]!r}")
        entity = match["entity"]
        conditions = _conditions(match["where"] or "")
        objects = list(self.state.objects[entity].values())
        if entity in NAME_LISTS and not any(name == "Active" for name, _op, _value in conditions):
            objects = [o for o in objects if o.get("Active", True)]
        updated = self.state.updated[entity]
        for name, op, want in conditions:  # the update time is indexed: compared as a number
            if name == "MetaData.LastUpdatedTime" and op in ("<", ">", "<=", ">=") and isinstance(want, str):
                limit = _when(want)
                test = {"<": float.__lt__, ">": float.__gt__, "<=": float.__le__, ">=": float.__ge__}[op]
                objects = [o for o in objects if test(float(updated[o["Id"]]), limit)]
            else:
                objects = [o for o in objects if _matches(o, (name, op, want))]
        if match["what"].lower() == "count(*)":
            return {"totalCount": len(objects)}
        order = match["order"]
        if order == "MetaData.LastUpdatedTime":
            objects.sort(key=lambda o: (updated[o["Id"]], int(o["Id"])), reverse=(match["dir"] or "").upper() == "DESC")
        elif order:
            objects.sort(key=lambda o: (_sort_key(_value(o, order)), int(o["Id"])),
                         reverse=(match["dir"] or "").upper() == "DESC")
        start, most = int(match["start"] or 1), int(match["max"] or 100)
        if most > 1000:
            raise Fault("4001", "Invalid query", "QueryValidationError: MAXRESULTS cannot be more than 1000")
        chunk = objects[start - 1:start - 1 + most]
        if not chunk:
            return {}
        return {entity: chunk, "startPosition": start, "maxResults": len(chunk)}

    def _cdc(self, query: dict[str, str]) -> dict[str, Any]:
        names = [n for n in query.get("entities", "").split(",") if n]
        since_text = query.get("changedSince", "")
        try:
            since = _when(since_text)
        except ValueError:
            raise Fault("4001", "Invalid changedSince", f"changedSince {since_text!r} is not a date-time") from None
        if since < self.state.clock() - 30 * 86400:
            raise Fault("4001", "Invalid changedSince", "changedSince cannot be more than 30 days in the past")
        replies = []
        budget = self.state.cdc_max
        for entity in names:
            if entity not in ENTITIES:
                raise Fault("4000", "Unsupported entity", entity)
            alive = sorted((o for o in self.state.objects[entity].values()
                            if self.state.updated[entity][o["Id"]] >= since),
                           key=lambda o: (self.state.updated[entity][o["Id"]], int(o["Id"])))
            gone = [{"status": "Deleted", "domain": "QBO", "Id": rid, "MetaData": {"LastUpdatedTime": stamp(when)}}
                    for rid, when in self.state.deleted[entity] if when >= since]
            items = (alive + gone)[-budget:] if budget else []
            budget -= len(items)
            replies.append({entity: items, "startPosition": 1, "maxResults": len(items)})
        return {"CDCResponse": [{"QueryResponse": replies}]}

    # -- writes -----------------------------------------------------------------------------------
    def _check(self, entity: str, obj: dict[str, Any], own: str | None) -> None:
        key = NAME_LISTS.get(entity)
        if key is not None:
            if not obj.get(key):
                raise Fault("2020", "Required param missing, need to supply the required value for the API",
                            f"Required parameter {key} is missing in the request", element=key)
            taken = next((o for o in self.state.objects[entity].values() if o["Id"] != own
                          and str(o.get(key, "")).casefold() == str(obj[key]).casefold()), None)
            if taken is not None:
                raise Fault("6240", "Duplicate Name Exists Error", "The name supplied already exists. : Another "
                            f"{entity.lower()} is already using this name. Please use a different name.")
        if entity == "Item":
            self._check_item(obj, own)
        if entity in TRANSACTIONS:
            ref = (obj.get("CustomerRef") or {}).get("value")
            customer = self.state.objects["Customer"].get(str(ref)) if ref is not None else None
            if customer is None or not customer.get("Active", True):
                raise Fault("2500", "Invalid Reference Id", f"Invalid Reference Id : Customer {ref!r}",
                            element="CustomerRef")
            if entity != "Payment" and not obj.get("Line"):
                raise Fault("2020", "Required param missing, need to supply the required value for the API",
                            "Required parameter Line is missing in the request", element="Line")
            for line in obj.get("Line") or ():
                item = ((line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}).get("value")
                if item is not None and str(item) not in self.state.objects["Item"]:
                    raise Fault("2500", "Invalid Reference Id", f"Invalid Reference Id : Item {item!r}",
                                element="ItemRef")
            number = obj.get("DocNumber")
            if number and entity != "Payment" and any(o["Id"] != own and o.get("DocNumber") == number
                                                      for o in self.state.objects[entity].values()):
                raise Fault(self.state.duplicate_doc_code, "Duplicate Document Number Error",
                            "Duplicate Document Number Error : You must specify a different number. This number "
                            "has already been used.", element="DocNumber")
        if entity == "Payment" and obj.get("TotalAmt") is None:
            raise Fault("2020", "Required param missing, need to supply the required value for the API",
                        "Required parameter TotalAmt is missing in the request", element="TotalAmt")

    def _check_item(self, obj: dict[str, Any], own: str | None) -> None:
        kind = obj.get("Type")
        if kind not in ITEM_TYPES:
            raise _missing("Type")
        if own is not None:
            return
        if kind == "Inventory" and not obj.get("TrackQtyOnHand"):
            raise Fault("6000", "A business validation error has occurred while processing your request",
                        "Business Validation Error: When you create an item, if Track quantity on hand is turned off, "
                        "the item cannot be of type Inventory.")
        needed = {"Inventory": ("QtyOnHand", "InvStartDate", "AssetAccountRef", "IncomeAccountRef",
                                "ExpenseAccountRef"), "Service": ("IncomeAccountRef",)}.get(kind, ())
        for name in needed:
            if obj.get(name) in (None, "", {}, False):
                raise _missing(name)
        if kind == "NonInventory" and not (obj.get("IncomeAccountRef") or obj.get("ExpenseAccountRef")):
            raise _missing("IncomeAccountRef")
        for name in ACCOUNT_REFS:
            ref = obj.get(name)
            account = (ref or {}).get("value") if isinstance(ref, dict) else ref
            if ref is not None and str(account) not in self.state.objects["Account"]:
                raise Fault("2500", "Invalid Reference Id", f"Invalid Reference Id : Account {account!r}",
                            element=name)

    def _write(self, entity: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Fault("2020", "Required param missing", "the request has no object")
        if "Id" not in body:
            values = {k: v for k, v in body.items() if k not in ("SyncToken", "MetaData", "domain", "sparse")}
            if entity in ("Invoice", "Estimate") and not values.get("DocNumber"):
                values["DocNumber"] = str(1000 + len(self.state.objects[entity]) + 1)
            self._check(entity, {"Active": True, **values} if entity in NAME_LISTS else values, None)
            stored = self._store(entity, values)
            for invoice in self.state.objects["Invoice"].values() if entity == "Payment" else ():
                self._totals("Invoice", invoice)
            return stored
        current = self.state.objects[entity].get(str(body["Id"]))
        if current is None:
            raise Fault("610", "Object Not Found", "Object Not Found : Something you're trying to use has been made "
                        "inactive. Check the fields with accounts, customers, items, vendors or employees.")
        if "SyncToken" not in body:
            raise Fault("2020", "Required param missing, need to supply the required value for the API",
                        "Required parameter SyncToken is missing in the request", element="SyncToken")
        if str(body["SyncToken"]) != current["SyncToken"]:
            raise Fault("5010", "Stale Object Error", "Stale Object Error : You and Patricia Boyle were working on "
                        "this at the same time. Patricia Boyle finished before you did, so your work was not saved.")
        values = {k: v for k, v in body.items() if k not in ("Id", "SyncToken", "MetaData", "domain", "sparse")}
        fresh = {**current, **values} if body.get("sparse") else {
            **values, **{k: current[k] for k in ("Id", "SyncToken", "MetaData", "domain")}, "sparse": False}
        self._check(entity, fresh, current["Id"])
        current.clear()
        current.update(fresh)
        self._touch(entity, current)
        for invoice in self.state.objects["Invoice"].values() if entity == "Payment" else ():
            self._totals("Invoice", invoice)
        return current

    def _delete(self, entity: str, body: Any) -> dict[str, Any]:
        if entity in NAME_LISTS:
            raise Fault("6000", "A business validation error has occurred while processing your request",
                        f"Business Validation Error: {entity} cannot be deleted; make it inactive")
        rid = str((body or {}).get("Id", ""))
        current = self.state.objects[entity].get(rid)
        if current is None:
            raise Fault("610", "Object Not Found", "Object Not Found : Something you're trying to use has been made "
                        "inactive. Check the fields with accounts, customers, items, vendors or employees.")
        if str((body or {}).get("SyncToken")) != current["SyncToken"]:
            raise Fault("5010", "Stale Object Error", "Stale Object Error : You and Patricia Boyle were working on "
                        "this at the same time. Patricia Boyle finished before you did, so your work was not saved.")
        self.remove(entity, rid)
        return {"status": "Deleted", "domain": "QBO", "Id": rid}

    def _batch(self, body: Any) -> dict[str, Any]:
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise Fault("400", "MalformedRequest", "Batch Request is Empty")
        if len(items) > self.state.batch_max:
            raise Fault("4000", "MalformedRequest", f"Batch Request has {len(items)} items; at most "
                        f"{self.state.batch_max} are allowed")
        answers = []
        for item in items:
            bid = item.get("bId")
            try:
                if "Query" in item:
                    answers.append({"bId": bid, "QueryResponse": self._query(item["Query"])})
                    continue
                entity = next((e for e in ENTITIES if e in item), None)
                if entity is None:
                    raise Fault("4000", "Unsupported Operation", "the item names no entity")
                op = item.get("operation")
                obj = self._delete(entity, item[entity]) if op == "delete" else self._write(entity, item[entity])
                answers.append({"bId": bid, entity: obj})
            except Fault as fault:
                answers.append({"bId": bid, "Fault": fault.body})
        return {"BatchItemResponse": list(reversed(answers))}


def _missing(name: str) -> Fault:
    return Fault("2020", "Required param missing, need to supply the required value for the API",
                 f"Required parameter {name} is missing in the request", element=name)


def _split(text: str, word: str) -> list[str]:
    """`text` split on ` word ` outside quotes and parentheses."""
    parts, current, quote, depth, i = [], "", False, 0, 0
    token = f" {word.upper()} "
    while i < len(text):
        char = text[i]
        if char == "\\" and quote:
            current += text[i:i + 2]
            i += 2
            continue
        if char == "'":
            quote = not quote
        elif not quote and char in "()":
            depth += 1 if char == "(" else -1
        if not quote and depth == 0 and text[i:i + len(token)].upper() == token:
            parts.append(current)
            current, i = "", i + len(token)
            continue
        current += char
        i += 1
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("'") and text.endswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text)
    except ValueError:
        raise Fault("4000", "Error parsing query", f"QueryParserError: bad value {text!r}") from None


def _conditions(where: str) -> list[tuple[str, str, Any]]:
    out = []
    for part in _split(where, "AND"):
        match = re.match(r"^([\w.]+)\s*(<=|>=|=|<|>|\s+IN\s+|\s+LIKE\s+)\s*(.+)$", part, re.I | re.S)
        if not match:
            raise Fault("4000", "Error parsing query", f"QueryParserError: {part[:60]!r}")
        name, op, value = match[1], match[2].strip().upper(), match[3].strip()
        if op == "IN":
            if not (value.startswith("(") and value.endswith(")")):
                raise Fault("4000", "Error parsing query", "QueryParserError: IN needs a list")
            out.append((name, op, [_literal(v) for v in _split_commas(value[1:-1])]))
        else:
            out.append((name, op, _literal(value)))
    return out


def _split_commas(text: str) -> list[str]:
    parts, current, quote, i = [], "", False, 0
    while i < len(text):
        if text[i] == "\\" and quote:
            current += text[i:i + 2]
            i += 2
            continue
        if text[i] == "'":
            quote = not quote
        if text[i] == "," and not quote:
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return [p for p in (*parts, current) if p.strip()]


def _value(obj: dict[str, Any], name: str) -> Any:
    node: Any = obj
    for part in name.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and "value" in node:
        node = node["value"]
    if isinstance(node, dict) and "Address" in node:
        node = node["Address"]
    return node


def _sort_key(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return (0, _when(value))
        except ValueError:
            return (1, value.casefold())
    return (2, value if value is not None else 0)


def _same(have: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return bool(have) == want if isinstance(want, bool) else False
    if isinstance(want, float):
        try:
            return float(have) == want
        except (TypeError, ValueError):
            return False
    return str(have if have is not None else "").casefold() == str(want).casefold()


def _matches(obj: dict[str, Any], condition: tuple[str, str, Any]) -> bool:
    name, op, want = condition
    have = _value(obj, name)
    if op == "IN":
        return any(_same(have, w) for w in want)
    if op == "=":
        return _same(have, want)
    if op == "LIKE":
        pattern = "^" + re.escape(str(want)).replace("%", ".*") + "$"
        return re.match(pattern, str(have or ""), re.I) is not None
    left, right = _sort_key(have), _sort_key(want)
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
