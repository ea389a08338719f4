"""A fake Zoho CRM (API v8) with its accounts servers: real HTTP servers on 127.0.0.1, one accounts server and
one API server per data centre, sharing one stateful organisation that lives in `home_dc`.

What it does, and the source of each fact:
- Authorization at any accounts server; one in another data centre redirects (302) to the home one, which sends
  the browser back with `code`, `location` and `accounts-server` (zoho.com/crm/developer/docs/api/multi-dc.html:
  "make the auth request at accounts.zoho.com ... Zoho redirects to the user's DC";
  "{redirect_uri}?code=..&location=us&accounts-server=https://accounts.zoho.com").
- `POST /oauth/v2/token` takes the code (once, at the data centre that issued it) or a refresh token, in the
  form body or the query; a refresh token comes only for `access_type=offline` (v2 auth-request page);
  replies `{"access_token", "refresh_token", "api_domain", "token_type", "expires_in"}`
  for a code and the same without `refresh_token` for a refresh (zoho.com/crm/developer/docs/api/v4/
  access-refresh.html; zoho.com/accounts/protocol/oauth/devices/refresh-access-token.html). Access tokens live
  `access_ttl` seconds (1 h, zohohelp.com/crm/developer/docs/api/v8/token-validity.html); at most 10 are issued
  per refresh token in 10 minutes (same page; the answer past it is HTTP 200 with "Access Denied", Kaizen #43).
  Refresh tokens are not rotated. A token works only at its own data centre's API server.
- `GET /crm/v8/{Module}`: `fields` required (at most 50), `per_page` at most 200, `page` only within the first
  2,000 records (400 DISCRETE_PAGINATION_LIMIT_EXCEEDED, details.limit 2000), `page_token` from
  `info.next_page_token` beyond (bound to the other parameters: TOKEN_BOUND_DATA_MISMATCH; up to 100,000
  records), `sort_by` id|Created_Time|Modified_Time, `sort_order` asc|desc (default desc by id),
  `If-Modified-Since`, `ids`; 204 when nothing matches (zoho/crm-oas v8.0/record/operations/getRecords,
  commit a6687fc, and its examples). Record times are whole seconds in the org's zone (+05:30).
- `GET /{Module}/search?criteria=(f:equals:v)or(...)` (at most 10 criteria, `\\(` `\\)` `\\,` escaped;
  zoho.com/crm/developer/docs/api/v2/search-records.html), `GET /{Module}/deleted` with type, page, per_page
  and If-Modified-Since (getDeletedRecords operation and example).
- Writes `POST /{Module}`, `PUT /{Module}`, `POST /{Module}/upsert` (duplicate_check_fields), `DELETE
  /{Module}?ids=`: at most 100 records, one result per record in order; 201 (insert) / 200 when all worked,
  207 when mixed, 400 when all failed; DUPLICATE_DATA names the holder in details.duplicate_record.id;
  MANDATORY_NOT_FOUND, INVALID_DATA for unknown fields or ids (createRecords / updateRecords / upsertRecords
  operations and examples). `If-Unmodified-Since` on an update: ALREADY_MODIFIED, 412 when all are refused
  (updateRecords response-412 example, commit a6687fc; older copies of the specification do not have it).
  Subform rows with an id are updated, without one appended, `{"id", "_delete": null}` removed (same page).
- Limits: API credits per rolling 24 h (one per call here) and a concurrency cap per organisation (Free 5,
  Standard 10, ...), both answered with 429 (Kaizen #93 and #203 on help.zoho.com).

UNVERIFIED, chosen here: the 429 body (`{"code": "TOO_MANY_REQUESTS", ...}`, no Retry-After), 304 for an
If-Modified-Since read with nothing changed (a third-party summary of Zoho's status codes), the bodies of
`invalid_code` / `invalid_client` / "Access Denied" (HTTP 200, `{"error": ...}`), strict "after" semantics of
If-Modified-Since, the order of the deleted list (newest first), page-token expiry (24 h), the names of the
line-item subforms (`Quoted_Items`, `Invoiced_Items`), credits of one per call whatever its size.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ZONE = timezone(timedelta(hours=5, minutes=30))
MODULE_FIELDS: dict[str, tuple[str, ...]] = {
    "Accounts": ("Account_Name", "Account_Number", "Account_Site", "Account_Type", "Industry", "Annual_Revenue",
                 "Employees", "Phone", "Fax", "Website", "Ownership", "Billing_Street", "Billing_City",
                 "Billing_State", "Billing_Code", "Billing_Country", "Shipping_Street", "Shipping_City",
                 "Shipping_State", "Shipping_Code", "Shipping_Country", "Description", "Owner", "Parent_Account"),
    "Contacts": ("First_Name", "Last_Name", "Email", "Secondary_Email", "Phone", "Mobile", "Title", "Department",
                 "Account_Name", "Mailing_Street", "Mailing_City", "Mailing_State", "Mailing_Zip", "Mailing_Country",
                 "Date_of_Birth", "Lead_Source", "Description", "Owner"),
    "Leads": ("First_Name", "Last_Name", "Company", "Email", "Phone", "Mobile", "Lead_Status", "Lead_Source",
              "Industry", "Annual_Revenue", "Street", "City", "State", "Zip_Code", "Country", "Website",
              "Description", "Owner"),
    "Deals": ("Deal_Name", "Stage", "Amount", "Closing_Date", "Probability", "Type", "Lead_Source", "Pipeline",
              "Account_Name", "Contact_Name", "Description", "Owner"),
    "Products": ("Product_Name", "Product_Code", "Unit_Price", "Product_Active", "Product_Category", "Manufacturer",
                 "Qty_in_Stock", "Description", "Vendor_Name", "Owner"),
    "Quotes": ("Subject", "Quote_Stage", "Valid_Till", "Account_Name", "Contact_Name", "Deal_Name", "Sub_Total",
               "Discount", "Tax", "Adjustment", "Grand_Total", "Billing_Street", "Billing_City", "Billing_State",
               "Billing_Code", "Billing_Country", "Shipping_Street", "Shipping_City", "Shipping_State",
               "Shipping_Code", "Shipping_Country", "Terms_and_Conditions", "Description", "Owner", "Quoted_Items"),
    "Invoices": ("Subject", "Invoice_Date", "Due_Date", "Status", "Account_Name", "Contact_Name", "Sub_Total",
                 "Discount", "Tax", "Adjustment", "Grand_Total", "Billing_Street", "Billing_City", "Billing_State",
                 "Billing_Code", "Billing_Country", "Shipping_Street", "Shipping_City", "Shipping_State",
                 "Shipping_Code", "Shipping_Country", "Terms_and_Conditions", "Description", "Owner",
                 "Invoiced_Items"),
}
MANDATORY = {"Accounts": ("Account_Name",), "Contacts": ("Last_Name",), "Leads": ("Last_Name",),
             "Deals": ("Deal_Name", "Stage"), "Products": ("Product_Name",), "Quotes": ("Subject",),
             "Invoices": ("Subject", "Account_Name")}
#: fields set to "do not allow duplicate values" in this org
UNIQUE = {"Accounts": ("Account_Name",), "Contacts": ("Email",), "Leads": ("Email",), "Products": ("Product_Code",)}
SUBFORMS = {"Quotes": "Quoted_Items", "Invoices": "Invoiced_Items"}
SYSTEM = ("id", "Created_Time", "Modified_Time", "Created_By", "Modified_By")
API_USER = {"name": "ERPSync API", "id": "5725767000000411001"}
PERSON = {"name": "Patricia Boyle", "id": "5725767000000411002"}
PAGE_LIMIT, TOKEN_LIMIT, MAX_WRITE, MAX_FIELDS, MAX_PER_PAGE = 2000, 100_000, 100, 50, 200


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


def _error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "details": details, "message": message, "status": "error"}


@dataclass
class Deleted:
    id: str
    display_name: str | None
    type: str
    deleted_time: float


@dataclass
class Seen:
    method: str
    server: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class ZohoState:
    clock: FakeClock
    home_dc: str
    client_id: str = "1000.ERPSYNCCLIENT"
    client_secret: str = "zoho-client-secret-3b9d"
    access_ttl: float = 3600.0
    concurrency: int = 10
    credits_per_day: int = 50_000
    latency: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock)
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {m: {} for m in MODULE_FIELDS})
    mtime: dict[str, dict[str, int]] = field(default_factory=lambda: {m: {} for m in MODULE_FIELDS})
    deleted: dict[str, list[Deleted]] = field(default_factory=lambda: {m: [] for m in MODULE_FIELDS})
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(5725767000000600001))
    codes: dict[str, tuple[str | None, str, str, bool]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    access_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    issued: dict[str, deque[float]] = field(default_factory=dict)
    page_tokens: dict[str, tuple[tuple[Any, ...], int, float]] = field(default_factory=dict)
    credits: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    seen: list[Seen] = field(default_factory=list)
    throttled: int = 0
    token_reads: int = 0
    #: fault switch: a person edits the target of the next update just before Zoho applies it
    race_next_update: bool = False
    grants: list[dict[str, str]] = field(default_factory=list)

    def new_id(self) -> str:
        return str(next(self.ids))


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

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        fake = self.server.fake
        with fake.state.lock:
            fake.state.seen.append(Seen(self.command, f"{self.server.role}:{self.server.dc}", parts.path, query,
                                        {k.lower(): v for k, v in self.headers.items()}))
        if self.server.role == "accounts":
            status, body, headers = fake.accounts(self.server.dc, self.command, parts.path, query, raw)
        else:
            status, body, headers = fake.api(self.server.dc, self.command, parts.path, query, self.headers, raw)
        payload = b"" if status in (204, 304) or body is None else json.dumps(body).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: ZohoFake, role: str, dc: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake, self.role, self.dc = fake, role, dc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ZohoFake:
    """The fake organisation and its servers; `accounts_url(dc)` and `api_url(dc)` are their roots."""

    def __init__(self, dcs: Iterable[str] = ("us", "eu"), home_dc: str = "eu", *, clock: FakeClock | None = None,
                 **state: Any) -> None:
        self.state = ZohoState(clock=clock or FakeClock(), home_dc=home_dc, **state)
        self._servers = {(role, dc): _Server(self, role, dc) for dc in dcs for role in ("accounts", "api")}
        self._threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
                         for s in self._servers.values()]
        for thread in self._threads:
            thread.start()

    def accounts_url(self, dc: str) -> str:
        return self._servers[("accounts", dc)].url

    def api_url(self, dc: str) -> str:
        return self._servers[("api", dc)].url

    def close(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> ZohoFake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what a person does in Zoho CRM -----------------------------------------------------------
    def add(self, module: str, **values: Any) -> str:
        with self.state.lock:
            rid = self.state.new_id()
            now = int(self.state.clock())
            record = {"id": rid, "Owner": dict(PERSON), **values, "Created_Time": stamp(now),
                      "Modified_Time": stamp(now), "Created_By": dict(PERSON), "Modified_By": dict(PERSON)}
            self._lines_ids(module, record)
            self.state.records[module][rid] = record
            self.state.mtime[module][rid] = now
            return rid

    def seed(self, module: str, count: int, *, per_second: int = 1, start: float | None = None,
             make: Any = None) -> list[str]:
        """`count` records created `per_second` a second up to now (or from `start`), oldest first."""
        with self.state.lock:
            first = int(start if start is not None else self.state.clock() - count // max(1, per_second) - 1)
            ids = []
            for i in range(count):
                rid = self.state.new_id()
                when = first + i // max(1, per_second)
                values = make(i) if make else {"Last_Name": f"Person {i}", "Email": f"person{i}@example.com"}
                self.state.records[module][rid] = {"id": rid, "Owner": dict(PERSON), **values,
                                                   "Created_Time": stamp(when), "Modified_Time": stamp(when),
                                                   "Created_By": dict(PERSON), "Modified_By": dict(PERSON)}
                self.state.mtime[module][rid] = when
                ids.append(rid)
            return ids

    def edit(self, module: str, rid: str, **values: Any) -> None:
        with self.state.lock:
            record = self.state.records[module][rid]
            record.update(values)
            self._touch(module, rid, PERSON)

    def remove(self, module: str, rid: str, *, permanent: bool = False) -> None:
        with self.state.lock:
            self._delete(module, rid, "permanent" if permanent else "recycle")

    def record(self, module: str, rid: str) -> dict[str, Any] | None:
        with self.state.lock:
            found = self.state.records[module].get(rid)
            return json.loads(json.dumps(found)) if found is not None else None

    def records(self, module: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return json.loads(json.dumps(list(self.state.records[module].values())))

    def expire_access_tokens(self) -> None:
        with self.state.lock:
            self.state.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        with self.state.lock:
            self.state.refresh_tokens.clear()

    def api_calls(self, path_part: str = "/crm/v8/") -> list[Seen]:
        with self.state.lock:
            return [s for s in self.state.seen if s.server.startswith("api") and path_part in s.path]

    # -- internals ------------------------------------------------------------------------------
    def _touch(self, module: str, rid: str, who: dict[str, str]) -> None:
        now = int(self.state.clock())
        record = self.state.records[module][rid]
        record["Modified_Time"], record["Modified_By"] = stamp(now), dict(who)
        self.state.mtime[module][rid] = now

    def _lines_ids(self, module: str, record: dict[str, Any]) -> None:
        sub = SUBFORMS.get(module)
        for line in record.get(sub) or () if sub else ():
            line.setdefault("id", self.state.new_id())

    def _delete(self, module: str, rid: str, kind: str) -> None:
        record = self.state.records[module].pop(rid)
        self.state.mtime[module].pop(rid, None)
        name = next((record.get(f) for f in MANDATORY[module] if isinstance(record.get(f), str)), None)
        self.state.deleted[module].append(Deleted(rid, name, kind, self.state.clock()))

    # -- the accounts servers -------------------------------------------------------------------
    def accounts(self, dc: str, method: str, path: str, query: dict[str, str],
                 raw: bytes) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        if method == "GET" and path == "/oauth/v2/auth":
            if dc != state.home_dc:
                return 302, None, {"Location": f"{self.accounts_url(state.home_dc)}/oauth/v2/auth?{urlencode(query)}"}
            if query.get("client_id") != state.client_id or query.get("response_type") != "code":
                return 400, {"error": "invalid_client"}, {}
            code = "1000." + secrets.token_hex(16)
            with state.lock:
                state.codes[code] = (query.get("code_challenge"), query.get("redirect_uri", ""), dc,
                                     query.get("access_type") == "offline")
            back = {"state": query.get("state", ""), "code": code, "location": dc,
                    "accounts-server": self.accounts_url(dc)}
            return 302, None, {"Location": f"{query.get('redirect_uri')}?{urlencode(back)}"}
        if method == "POST" and path == "/oauth/v2/token":
            form = {**query, **dict(parse_qsl(raw.decode()))}
            with state.lock:
                state.grants.append(form)
                return 200, self._grant(dc, form), {}
        return 404, {"error": "not found"}, {}

    def _grant(self, dc: str, form: dict[str, str]) -> dict[str, Any]:
        state = self.state
        if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
            return {"error": "invalid_client"}
        if form.get("grant_type") == "authorization_code":
            issued = state.codes.pop(form.get("code", ""), None)
            if issued is None or issued[2] != dc or issued[1] != form.get("redirect_uri"):
                return {"error": "invalid_code"}
            challenge = issued[0]
            if challenge is not None:
                verifier = form.get("code_verifier", "").encode()
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if digest != challenge:
                    return {"error": "invalid_code"}
            refresh = "1000." + secrets.token_hex(20)
            if not issued[3]:  # only an offline grant comes with a refresh token
                return self._access(dc, refresh)
            state.refresh_tokens[refresh] = dc
            return {**self._access(dc, refresh), "refresh_token": refresh}
        if form.get("grant_type") == "refresh_token":
            refresh = form.get("refresh_token", "")
            if state.refresh_tokens.get(refresh) != dc:
                return {"error": "invalid_code"}
            window = state.issued.setdefault(refresh, deque())
            now = state.clock()
            while window and window[0] <= now - 600:
                window.popleft()
            if len(window) >= 10:
                return {"error": "Access Denied", "error_description": "You have made too many requests continuously"}
            return self._access(dc, refresh)
        return {"error": "unsupported_grant_type"}

    def _access(self, dc: str, refresh: str) -> dict[str, Any]:
        token = "1000." + secrets.token_hex(24)
        self.state.access_tokens[token] = (dc, self.state.clock() + self.state.access_ttl)
        self.state.issued.setdefault(refresh, deque()).append(self.state.clock())
        return {"access_token": token, "api_domain": self.api_url(dc), "token_type": "Bearer",
                "expires_in": int(self.state.access_ttl)}

    # -- the API servers --------------------------------------------------------------------------
    def api(self, dc: str, method: str, path: str, query: dict[str, str], headers: Any,
            raw: bytes) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        with state.lock:
            known = state.access_tokens.get(token)
            if scheme != "Zoho-oauthtoken" or known is None or known[0] != dc or known[1] <= state.clock():
                return 401, _error("INVALID_TOKEN", "invalid oauth token"), {}
            now = state.clock()
            while state.credits and state.credits[0] <= now - 86400:
                state.credits.popleft()
            if state.in_flight >= state.concurrency or len(state.credits) >= state.credits_per_day:
                state.throttled += 1
                return 429, _error("TOO_MANY_REQUESTS", "the request limit was reached"), {}
            state.in_flight += 1
            state.credits.append(now)
        try:
            if state.latency:
                time.sleep(state.latency)
            with state.lock:
                return self._route(method, path.removeprefix("/crm/v8/").split("/"), query, headers, raw)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _route(self, method: str, parts: list[str], query: dict[str, str], headers: Any,
               raw: bytes) -> tuple[int, Any, dict[str, str]]:
        module = parts[0]
        if module not in MODULE_FIELDS:
            return 400, _error("INVALID_MODULE", "the module name given seems to be invalid", resource_path_index=0), {}
        rest = parts[1:]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, _error("INVALID_DATA", "body is not JSON"), {}
        if method == "GET" and not rest:
            return self._list(module, query, headers)
        if method == "GET" and rest == ["search"]:
            return self._search(module, query)
        if method == "GET" and rest == ["deleted"]:
            return self._deleted(module, query, headers)
        if method == "POST" and not rest:
            return self._write(module, body, "insert", headers)
        if method == "PUT" and not rest:
            return self._write(module, body, "update", headers)
        if method == "POST" and rest == ["upsert"]:
            return self._write(module, body, "upsert", headers)
        if method == "DELETE" and not rest:
            return self._delete_ids(module, query)
        return 404, _error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"), {}

    def _shown(self, module: str, record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        if fields is None:
            return json.loads(json.dumps(record))
        return json.loads(json.dumps({"id": record["id"], **{f: record.get(f) for f in fields if f != "id"}}))

    def _fields(self, query: dict[str, str]) -> tuple[list[str] | None, tuple[int, Any] | None]:
        if not query.get("fields"):
            return None, (400, _error("REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
                                      param_name="fields"))
        names = [f for f in query["fields"].split(",") if f]
        if len(names) > MAX_FIELDS:
            return None, (400, _error("LIMIT_EXCEEDED", "fields limit exceeded", limit=MAX_FIELDS, param_name="fields"))
        return names, None

    def _list(self, module: str, query: dict[str, str], headers: Any) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        fields, problem = self._fields(query)
        if problem:
            return (*problem, {})
        if query.get("ids"):
            wanted = query["ids"].split(",")
            found = [self._shown(module, state.records[module][i], fields) for i in wanted
                     if i in state.records[module]]
            if not found:
                return 204, None, {}
            return 200, {"data": found, "info": {"per_page": len(found), "count": len(found), "page": 1,
                                                 "more_records": False}}, {}
        try:
            per_page = int(query.get("per_page", 200))
            page = int(query.get("page", 1))
        except ValueError:
            return 400, _error("INVALID_DATA", "invalid data", param_name="per_page"), {}
        if not 1 <= per_page <= MAX_PER_PAGE:
            return 400, _error("INVALID_DATA", "invalid data", param_name="per_page"), {}
        sort_by = query.get("sort_by", "id")
        order = query.get("sort_order", "desc")
        if sort_by not in ("id", "Created_Time", "Modified_Time") or order not in ("asc", "desc"):
            return 400, _error("INVALID_DATA", "invalid data", param_name="sort_by",
                               supported_values=["id", "Created_Time", "Modified_Time"]), {}
        since = headers.get("If-Modified-Since")
        binding = (module, query.get("fields"), sort_by, order, since, per_page)
        token = query.get("page_token")
        if token and "page" in query:
            return 400, _error("AMBIGUITY_DURING_PROCESSING", "You cannot use both page and page_token",
                               ambiguity_due_to=[{"param_name": "page"}, {"param_name": "page_token"}]), {}
        if token:
            known = state.page_tokens.get(token)
            if known is None:
                return 400, _error("INVALID_DATA", "invalid data", param_name="page_token"), {}
            if known[2] <= state.clock():
                return 400, _error("EXPIRED_VALUE", "page token has expired", param_name="page_token"), {}
            if known[0] != binding:
                return 400, _error("TOKEN_BOUND_DATA_MISMATCH", "parameters differ from the page token's",
                                   param_name="page_token"), {}
            offset = known[1]
            if offset >= TOKEN_LIMIT:
                return 400, _error("PAGINATION_LIMIT_EXCEEDED", "page token limit reached", param_name="page_token"), {}
            state.token_reads += 1
        else:
            if page * per_page > PAGE_LIMIT:
                return 400, _error("DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                                   "You can only get the first 2000 records without using page_token param",
                                   limit=PAGE_LIMIT), {}
            offset = (page - 1) * per_page
        ids = list(state.records[module])
        if since:
            try:
                after = _when(since)
            except ValueError:
                return 400, _error("INVALID_DATA", "invalid data", param_name="If-Modified-Since"), {}
            ids = [i for i in ids if state.mtime[module][i] > after]
        if sort_by == "id":
            ids.sort(key=int, reverse=order == "desc")
        else:
            field_of = state.mtime[module] if sort_by == "Modified_Time" else {
                i: _when(state.records[module][i]["Created_Time"]) for i in ids}
            ids.sort(key=lambda i: (field_of[i], int(i)), reverse=order == "desc")
        if not ids:
            return (304 if since else 204), None, {}
        chunk = ids[offset:offset + per_page]
        more = offset + per_page < len(ids)
        info: dict[str, Any] = {"per_page": per_page, "count": len(chunk), "page": page if not token else None,
                                "sort_by": sort_by, "sort_order": order, "more_records": more, "call": False,
                                "email": False, "next_page_token": None, "previous_page_token": None,
                                "page_token_expiry": None}
        if more:
            next_token = secrets.token_hex(12)
            expiry = state.clock() + 86400
            state.page_tokens[next_token] = (binding, offset + per_page, expiry)
            info["next_page_token"], info["page_token_expiry"] = next_token, stamp(expiry)
        if not chunk:
            return 204, None, {}
        return 200, {"data": [self._shown(module, state.records[module][i], fields) for i in chunk], "info": info}, {}

    def _search(self, module: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        fields = [f for f in query.get("fields", "").split(",") if f] or None
        terms = _criteria(query.get("criteria", ""))
        if terms is None or not 1 <= len(terms) <= 10:
            return 400, _error("INVALID_QUERY", "invalid query formed", param_name="criteria"), {}
        hits = []
        for record in self.state.records[module].values():
            for name, op, value in terms:
                have = record.get(name)
                have = have.get("name") if isinstance(have, dict) else have
                text = "" if have is None else str(have)
                if (op == "equals" and text.casefold() == value.casefold()) or (
                        op == "starts_with" and text.casefold().startswith(value.casefold())):
                    hits.append(record)
                    break
        per_page, page = int(query.get("per_page", 200)), int(query.get("page", 1))
        if page * per_page > PAGE_LIMIT:
            return 400, _error("LIMIT_REACHED", "search reaches the first 2000 records only", limit=PAGE_LIMIT), {}
        chunk = hits[(page - 1) * per_page: page * per_page]
        if not chunk:
            return 204, None, {}
        return 200, {"data": [self._shown(module, r, fields) for r in chunk],
                     "info": {"per_page": per_page, "count": len(chunk), "page": page,
                              "more_records": page * per_page < len(hits)}}, {}

    def _deleted(self, module: str, query: dict[str, str], headers: Any) -> tuple[int, Any, dict[str, str]]:
        kind = query.get("type", "all")
        per_page, page = int(query.get("per_page", 200)), int(query.get("page", 1))
        if not 1 <= per_page <= MAX_PER_PAGE or kind not in ("all", "recycle", "permanent"):
            return 400, {"data": [_error("PATTERN_NOT_MATCHED", "pattern not matched", param_name="type")]}, {}
        since = headers.get("If-Modified-Since")
        after = _when(since) if since else None
        entries = [d for d in self.state.deleted[module] if (kind == "all" or d.type == kind)
                   and (after is None or int(d.deleted_time) > after)]
        entries.sort(key=lambda d: d.deleted_time, reverse=True)
        chunk = entries[(page - 1) * per_page: page * per_page]
        if not chunk:
            return 204, None, {}
        data = [{"deleted_by": dict(API_USER), "id": d.id, "display_name": d.display_name, "type": d.type,
                 "created_by": dict(PERSON), "deleted_time": stamp(d.deleted_time)} for d in chunk]
        return 200, {"data": data, "info": {"per_page": per_page, "count": len(chunk), "page": page,
                                            "more_records": page * per_page < len(entries)}}, {}

    def _check(self, module: str, values: dict[str, Any], index: int, *, creating: bool,
               own_id: str | None = None) -> dict[str, Any] | None:
        known = set(MODULE_FIELDS[module]) | set(SYSTEM) | {"_delete"}
        for name in values:
            if name not in known and not name.startswith("$"):
                return _error("INVALID_DATA", "the field api name given seems to be invalid", api_name=name,
                              json_path=f"$.data[{index}].{name}")
        if creating:
            for name in MANDATORY[module]:
                if values.get(name) in (None, "", {}):
                    return _error("MANDATORY_NOT_FOUND", "required field not found", api_name=name,
                                  json_path=f"$.data[{index}].{name}")
        for name in UNIQUE.get(module, ()):
            value = values.get(name)
            if value in (None, ""):
                continue
            holder = next((r for r in self.state.records[module].values() if r["id"] != own_id
                           and str(r.get(name, "")).casefold() == str(value).casefold()), None)
            if holder is not None:
                return _error("DUPLICATE_DATA", "duplicate data", api_name=name, json_path=f"$.data[{index}].{name}",
                              duplicate_record={"Owner": holder.get("Owner"), "id": holder["id"],
                                                "module": {"api_name": module, "id": "5725767000000002175"}},
                              id=holder["id"], more_records=False)
        return None

    def _apply(self, module: str, record: dict[str, Any], values: dict[str, Any]) -> None:
        sub = SUBFORMS.get(module)
        for name, value in values.items():
            if name in SYSTEM:
                continue
            if name == sub and isinstance(value, list):
                rows = {str(r["id"]): r for r in record.get(sub) or ()}
                if not value:
                    rows = {}
                for row in value:
                    rid = str(row.get("id")) if row.get("id") else None
                    if rid and "_delete" in row:
                        rows.pop(rid, None)
                    elif rid and rid in rows:
                        rows[rid].update({k: v for k, v in row.items() if k != "id"})
                    else:
                        new = {**row, "id": self.state.new_id()}
                        rows[new["id"]] = new
                record[sub] = list(rows.values())
            else:
                record[name] = value

    def _success(self, record: dict[str, Any], action: str, message: str, dup: str | None) -> dict[str, Any]:
        item: dict[str, Any] = {"code": "SUCCESS", "details": {k: record[k] for k in SYSTEM} | {
            "$approval_state": "approved"}, "message": message, "status": "success"}
        if dup is not None:
            item.update(action=action, duplicate_field=dup)
        return item

    def _write(self, module: str, body: Any, action: str, headers: Any) -> tuple[int, Any, dict[str, str]]:
        state = self.state
        if not isinstance(body, dict) or not isinstance(body.get("data"), list) or not body["data"]:
            return 400, _error("REQUIRED_PARAM_MISSING", "data is missing", param_name="data"), {}
        rows = body["data"]
        if len(rows) > MAX_WRITE:
            return 400, _error("LIMIT_EXCEEDED", "Record count exceeded", limit=MAX_WRITE, api_name="data"), {}
        guard = headers.get("If-Unmodified-Since")
        if action == "update" and state.race_next_update:
            state.race_next_update = False
            state.clock.advance(1)
            for values in rows:
                if isinstance(values, dict) and str(values.get("id")) in state.records[module]:
                    self._touch(module, str(values["id"]), PERSON)
        results: list[dict[str, Any]] = []
        for index, values in enumerate(rows):
            if not isinstance(values, dict):
                results.append(_error("INVALID_DATA", "invalid data", json_path=f"$.data[{index}]"))
                continue
            target = None
            dup_field = None
            if action == "update":
                rid = str(values.get("id") or "")
                if not rid:
                    results.append(_error("MANDATORY_NOT_FOUND", "required field not found", api_name="id",
                                          json_path=f"$.data[{index}].id"))
                    continue
                target = state.records[module].get(rid)
                if target is None:
                    results.append(_error("INVALID_DATA", "the id given seems to be invalid", api_name="id",
                                          json_path=f"$.data[{index}].id"))
                    continue
                if guard and state.mtime[module][rid] > _when(guard):
                    results.append({"code": "ALREADY_MODIFIED", "status": "error",
                                    "message": "record updated time has already passed if-unmodified-since time",
                                    "details": {k: target[k] for k in SYSTEM}})
                    continue
            elif action == "upsert":
                keys = body.get("duplicate_check_fields") or UNIQUE.get(module, ())
                for name in keys:
                    if values.get(name) in (None, ""):
                        continue
                    target = next((r for r in state.records[module].values()
                                   if str(r.get(name, "")).casefold() == str(values[name]).casefold()), None)
                    if target is not None:
                        dup_field = name
                        break
                dup_field = dup_field or (keys[0] if keys else None)
            problem = self._check(module, values, index, creating=target is None,
                                  own_id=target["id"] if target else None)
            if problem:
                results.append(problem)
                continue
            if target is None:
                rid = state.new_id()
                now = stamp(state.clock())
                target = {"id": rid, "Owner": dict(API_USER), "Created_Time": now, "Modified_Time": now,
                          "Created_By": dict(API_USER), "Modified_By": dict(API_USER)}
                self._apply(module, target, values)
                state.records[module][rid] = target
                state.mtime[module][rid] = int(state.clock())
                results.append(self._success(target, "insert", "record added", dup_field))
            else:
                self._apply(module, target, values)
                self._touch(module, target["id"], API_USER)
                results.append(self._success(target, "update", "record updated", dup_field))
        ok = [r for r in results if r["status"] == "success"]
        if not ok:
            refused = all(r["code"] == "ALREADY_MODIFIED" for r in results)
            return (412 if refused else 400), {"data": results}, {}
        if len(ok) < len(results):
            return 207, {"data": results}, {}
        return (201 if action == "insert" else 200), {"data": results}, {}

    def _delete_ids(self, module: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not ids:
            return 400, _error("REQUIRED_PARAM_MISSING", "ids is missing", param_name="ids"), {}
        results = []
        for rid in ids:
            if rid in self.state.records[module]:
                self._delete(module, rid, "recycle")
                results.append({"code": "SUCCESS", "details": {"id": rid}, "message": "record deleted",
                                "status": "success"})
            else:
                results.append(_error("INVALID_DATA", "the id given seems to be invalid", api_name="id"))
        ok = sum(r["status"] == "success" for r in results)
        return (200 if ok == len(results) else 207 if ok else 400), {"data": results}, {}


def _criteria(text: str) -> list[tuple[str, str, str]] | None:
    """(field, operator, value) of `(a:equals:x)or(b:equals:y)`, with backslash escapes undone."""
    terms: list[tuple[str, str, str]] = []
    depth, current, escaped = 0, "", False
    for char in text:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
            current = ""
        elif char == ")":
            if current:
                name, op, value = [*current.split(":", 2), "", ""][:3]
                for raw, plain in (("\\(", "("), ("\\)", ")"), ("\\,", ","), ("\\\\", "\\")):
                    value = value.replace(raw, plain)
                if not name or op not in ("equals", "starts_with"):
                    return None
                terms.append((name, op, value))
            current = ""
            depth -= 1
        else:
            current += char
    return terms if depth == 0 else None
