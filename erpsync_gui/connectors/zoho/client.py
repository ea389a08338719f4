"""The Zoho CRM v8 protocol over the product's HTTP layer: `{api_domain}/crm/v8/{Module}` lists, searches,
the deleted-records list and writes, each reply checked and its errors translated by their `code`.

Replies: a list is `{"data": [...], "info": {...}}`, 204 (or 304 after If-Modified-Since) when nothing matches;
a write answers one result per record in `data`, in the order sent (201/200 when all worked, 207 when mixed,
400 when all failed, 412 when all were refused by If-Unmodified-Since). The `Date` header of every reply is
kept as the server's clock.
"""

from __future__ import annotations

import contextlib
import email.utils
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from erpsync_gui.connectors.zoho.errors import item_error
from erpsync_gui.errors import PermanentError
from erpsync_gui.http import HttpClient
from erpsync_gui.http.json_reply import json_object

#: statuses whose body the client reads itself: per-record write errors, request errors with Zoho's code
_READ_ERRORS = (400, 412)


class ZohoClient:
    """Requests to one Zoho CRM organisation at `root` ("https://www.zohoapis.eu/crm/v8/")."""

    def __init__(self, http: HttpClient, root: str) -> None:
        self.http = http
        self.root = root if root.endswith("/") else root + "/"
        #: the server's clock at its last reply (the HTTP Date header), None before the first
        self.last_date: datetime | None = None

    def url(self, path: str) -> str:
        return self.root + path.lstrip("/")

    # -- reading -----------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any], headers: Mapping[str, str] | None = None, *,
            what: str) -> dict[str, Any] | None:
        """A list reply's body, or None when nothing matches (204, or 304 after If-Modified-Since)."""
        response = self.http.request("GET", self.url(path), params=params, headers=headers,
                                     accept_status=_READ_ERRORS)
        self._note(response)
        if response.status_code in (204, 304):
            return None
        body = self._json(response, what)
        if response.status_code >= 400:
            raise item_error(body, f"read of {what}", self.http.secrets)
        return body

    # -- writing -----------------------------------------------------------------------------------
    def write(self, method: str, path: str, body: Mapping[str, Any] | None, *, what: str, count: int,
              headers: Mapping[str, str] | None = None,
              params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The per-record results of one write of `count` records, in the order sent. A request-level error
        (no per-record results) is raised."""
        response = self.http.request(method, self.url(path), json=body, params=params, headers=headers,
                                     accept_status=_READ_ERRORS)
        self._note(response)
        parsed = self._json(response, what)
        data = parsed.get("data")
        if isinstance(data, list) and len(data) == count and all(isinstance(d, dict) for d in data):
            return data
        if response.status_code >= 400 and "code" in parsed:
            raise item_error(parsed, what, self.http.secrets)
        raise PermanentError(f"malformed reply from Zoho CRM for {what} at {self._shown(response)}: "
                             f"expected {count} results in data")

    # -- helpers -----------------------------------------------------------------------------------
    def _note(self, response: httpx.Response) -> None:
        stamp = response.headers.get("Date")
        # a server without a readable clock leaves the previous value
        with contextlib.suppress(TypeError, ValueError, IndexError):
            if stamp:
                self.last_date = email.utils.parsedate_to_datetime(stamp)

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        return json_object(response, "Zoho CRM", what)

    @staticmethod
    def _shown(response: httpx.Response) -> str:
        return str(response.request.url.copy_with(query=None))


def criteria(field: str, values: Sequence[str]) -> str:
    """A search `criteria` matching any of `values` exactly: `(f:equals:a)or(f:equals:b)`, with the
    parentheses, commas and backslashes inside values escaped."""
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace(",", "\\,")
    parts = [f"({field}:equals:{escape(v)})" for v in values]
    return parts[0] if len(parts) == 1 else "(" + "or".join(parts) + ")"
