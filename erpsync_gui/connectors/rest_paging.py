"""Reading the generic REST ERP dialect: options, reply parsing and the three paging styles.

Kept apart from the connector so the parts that meet untrusted replies (malformed JSON, missing keys,
servers that ignore paging) are small and read in one place; every surprise is a PermanentError that
names the entity and the URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from erpsync_gui.connectors.reply_ids import MAX_ID_LENGTH, record_id_of
from erpsync_gui.connectors.rest_options import RestOptions
from erpsync_gui.errors import MalformedReplyError, PermanentError
from erpsync_gui.http.json_reply import decode_json, shown_url
from erpsync_gui.http.redact import redact_text
from erpsync_gui.records import Record

#: (name, value) pairs, so a filter can repeat a name (?id=1&id=2)
Params = list[tuple[str, str | int]]


def reply_json(response: httpx.Response, entity: str) -> Any:
    """The parsed body, or a MalformedReplyError saying why it cannot be read (not JSON, not UTF-8,
    truncated, or nested too deep to be a record list)."""
    return decode_json(response, "the ERP", entity)


def data_of(body: Any, response: httpx.Response, entity: str, key: str) -> Any:
    """The body's `key` member (the records), or a MalformedReplyError when it is missing."""
    if not isinstance(body, dict) or key not in body:
        raise MalformedReplyError(
            f"The ERP's reply for {entity} at {shown_url(response)} has no {key!r} member",
            status=response.status_code, hint="check the base URL and the connector's list_key option",
        )
    return body[key]


def parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string (naive taken as UTC); None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_record(raw: Any, opts: RestOptions, entity: str, url: str, secrets: Sequence[str] = ()) -> Record:
    """One Record from one reply object; a non-object or one without a usable id is a MalformedReplyError."""
    if not isinstance(raw, dict):
        raise MalformedReplyError(f"The ERP sent a {entity} record that is not an object at {url}",
                                  reply=_excerpt(raw, secrets))
    record_id = record_id_of(raw.get(opts.id_field), secrets)
    if record_id is None:
        raise MalformedReplyError(
            f"The ERP sent a {entity} record without a usable {opts.id_field!r} at {url}",
            hint="an id must be a non-empty text or a whole number; check the connector's id_field option",
            reply=_excerpt(raw, secrets),
        )
    version = raw.get(opts.version_field)
    txn = raw.get(opts.txn_field)
    return Record(
        id=record_id,
        data=raw,
        updated_at=parse_time(raw.get(opts.updated_field)),
        version=None if version is None or isinstance(version, dict | list) else str(version)[:MAX_ID_LENGTH],
        txn_id=None if txn is None or isinstance(txn, dict | list) else str(txn)[:64],
    )


def _excerpt(raw: Any, secrets: Sequence[str]) -> str:
    try:
        text = json.dumps(raw, ensure_ascii=False, default=str)[:300]
    except (TypeError, ValueError, RecursionError):
        text = "(unprintable)"
    return redact_text(text, secrets)


@dataclass(frozen=True)
class ListPage:
    records: tuple[Record, ...]
    total: int | None
    #: the largest updated_at text in this page (the dialect's cursor), None when no record has one
    max_updated: str | None
    #: the server's keyset cursor for the next page (cursor paging), None when there is none
    next_cursor: str | None = None
    #: how many records the server says a full page holds (it may cap per_page below what was asked)
    served: int | None = None


Fetch = Callable[[Params], httpx.Response]


def read_page(fetch: Fetch, opts: RestOptions, entity: str, query: Params, secrets: Sequence[str] = ()) -> ListPage:
    """One list request and its reply parsed: records, the total and the paging hints the server gave."""
    response = fetch(query)
    url = shown_url(response)
    body = reply_json(response, entity)
    items = data_of(body, response, entity, opts.list_key)
    if not isinstance(items, list):
        raise MalformedReplyError(f"The ERP's {opts.list_key!r} for {entity} at {url} is not a list")
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    records = tuple(to_record(item, opts, entity, url, secrets) for item in items)
    total = meta.get("total") if _is_count(meta.get("total")) else None
    newest = _newest(records, opts.updated_field)
    next_cursor = meta.get("next_cursor") if isinstance(meta.get("next_cursor"), str) else None
    served = meta.get("per_page") if _is_count(meta.get("per_page")) and meta["per_page"] > 0 else None
    return ListPage(records, total, newest, next_cursor, served)


def _newest(records: Sequence[Record], field: str) -> str | None:
    """The largest updated_at text of the records by `time_key`, the first of equals; each record's time was
    parsed from that same text by `to_record`, so it is not parsed again."""
    newest: str | None = None
    newest_key: tuple[int, datetime | str] | None = None
    for record in records:
        stamp = record.data.get(field)
        if not isinstance(stamp, str):
            continue
        key: tuple[int, datetime | str] = (1, record.updated_at) if record.updated_at is not None else (0, stamp)
        if newest_key is None or key > newest_key:
            newest, newest_key = stamp, key
    return newest


def iter_list(
    fetch: Fetch, opts: RestOptions, entity: str, params: Params, per_page: int, secrets: Sequence[str] = ()
) -> Iterator[ListPage]:
    """Every page of a list request in the configured paging style, until the server has no more.

    Stops with a PermanentError when a server answers the same page twice (it ignores the paging
    parameters), instead of looping for ever.
    """
    per_page = max(1, min(per_page, opts.page_size_max))
    page, offset, cursor = 1, 0, None
    previous: tuple[str, ...] | None = None
    while True:
        query: Params = [*params, ("per_page", per_page)]
        if opts.paging == "page":
            query.append(("page", page))
        elif opts.paging == "offset":
            query += [("offset", offset), ("limit", per_page)]
        elif cursor:
            query.append(("cursor", cursor))
        listed = read_page(fetch, opts, entity, query, secrets)
        records = listed.records
        ids = tuple(r.id for r in records)
        if records and ids == previous:
            raise PermanentError(
                f"The ERP answered the same {entity} page twice",
                hint=f"the server seems to ignore {opts.paging!r} paging; choose another paging style",
            )
        previous = ids
        if records:
            yield listed
        if opts.paging == "cursor":
            cursor = listed.next_cursor
            if not cursor or not records:
                return
        else:
            offset += len(records)
            page += 1
            served = listed.served or per_page
            total = listed.total
            if not records or (offset >= total if total is not None else len(records) < served):
                return


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def time_key(text: str) -> tuple[int, datetime | str]:
    """Sort key of an updated_at text: by time where it reads as one, else by text (after every time)."""
    moment = parse_time(text)
    return (1, moment) if moment is not None else (0, text)
