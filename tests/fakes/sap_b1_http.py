"""The HTTP side of the fake Service Layer: paths, status codes, headers, cookies, paging links, batch
replies and error bodies, over the state a SapB1Fake keeps (see tests/fakes/sap_b1.py for the sources)."""

from __future__ import annotations

import json
import re
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from tests.fakes.sap_b1_wire import KEYS, FakeError, batch_requests

if TYPE_CHECKING:
    from tests.fakes.sap_b1 import SapB1Fake


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: SapB1Fake) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


def _key(entity_set: str, text: str) -> Any:
    text = unquote(text)
    if "=" in text:
        text = text.split("=", 1)[1]
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return int(text) if KEYS[entity_set] in ("DocEntry", "Number") else text


_PATH = re.compile(r"^/b1s/(v1|v2)/([A-Za-z$]+)(?:\((.+)\))?$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "Apache"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              cookies: tuple[str, ...] = ()) -> None:
        self.send_response(status)
        version = getattr(self, "_version", "v2")
        self.send_header("OData-Version" if version == "v2" else "DataServiceVersion",
                         "4.0" if version == "v2" else "3.0")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None, **kw: Any) -> None:
        self._send(status, json.dumps(data).encode(), {"Content-Type": "application/json;charset=utf-8",
                                                       **(headers or {})}, **kw)

    def _error(self, exc: FakeError) -> None:
        self._send(exc.status, error_body(self._version, exc), {"Content-Type": "application/json;charset=utf-8"})

    def _serve(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        match = _PATH.match(unquote(parts.path))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self._version = match[1] if match else "v2"
        with fake.lock:
            fake.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        try:
            if not match:
                raise FakeError(404, -2028, f"Resource not found for the segment '{parts.path}'")
            version, name, key = match[1], match[2], match[3]
            if name == "Login" and self.command == "POST":
                status, body, sid = fake.login(json.loads(raw or b"{}"))
                meta = {"odata.metadata": f"{fake.url('v1')}$metadata#B1Sessions/@Element"} if version == "v1" else {
                    "@odata.context": f"{fake.url('v2')}$metadata#B1Sessions/$entity"}
                self._json(status, {**meta, **body},
                           cookies=(f"B1SESSION={sid};HttpOnly;", "ROUTEID=.node1; path=/b1s"))
                return
            if not fake.session_ok(self.headers.get("Cookie")):
                raise FakeError(401, 301, "Invalid session or session already timeout.")
            if name == "Logout" and self.command == "POST":
                with fake.lock:
                    fake.logouts += 1
                self._send(204)
                return
            if name == "$batch" and self.command == "POST":
                self._batch(version, raw)
                return
            if name not in KEYS:
                raise FakeError(404, -2028, f"Resource not found for the segment '{name}'")
            self._entity(version, name, key, dict(parse_qsl(parts.query, keep_blank_values=True)), raw)
        except FakeError as exc:
            self._error(exc)
        except (ValueError, KeyError, IndexError):
            self._error(FakeError(400, -1000, "Incomplete Batch Request Body!" if "$batch" in self.path
                                  else "Invalid request"))

    def _entity(self, version: str, name: str, key: str | None, query: dict[str, str], raw: bytes) -> None:
        fake = self.server.fake
        if self.command == "GET" and key is None:
            size = _page_size(self.headers)
            rows, next_skip = fake.collection(name, query, size)
            body: dict[str, Any] = {"value": [_annotate(version, r) for r in rows]}
            if version == "v1":
                body = {"odata.metadata": f"{fake.url('v1')}$metadata#{name}", **body}
            else:
                body = {"@odata.context": f"{fake.url('v2')}$metadata#{name}", **body}
            if next_skip is not None:
                link = f"/b1s/{version}/{name}?" + urlencode({**query, "$skip": next_skip}, quote_via=quote, safe="$',")
                body["odata.nextLink" if version == "v1" else "@odata.nextLink"] = link
            headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if _asked_size(self.headers) else {}
            self._json(200, body, headers)
            if fake.after_page is not None:
                fake.after_page(fake._pages)
            return
        if self.command == "GET":
            row = fake.get(name, _key(name, key))
            if row is None:
                raise FakeError(404, -2028, "No matching records found (ODBC -2028)")
            shaped = fake.shaped(name, row, query.get("$select"))
            etag = shaped["__etag"]
            self._json(200, _annotate(version, shaped, single=True), {"ETag": etag})
            return
        if self.command == "POST" and key is None:
            row = fake.create(name, json.loads(raw or b"{}"))
            status, body, headers = created_reply(fake, version, name, row)
            self._send(status, body, headers)
            return
        if self.command == "PATCH" and key is not None:
            fake.patch(name, _key(name, key), json.loads(raw or b"{}"), self.headers.get("If-Match"))
            self._send(204)
            return
        if self.command == "DELETE" and key is not None:
            if name not in ("BusinessPartners", "Items"):  # documents are closed or cancelled, not deleted
                raise FakeError(400, -5006, "The requested action is not supported for this object.")
            fake.delete(name, _key(name, key), self.headers.get("If-Match"))
            self._send(204)
            return
        raise FakeError(405, -5006, "The requested action is not supported for this object.")

    def _batch(self, version: str, raw: bytes) -> None:
        fake = self.server.fake
        boundary = re.search(r'boundary="?([^";]+)', self.headers.get("Content-Type", ""))
        if not boundary:
            raise FakeError(400, -1000, "Incomplete Batch Request Body!")
        requests = batch_requests(raw, boundary[1])
        if version == "v2" and any(cid is None for cid, _m, _p, _b in requests):
            raise FakeError(400, -1000, "Content-ID is required for every request in a change set")
        answer = f"batchresponse_{uuid.uuid4()}"
        with fake.lock:
            saved = fake.snapshot()
            replies: list[bytes] = []
            try:
                for cid, method, path, body in requests:
                    match = _PATH.match(unquote(path))
                    if method != "POST" or not match or match[2] not in KEYS:
                        raise FakeError(400, -1000, "Incomplete Batch Request Body!")
                    row = fake.create(match[2], body)
                    status, data, headers = created_reply(fake, version, match[2], row)
                    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                    replies.append(f"Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
                                   f"Content-ID: {cid}\r\n\r\nHTTP/1.1 {status} Created\r\n{head}\r\n".encode() + data)
            except FakeError as exc:
                fake.restore(saved)  # the whole changeset is rolled back
                out = (f"--{answer}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                       f"HTTP/1.1 {exc.status} Bad Request\r\nContent-Type: application/json;charset=utf-8\r\n\r\n"
                       ).encode() + error_body(version, exc) + f"\r\n--{answer}--\r\n".encode()
            else:
                change = answer.replace("batchresponse", "changesetresponse")
                inner = b"".join(f"--{change}\r\n".encode() + r + b"\r\n" for r in replies)
                out = (f"--{answer}\r\nContent-Type: multipart/mixed;boundary={change}\r\n\r\n".encode() + inner
                       + f"--{change}--\r\n--{answer}--\r\n".encode())
        self._send(202 if version == "v1" else 200, out, {"Content-Type": f"multipart/mixed;boundary={answer}"})


def _annotate(version: str, row: dict, *, single: bool = False) -> dict:
    etag = row.pop("__etag", None)
    if version == "v2" and etag:
        return {"@odata.etag": etag, **row}
    return row


def created_reply(fake: SapB1Fake, version: str, name: str, row: dict) -> tuple[int, bytes, dict[str, str]]:
    key = row[KEYS[name]]
    etag = fake.etag(name, key)
    location = f"{fake.url(version)}{name}({key!r})" if isinstance(key, str) else f"{fake.url(version)}{name}({key})"
    body = {"@odata.etag": etag, **row} if version == "v2" else row
    return 201, json.dumps(body).encode(), {"Content-Type": "application/json;charset=utf-8", "ETag": etag,
                                            "Location": location}


def error_body(version: str, exc: FakeError) -> bytes:
    if exc.status == 412:  # the guide's one example of this error, in the string-code shape
        return json.dumps({"error": {"code": str(exc.code), "message": exc.message}}).encode()
    if version == "v1":
        return json.dumps({"error": {"code": exc.code, "message": {"lang": "en-us", "value": exc.message}}}).encode()
    return json.dumps({"error": {"code": str(exc.code), "details": [{"code": "", "message": ""}],
                                 "message": exc.message}}).encode()


def _asked_size(headers: Any) -> int | None:
    prefer = re.search(r"odata\.maxpagesize=(\d+)", headers.get("Prefer") or "")
    if prefer:
        return int(prefer[1])
    size = headers.get("B1S-PageSize")
    return int(size) if size and size.isdigit() else None


def _page_size(headers: Any) -> int:
    asked = _asked_size(headers)
    return 20 if asked is None else asked  # 0 turns paging off
