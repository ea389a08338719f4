"""The REST dialect the sandbox serves, without any socket: one request in, one reply out.

Kept apart from the HTTP plumbing in server.py so the rules (auth, paging, filters, validation,
conflicts) read in one place.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from erpsync_gui.entities import ENTITIES
from erpsync_gui.sandbox.storage import (
    NATURAL_KEYS,
    RESERVED,
    DuplicateKeyError,
    Storage,
    VersionMismatchError,
    format_ts,
    parse_ts,
)

API_PREFIX = "/index.php/api/"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
PAGING_PARAMS = {"per_page", "page", "offset", "limit", "cursor", "updated_since"}

REQUIRED: dict[str, tuple[str, ...]] = {
    "clients": ("company",), "leads": ("name",), "projects": ("name",), "tickets": ("subject",),
    "invoices": ("client_id",), "products": ("sku", "name"), "units": ("code",), "currencies": ("code",),
    "warehouses": ("code",), "product_groups": ("name",), "client_groups": ("name",),
    "orders": ("client_id",), "payments": ("invoice_id", "amount"), "stock": ("product_id", "warehouse_id"),
    "discount_grids": ("client_group_id", "product_group_id"),
}
MONEY_FIELDS = {"total", "value", "budget", "amount", "price", "unit_price", "discount_percent"}
DECIMAL_FIELDS = MONEY_FIELDS | {"quantity", "qty", "tax_rate"}
NOT_REFERENCES = {"external_id"}
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_ISO2 = re.compile(r"^[A-Za-z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("error"))
        self.reply = Reply(status, body, headers or {})


def entity_of(path: str) -> str:
    """The entity a request path names ("" when the path is not an API path)."""
    route = urlsplit(path).path
    if not route.startswith(API_PREFIX):
        return ""
    return route[len(API_PREFIX) :].split("/", 1)[0]


class Api:
    """Applies the dialect's rules to a Storage."""

    def __init__(self, storage: Storage, auth_token: str, client_token: str) -> None:
        self.storage = storage
        self.auth_token = auth_token
        self.client_token = client_token
        #: act as a server that keeps only the dialect's promise (page, per_page, updated_since) and answers
        #: every other filter parameter with the unfiltered list
        self.ignore_filters = False
        #: the most records one POST may carry as a JSON list, or None: a POST takes one record only (the
        #: dialect's promise). A list is answered 201 (every record created) or 207 with one item per record,
        #: in order: the created record, or {"error", "status", "existing_id"/"fields"} for one not created
        self.list_create_max: int | None = None

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request. `headers` must be case-insensitive (http.client's message)."""
        try:
            return self._route(method.upper(), path, headers, body)
        except _Refused as refused:
            return refused.reply

    def _route(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        if not parts.path.startswith(API_PREFIX):
            raise _Refused(404, {"error": "Not found"})
        segments = [s for s in parts.path[len(API_PREFIX) :].split("/") if s]
        if not segments or len(segments) > 2:
            raise _Refused(404, {"error": "Not found"})
        entity = segments[0]
        if entity not in ENTITIES:
            raise _Refused(404, {"error": f"Unknown entity {entity!r}"})
        self._authorize(entity, headers)
        record_id = self._record_id(segments[1]) if len(segments) == 2 else None
        if method == "GET":
            if record_id is None:
                return self._list(entity, parse_qs(parts.query, keep_blank_values=True))
            return Reply(200, {"data": self._existing(entity, record_id)})
        if method == "POST" and record_id is None:
            value = _json_value(body)
            if isinstance(value, list) and self.list_create_max is not None:
                return self._create_list(entity, value)
            if not isinstance(value, dict):
                raise _Refused(400, {"error": "The request body must be a JSON object"})
            return self._create(entity, value)
        if method == "PUT" and record_id is not None:
            return self._update(entity, record_id, _json_object(body), headers.get("If-Match"))
        if method == "DELETE" and record_id is not None:
            return self._delete(entity, record_id, headers.get("If-Match"))
        raise _Refused(405, {"error": f"Method {method} not allowed here"}, {"Allow": "GET, POST, PUT, DELETE"})

    def _authorize(self, entity: str, headers: Mapping[str, str]) -> None:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), self.auth_token):
            raise _Refused(401, {"error": "Invalid or missing auth token"}, {"WWW-Authenticate": "Bearer"})
        if ENTITIES[entity].advanced:
            given = headers.get("X-Client-Token")
            if not given:
                raise _Refused(401, {"error": "Missing client token"})
            if not hmac.compare_digest(given.strip(), self.client_token):
                raise _Refused(403, {"error": "Invalid client token"})

    @staticmethod
    def _record_id(text: str) -> int:
        if not text.isdigit():
            raise _Refused(404, {"error": "Not found"})
        return int(text)

    def _existing(self, entity: str, record_id: int) -> dict[str, Any]:
        doc = self.storage.get(entity, record_id)
        if doc is None:
            raise _Refused(404, {"error": "Not found"})
        return doc

    # -- list ----------------------------------------------------------------------------------
    def _list(self, entity: str, query: dict[str, list[str]]) -> Reply:
        per_page = min(_positive(query, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
        page = _positive(query, "page", 1)
        offset = 0
        if "offset" in query or "limit" in query:
            offset = _positive(query, "offset", 0, minimum=0)
            per_page = min(_positive(query, "limit", per_page), MAX_PER_PAGE)
        elif "page" in query:
            offset = (page - 1) * per_page
        after = _decode_cursor(query["cursor"][-1]) if query.get("cursor", [""])[-1] else None
        since = None
        if query.get("updated_since", [""])[-1]:
            try:
                since = format_ts(parse_ts(query["updated_since"][-1]))
            except ValueError:
                raise _Refused(400, {"error": "updated_since must be an ISO-8601 timestamp"}) from None
        filters = {}
        for name, values in query.items():
            if name in PAGING_PARAMS:
                continue
            if not _FIELD_NAME.match(name):
                raise _Refused(400, {"error": f"Unknown filter {name!r}"})
            filters[name] = values
        if self.ignore_filters:
            filters = {}
        result = self.storage.list(entity, filters=filters, updated_since=since, after=after,
                                   offset=offset, limit=per_page)
        next_cursor = _encode_cursor(result.last_key) if result.more and result.last_key else None
        meta = {"page": offset // per_page + 1, "per_page": per_page, "total": result.total,
                "next_cursor": next_cursor}
        if "offset" in query or "limit" in query:
            meta["offset"] = offset
        return Reply(200, {"data": result.records, "meta": meta})

    # -- writes --------------------------------------------------------------------------------
    def _create(self, entity: str, payload: dict[str, Any]) -> Reply:
        fields = _clean(entity, payload, partial=False)
        try:
            doc = self.storage.create(entity, fields)
        except DuplicateKeyError as dup:
            raise _Refused(409, {"error": f"Duplicate {dup.field}", "existing_id": dup.existing_id}) from None
        location = f"{API_PREFIX}{entity}/{doc['id']}"
        return Reply(201, {"data": doc}, {"Location": location, "ETag": f'"{doc["version"]}"'})

    def _create_list(self, entity: str, payloads: list[Any]) -> Reply:
        """Each record created on its own (one refused record does not hold back the others)."""
        assert self.list_create_max is not None
        if not payloads:
            raise _Refused(400, {"error": "The list holds no records"})
        if len(payloads) > self.list_create_max:
            raise _Refused(413, {"error": f"At most {self.list_create_max} records per list"})
        items: list[dict[str, Any]] = []
        for payload in payloads:
            try:
                if not isinstance(payload, dict):
                    raise _Refused(400, {"error": "A record must be a JSON object"})
                items.append(self._create(entity, payload).body["data"])
            except _Refused as refused:
                items.append({**refused.reply.body, "status": refused.reply.status})
        every = all("error" not in item for item in items)
        return Reply(201 if every else 207, {"data": items})

    def _update(self, entity: str, record_id: int, payload: dict[str, Any], if_match: str | None) -> Reply:
        expected = _expected_version(if_match)
        fields = _clean(entity, payload, partial=True)
        try:
            doc = self.storage.update(entity, record_id, fields, expected)
        except VersionMismatchError as stale:
            body = {"error": "Version mismatch", "current_version": stale.current_version}
            raise _Refused(412, body) from None
        except DuplicateKeyError as dup:
            raise _Refused(409, {"error": f"Duplicate {dup.field}", "existing_id": dup.existing_id}) from None
        if doc is None:
            raise _Refused(404, {"error": "Not found"})
        return Reply(200, {"data": doc}, {"ETag": f'"{doc["version"]}"'})


    def _delete(self, entity: str, record_id: int, if_match: str | None) -> Reply:
        try:
            removed = self.storage.delete(entity, record_id, _expected_version(if_match))
        except VersionMismatchError as stale:
            raise _Refused(412, {"error": "Version mismatch", "current_version": stale.current_version}) from None
        if not removed:
            raise _Refused(404, {"error": "Not found"})
        return Reply(204, {})


def _expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when it names none (or "*")."""
    if not if_match or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise _Refused(400, {"error": "If-Match must be a record version"})
    return int(text)


def _positive(query: dict[str, list[str]], name: str, default: int, minimum: int = 1) -> int:
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    text = values[-1]
    if not text.isdigit() or int(text) < minimum:
        raise _Refused(400, {"error": f"{name} must be an integer >= {minimum}"})
    return int(text)


def _encode_cursor(key: tuple[str, int]) -> str:
    raw = json.dumps([key[0], key[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stamp, record_id = json.loads(raw)
        return format_ts(parse_ts(stamp)), int(record_id)
    except (ValueError, TypeError):
        raise _Refused(400, {"error": "Invalid cursor"}) from None


def _json_value(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused(400, {"error": f"Malformed JSON: {exc}"}) from None


def _json_object(body: bytes) -> dict[str, Any]:
    value = _json_value(body)
    if not isinstance(value, dict):
        raise _Refused(400, {"error": "The request body must be a JSON object"})
    return value


def _clean(entity: str, payload: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validated, normalized fields of a write (money as strings, reference ids as ints)."""
    errors: dict[str, str] = {}
    fields = {k: v for k, v in payload.items() if k not in RESERVED}
    for name in REQUIRED.get(entity, ()):
        if (not partial or name in fields) and fields.get(name) in (None, ""):
            errors[name] = "required"
    for name, value in fields.items():
        if value is None or name in errors:
            continue
        if name == "email" and value != "" and not (isinstance(value, str) and _EMAIL.match(value)):
            errors[name] = "not a valid e-mail address"
        elif name == "country" and value != "" and not (isinstance(value, str) and _ISO2.match(value)):
            errors[name] = "must be a two-letter ISO 3166 country code"
        elif name.endswith("_id") and name not in NOT_REFERENCES:
            if isinstance(value, str) and value.isdigit():
                fields[name] = int(value)
            elif isinstance(value, bool) or not isinstance(value, int):
                errors[name] = "must be an integer id"
        elif name in DECIMAL_FIELDS:
            number = _decimal(value)
            if number is None:
                errors[name] = "must be a number"
            elif not isinstance(value, str):
                fields[name] = str(number.quantize(Decimal("0.01")) if name in MONEY_FIELDS else number)
    nkey = NATURAL_KEYS.get(entity)
    if nkey and nkey in fields and nkey not in errors and not isinstance(fields[nkey], (str, int)):
        errors[nkey] = "must be text"
    if errors:
        raise _Refused(422, {"error": "Validation failed", "fields": errors})
    return fields


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None
