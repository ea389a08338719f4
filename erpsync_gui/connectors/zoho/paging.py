"""Reading a Zoho CRM module in Modified_Time order without skipping a record that changes meanwhile.

Each request asks for the oldest changes first (`sort_by=Modified_Time&sort_order=asc`, `If-Modified-Since`
one second before the newest Modified_Time read so far) and starts again at page 1: a record edited while the
read goes on moves to the end of the order and is read again there, and no page boundary shifts under the
read. Only when more than a page of records share one second does the read page deeper in that same window:
`page` up to Zoho's 2,000 records, then `page_token` (`info.next_page_token`), until it passes that second.

What this cannot avoid: inside such a same-second cluster, an edit or delete of a cluster record between two
pages shifts the ones after it, so one of them may be missed (Zoho offers no other stable order to page by).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from erpsync_gui.connectors.zoho.shape import earlier, parse_time
from erpsync_gui.errors import PermanentError

#: records `page` reaches; past them only `page_token` goes on
PAGE_LIMIT = 2000
#: (params, headers) -> the reply body, or None for 204 / 304 (nothing matches)
Get = Callable[[dict[str, Any], dict[str, str]], dict[str, Any] | None]


@dataclass(frozen=True)
class ServerPage:
    #: raw records not yet returned by this read (a record is returned again only with a newer Modified_Time)
    records: list[dict[str, Any]]
    #: every change before this Modified_Time has been read (the records at exactly it may not all be)
    frontier: str | None


def _items(body: dict[str, Any], what: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    data, info = body.get("data"), body.get("info")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data) or not isinstance(info, dict):
        raise PermanentError(f"malformed reply from Zoho CRM for {what}: no data list and info object")
    return data, info


def changed_records(get: Get, fields: str, per_page: int, since: str | None, what: str) -> Iterator[ServerPage]:
    """Every record modified at `since` or later (all when None), oldest change first."""
    seen: dict[str, str] = {}
    frontier = since
    page, token = 1, None
    while True:
        params: dict[str, Any] = {"fields": fields, "per_page": per_page, "sort_by": "Modified_Time",
                                  "sort_order": "asc"}
        if token:
            params["page_token"] = token
        else:
            params["page"] = page
        headers = {"If-Modified-Since": earlier(frontier)} if frontier else {}
        body = get(params, headers)
        if body is None:
            return
        data, info = _items(body, what)
        times = [parse_time(r.get("Modified_Time")) for r in data]
        stamps = [t for t in times if t is not None]
        if len(stamps) != len(times):
            raise PermanentError(f"malformed reply from Zoho CRM for {what}: a record without Modified_Time")
        if any(b < a for a, b in itertools.pairwise(stamps)):
            raise PermanentError(f"malformed reply from Zoho CRM for {what}: records not in Modified_Time order",
                                 hint="the server ignored sort_by=Modified_Time")
        fresh = [r for r in data if seen.get(str(r.get("id"))) != r.get("Modified_Time")]
        seen.update((str(r.get("id")), str(r.get("Modified_Time"))) for r in fresh)
        newest = data[-1]["Modified_Time"] if data else frontier
        moved = newest is not None and (frontier is None or _later(newest, frontier))
        yield ServerPage(fresh, newest)
        if not info.get("more_records") or not data:
            return
        if moved:  # start again from the newest change read: nothing shifts under the read
            frontier, page, token = newest, 1, None
            continue
        # a page of records all in one second: page deeper in the same window until it is passed
        if token or (page + 1) * per_page > PAGE_LIMIT:
            token = info.get("next_page_token")
            if not token:
                raise PermanentError(f"malformed reply from Zoho CRM for {what}: more records but no next_page_token")
        else:
            page += 1


def _later(a: str, b: str) -> bool:
    """Zoho time `a` is after `b` (a time that does not read as one is after none)."""
    first, second = parse_time(a), parse_time(b)
    return first is not None and second is not None and first > second


def deleted_records(get: Get, since: str | None, per_page: int, kind: str, what: str) -> list[tuple[str, str]]:
    """(id, deleted_time) of every record deleted at `since` or later (all when None)."""
    found: list[tuple[str, str]] = []
    page = 1
    headers = {"If-Modified-Since": earlier(since)} if since else {}
    while True:
        body = get({"type": kind, "page": page, "per_page": per_page}, headers)
        if body is None:
            return found
        data, info = _items(body, what)
        for item in data:
            rid, when = item.get("id"), item.get("deleted_time")
            if rid is None or str(rid) == "" or parse_time(when) is None:
                raise PermanentError(f"malformed reply from Zoho CRM for {what}: a deleted record without id or time")
            found.append((str(rid), str(when)))
        if not info.get("more_records") or not data:
            return found
        page += 1
