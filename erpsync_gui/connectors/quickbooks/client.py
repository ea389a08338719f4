"""The QuickBooks Online Accounting API v3 over the product's HTTP layer:
`{host}/v3/company/{realmId}/...?minorversion=N`, queries, change data capture, entity writes and batches.

Every reply is JSON with the server's `time`; a `Fault` (with HTTP 400, or even 200) is raised as the matching
product error (errors.py). The HTTP `Date` header of every reply is kept as the server's clock.
"""

from __future__ import annotations

import contextlib
import email.utils
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from erpsync_gui.connectors.quickbooks.entities import Entity
from erpsync_gui.connectors.quickbooks.errors import fault_error, fault_of
from erpsync_gui.errors import PermanentError
from erpsync_gui.http import HttpClient
from erpsync_gui.http.json_reply import json_object
from erpsync_gui.http.ratelimit import RateLimiter


class QboClient:
    """Requests to one QuickBooks Online company at `base` ("https://quickbooks.api.intuit.com/v3/company/1/")."""

    def __init__(self, http: HttpClient, base: str, minor_version: int) -> None:
        self.http = http
        self.base = base if base.endswith("/") else base + "/"
        self.minor_version = minor_version
        #: the server's clock at its last reply (the HTTP Date header), None before the first
        self.last_date: datetime | None = None
        #: the Fault of the last call that raised one (the caller reads its code and element)
        self.last_fault: Mapping[str, Any] | None = None

    def call(self, method: str, path: str, *, what: str, entity: Entity | None = None,
             params: Mapping[str, Any] | None = None, body: Any = None,
             also_limit: RateLimiter | None = None) -> dict[str, Any]:
        """The reply body of one call; a Fault in it is raised."""
        query = {**(params or {}), "minorversion": self.minor_version}
        response = self.http.request(method, self.base + path, params=query, json=body, accept_status=(400,),
                                     also_limit=also_limit)
        self._note(response)
        parsed = self._json(response, what)
        fault = fault_of(parsed)
        self.last_fault = fault
        if fault is not None:
            raise fault_error(fault, what, entity, secrets=self.http.secrets, status=response.status_code)
        if response.status_code >= 400:
            raise PermanentError(f"malformed reply from QuickBooks Online for {what} at {self.base}{path}: HTTP "
                                 f"{response.status_code} without a Fault")
        return parsed

    def query(self, statement: str, entity: Entity) -> tuple[list[dict[str, Any]], str | None]:
        """The objects a SELECT returns, and the reply's `time`."""
        body = self.call("GET", "query", params={"query": statement}, what=f"query of {entity.name}", entity=entity)
        reply = body.get("QueryResponse")
        where = f"{entity.name} at {self.base}query"
        if not isinstance(reply, dict):
            raise PermanentError(f"malformed reply from QuickBooks Online for {where}: no QueryResponse")
        items = reply.get(entity.name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise PermanentError(f"malformed reply from QuickBooks Online for {where}: {entity.name} is "
                                 "not a list of objects")
        return items, _time(body)

    def cdc(self, entity: Entity, since: str) -> tuple[list[dict[str, Any]], str | None]:
        """Every object of `entity` changed since `since`, deleted ones (`status: Deleted`) after the others."""
        body = self.call("GET", "cdc", params={"entities": entity.name, "changedSince": since},
                         what=f"changes of {entity.name}", entity=entity)
        outer = body.get("CDCResponse")
        found: list[dict[str, Any]] = []
        where = f"{entity.name} at {self.base}cdc"
        for block in outer if isinstance(outer, list) else _malformed(where, "no CDCResponse list"):
            responses = block.get("QueryResponse") if isinstance(block, dict) else None
            for reply in responses if isinstance(responses, list) else _malformed(where, "no QueryResponse list"):
                items = reply.get(entity.name, []) if isinstance(reply, dict) else None
                if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                    _malformed(where, f"{entity.name} is not a list of objects")
                else:
                    found += items
        return found, _time(body)

    def _note(self, response: httpx.Response) -> None:
        stamp = response.headers.get("Date")
        # a server without a readable clock leaves the previous value
        with contextlib.suppress(TypeError, ValueError, IndexError):
            if stamp:
                self.last_date = email.utils.parsedate_to_datetime(stamp)

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        return json_object(response, "QuickBooks Online", what)


def _time(body: Mapping[str, Any]) -> str | None:
    value = body.get("time")
    return value if isinstance(value, str) else None


def _malformed(where: str, why: str) -> Sequence[Any]:
    raise PermanentError(f"malformed reply from QuickBooks Online for changes of {where}: {why}")


def quoted(value: Any) -> str:
    """A value in a query: 'text' with backslash-escaped quotes, true/false, numbers as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
