"""A fake Siagh (سیاق) finance server: a real, stateful HTTP server on 127.0.0.1.

Sources: https://github.com/hosshhrb/SyncSiagh (a public repository that pasted real request/reply bodies
and server logs of one installation, Siagh v8.3.1404.20812), files named below:
- `POST /GeneralApi/LoginUser` with {"UserName", "Password": uppercase MD5 hex}; the reply shape below
  (SessionId 32 lowercase hex, Token = SessionId + ":0", FiscalYear, SystemDate "1404/09/04", SystemTime)
  is the one in SIAGH_INTEGRATION.md (first commit) and src/finance/dto/siagh-user.dto.ts.
- Later calls send `Authorization: <SessionId>` without a scheme (finance-auth.service.ts, CHANGELOG.md).
- `GET /api/Sgh/GEN/Gn_Web_Users/GetAll` answers every contact as one bare JSON array, no paging
  ("Retrieved 3722 users from Siagh", WINDOWS_START.txt); the row fields are those of siagh-user.dto.ts.
- `POST /BpmsApi/SaveFormData`: form 2BFDA (contacts; `Param1=<Code>` + `CodeMain=<Code>` for updates) and
  43D81 (sales pre-invoices, lines in `dataRows` as JSON inside a string). Every reply is HTTP 200; success
  is `ReturnValue` true, errors are `Errors[]` entries of `ErrorType` "ErrError" (PRISMA-LOGS.md). The
  duplicate-mobile message, the pre-invoice success message "... به شماره N ثبت گردید خالص سند: ...",
  the row-price message and the RUNTIME ERROR for empty codemarkazforush/codevaseteh are quoted from
  PRISMA-LOGS.md, SIAGH_INTEGRATION.md and WEBHOOK-LOGS.md.

Resting on unverified facts (GUESS): the 401 bodies ({"Message": ...}) and that an unknown or expired
session answers 401 at all (no expiry reply was captured); splitting ctrlValues on "|" then on the first
"=" (no escaping was ever seen); that a form save keeps the columns it does not name; the "name is empty"
message; that tmpid is not returned by GetAll (the sources disagree; not returned here).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import secrets
import threading
import uuid
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOGIN = "/GeneralApi/LoginUser"
CONTACTS = "/api/Sgh/GEN/Gn_Web_Users/GetAll"
SAVE = "/BpmsApi/SaveFormData"
#: every field of a GetAll row (most are null)
ROW_FIELDS = (
    "RecordId", "Code", "Name", "NickName", "NationalCode", "MobileNo", "MobileNo2", "TelNo", "TelNo2", "Email",
    "Email2", "Address", "PostalCode", "CityCode", "CountryCode", "Gender", "BirthDate", "FatherName", "Description",
    "WebSiteAddress", "IsActive", "IsAdminUser", "TowardType", "RegDate", "ExpireDate", "ParentCode",
    "AccountPartyCode", "GeographicCode", "FraternityCode", "JobTypeCode", "TrackingCode", "CodeRoshd", "Coin",
    "Confirm", "GiveCoinToParentCode", "HasDisCount", "img", "Picture", "PreName", "RepresentativeId", "OrgField",
    "Password",
)
#: form column -> GetAll field
COLUMN_FIELDS = {
    "isactive": "IsActive", "gender": "Gender", "websiteaddress": "WebSiteAddress", "pocode": "PostalCode",
    "address": "Address", "codeshahr": "CityCode", "countrycode": "CountryCode", "email": "Email",
    "fullname": "Name", "mobileno": "MobileNo", "telno": "TelNo", "tozihat": "Description", "nickname": "NickName",
    "taraftype": "TowardType", "passno": "NationalCode", "password": "Password",
}
_BOOLEAN = {"IsActive", "TowardType"}
_NUMBER = {"CityCode", "CountryCode", "Gender"}
DUPLICATE_MOBILE = "شماره موبایل نمی تواند تکراری باشد."
EMPTY_NAME = "نام طرف حساب نمی تواند خالی باشد."
RUNTIME_ERROR = (" پیامهای سرویس : RUNTIME ERROR\nField 'Code' not found when evaluating instruction CallProc "
                 "($FFFFFFFF,$1,$1E888D0,$0,'FieldByName').\nStack content is: [Null,Null,0,97227280].\n"
                 "Source position: 218,84\nPosition: 218, 84")


def md5_upper(password: str) -> str:
    return hashlib.md5(password.encode("utf-8")).hexdigest().upper()


def _entry(kind: str, description: str, *, column: str = "", code: int = -1) -> dict[str, Any]:
    return {"ColName": column, "Group": "", "ErrorType": kind, "Description": description, "ErrorCode": code,
            "MessageText": "", "Solution": "", "HelpIndex": ""}


def _reply(ok: bool, errors: list[dict[str, Any]], code: str = "", params: str = "",
           final: list[str] | None = None) -> dict[str, Any]:
    return {"Errors": errors, "FinalMessages": final or [], "ReturnValue": ok, "ReturnCode": code,
            "ReturnParams": params}


def split_pairs(text: str) -> list[tuple[str, str]]:
    """ctrlValues / parameters as (key, value) pairs: split on "|", then on the first "="."""
    pairs = []
    for part in text.split("|") if text else []:
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs


class SiaghFake:
    """The fake server with helpers that act as a person working in Siagh, and fault switches."""

    def __init__(self, *, username: str = "مدیر سیستم", password: str = "siagh-pass", fiscal_year: int = 1404,
                 system_date: str = "1404/09/04", system_time: str = "17:33") -> None:
        self.username, self.password = username, password
        self.fiscal_year, self.system_date, self.system_time = fiscal_year, system_date, system_time
        self.lock = threading.RLock()
        self.contacts: dict[int, dict[str, Any]] = {}
        self.pre_invoices: list[dict[str, Any]] = []
        self.sessions: set[str] = set()
        self._codes = itertools.count(8300)
        self._doc_numbers = itertools.count(2488)
        self._internal_ids = itertools.count(15459)
        #: every request: (method, path, headers, body text)
        self.requests: list[tuple[str, str, dict[str, str], str]] = []
        self.logins = 0
        #: fault switches: the next N calls answer 401 as an expired session would
        self.expire_next = 0
        #: the next SaveFormData answers this ErrError description
        self.fail_next_save: str | None = None
        #: SaveFormData answers ReturnValue true with an empty ReturnCode
        self.blank_return_code = False
        #: GetAll answers these bytes instead of the contact array
        self.broken_list: bytes | None = None
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life ---------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._http is not None, "the fake is not started"
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> SiaghFake:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True,
                                        name="fake-siagh")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._http = None

    def __enter__(self) -> SiaghFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers: a person working in Siagh ------------------------------------------------------
    def add_contact(self, **fields: Any) -> int:
        """A new contact as Siagh's own screens would store it; returns its Code."""
        with self.lock:
            code = fields.pop("Code", None) or next(self._codes)
            row: dict[str, Any] = dict.fromkeys(ROW_FIELDS)
            row.update({"RecordId": str(uuid.uuid4()), "Code": code, "IsActive": True, "TowardType": False,
                        "IsAdminUser": False})
            row.update(fields)
            self.contacts[code] = row
            return code

    def edit_contact(self, code: int, **fields: Any) -> None:
        with self.lock:
            self.contacts[code].update(fields)

    def contact(self, code: int | str) -> dict[str, Any]:
        with self.lock:
            return dict(self.contacts[int(code)])

    def seed_contacts(self, count: int) -> None:
        """`count` contacts with Persian names and distinct mobile numbers."""
        with self.lock:
            for n in range(count):
                self.add_contact(Name=f"مشتری شماره {n} یکم کالا", MobileNo=f"0912{n:07d}",
                                 Address="تهران، خیابان ولیعصر، پلاک ۱۲", NationalCode=f"{n:010d}")

    def saves(self, form_id: str) -> list[dict[str, Any]]:
        """The bodies of the SaveFormData calls of one form, oldest first."""
        out = []
        for method, path, _headers, body in self.requests:
            if method == "POST" and path == SAVE:
                data = json.loads(body)
                if data.get("formId") == form_id:
                    out.append(data)
        return out

    # -- the API ---------------------------------------------------------------------------------
    def login(self, body: Mapping[str, Any]) -> tuple[int, Any]:
        if body.get("UserName") != self.username or body.get("Password") != md5_upper(self.password):
            return 401, {"Message": "Invalid username or password"}
        session = secrets.token_hex(16)
        with self.lock:
            self.sessions.add(session)
            self.logins += 1
        return 200, {"ContactCode": 2, "ContactName": "سید محمدرضا هاشمیان", "UserCode": 1,
                     "UserName": self.username, "SessionId": session, "Token": f"{session}:0", "BranchCode": 1,
                     "BranchName": "دفتر مرکزی", "IsAdminUser": True, "FiscalYear": self.fiscal_year,
                     "MobileNo": "9123456789", "SystemDate": self.system_date, "SystemTime": self.system_time}

    def authorized(self, header: str | None) -> bool:
        with self.lock:
            if self.expire_next > 0:
                self.expire_next -= 1
                self.sessions.clear()
                return False
            return header is not None and header in self.sessions

    def contact_rows(self) -> Iterator[dict[str, Any]]:
        """Each contact as it is when its turn comes (only the list of codes is taken up front)."""
        with self.lock:
            codes = list(self.contacts)
        for code in codes:
            with self.lock:
                row = self.contacts.get(code)
                row = dict(row) if row is not None else None
            if row is not None:
                yield row

    def save(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.fail_next_save is not None:
                text, self.fail_next_save = self.fail_next_save, None
                return _reply(False, [_entry("ErrError", text)])
            form = body.get("formId")
            if form == "2BFDA":
                return self._save_contact(body)
            if form == "43D81":
                return self._save_pre_invoice(body)
            return _reply(False, [_entry("ErrError", f"فرم {form} یافت نشد")])

    def _save_contact(self, body: Mapping[str, Any]) -> dict[str, Any]:
        pairs = split_pairs(str(body.get("ctrlValues") or ""))
        params = dict(split_pairs(str(body.get("parameters") or "")))
        values: dict[str, Any] = {}
        target: int | None = None
        for key, value in pairs:
            if key == "Param1":
                target = int(value)
            elif key.startswith("gn_web_users."):
                column = key.split(".", 1)[1]
                name = COLUMN_FIELDS.get(column)
                if name is not None:
                    values[name] = _typed(name, value)
        if target is not None and params.get("CodeMain") != str(target):
            target = None  # without CodeMain Siagh saves a new contact (the client warns of exactly this)
        if not str(values.get("Name") or "").strip() and (target is None or "Name" in values):
            return _reply(False, [_entry("ErrError", EMPTY_NAME)])
        mobile = values.get("MobileNo")
        if mobile and any(r["MobileNo"] == mobile and code != target for code, r in self.contacts.items()):
            return _reply(False, [_entry("ErrError", DUPLICATE_MOBILE)])
        if target is not None and target in self.contacts:
            self.contacts[target].update(values)
            code = target
        else:
            code = self.add_contact(**values)
        shown = "" if self.blank_return_code else str(code)
        return _reply(True, [], shown, shown)

    def _save_pre_invoice(self, body: Mapping[str, Any]) -> dict[str, Any]:
        header = {k.split(".", 1)[1]: v for k, v in split_pairs(str(body.get("ctrlValues") or ""))
                  if k.startswith("sl_sanad.")}
        grids = json.loads(str(body.get("dataRows") or "[]"))
        rows = [{column: cell.get("newValue") for column, cell in line.items()}
                for grid in grids if grid.get("entity") == "sl_rizsanad" for line in grid.get("data", [])]
        if not header.get("codemarkazforush") or not header.get("codevaseteh"):
            return _reply(False, [_entry("ErrError", RUNTIME_ERROR)])
        if not header.get("codemoshtari", "").isdigit() or int(header["codemoshtari"]) not in self.contacts:
            return _reply(False, [_entry("ErrError", "طرف حساب یافت نشد", column="codemoshtari")])
        for number, row in enumerate(rows, start=1):
            if not isinstance(row.get("price"), int | float) or row["price"] <= 0:
                return _reply(False, [_entry("ErrError", f"قیمت ردیف {number} درست وارد نشده است", column="Price")])
        number, internal = next(self._doc_numbers), next(self._internal_ids)
        net = sum(r["qty"] * r["price"] - (r.get("mabtakhfif") or 0) for r in rows)
        self.pre_invoices.append({"number": number, "id": internal, "header": header, "rows": rows,
                                  "parameters": body.get("parameters")})
        message = f"پیش فاکتور فروش با موفقیت به شماره {number} ثبت گردید"
        code = "" if self.blank_return_code else str(internal)
        return _reply(True, [_entry("ErrSuccs", f"{message} خالص سند: {net:,.0f}", code=0)], code, str(458640 + number),
                      final=[message])


def _typed(name: str, value: str) -> Any:
    if value == "":
        return None
    if name in _BOOLEAN:
        return value.strip() == "1"
    if name in _NUMBER:
        return int(value) if value.strip().lstrip("-").isdigit() else value
    return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    owner: SiaghFake

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        with fake.lock:
            fake.requests.append((self.command, path, dict(self.headers.items()), raw.decode("utf-8", "replace")))
        if path == LOGIN and self.command == "POST":
            status, body = fake.login(json.loads(raw or b"{}"))
            self._json(status, body)
            return
        if path not in (CONTACTS, SAVE):
            self._json(404, {"Message": f"No HTTP resource was found that matches the request URI '{path}'."})
            return
        if not fake.authorized(self.headers.get("Authorization")):
            self._json(401, {"Message": "Authorization has been denied for this request."})
            return
        if path == CONTACTS:
            self._stream_contacts()
        elif self.command == "POST":
            self._json(200, fake.save(json.loads(raw or b"{}")))
        else:
            self._json(405, {"Message": "The requested resource does not support http method 'GET'."})

    def _json(self, status: int, body: Any) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream_contacts(self) -> None:
        """The bare array, written row by row (chunked), so the server never holds it whole either."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        with contextlib.suppress(OSError):
            if self.owner.broken_list is not None:
                self._chunk(self.owner.broken_list)
                self.wfile.write(b"0\r\n\r\n")
                return
            buffer = bytearray(b"[")
            for n, row in enumerate(self.owner.contact_rows()):
                buffer += (b"," if n else b"") + json.dumps(row, ensure_ascii=False).encode("utf-8")
                if len(buffer) >= 16_384:
                    self._chunk(bytes(buffer))
                    buffer.clear()
            buffer += b"]"
            self._chunk(bytes(buffer))
            self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode("ascii") + data + b"\r\n")
