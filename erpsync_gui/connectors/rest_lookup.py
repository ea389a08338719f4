"""Lookups against a server that ignores filter parameters.

The dialect promises only `page`, `per_page` and `updated_since`; lookups by id, origin marker or natural key
send `?field=value` and filter the reply again on this side. A server that ignores the filter answers with rows
that do not match it: then every lookup would page through the whole list. Once that is seen for an entity, its
list is read once (for the connector's life: one run) and every later lookup of the entity is answered from
that copy, kept current with what this connector itself creates and updates (and read again after a create
whose outcome is unknown). The run's log says so once, in words an admin acts on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from erpsync_gui.records import Record

log = logging.getLogger("erpsync.connectors.rest")
#: the run's log line when a server ignores a lookup filter: what it means and what to do
IGNORED_FILTER = ("the ERP ignores the %r filter of %s: it answers lookups with its whole list. Records are still "
                  "matched right: this run read its %d records once and looks them up in that copy, but every run "
                  "starts with a read of the whole list, which grows slow as the ERP grows. Ask the ERP's vendor "
                  "to support filtering %s by %s")


#: the longest query string a lookup sends by default: servers commonly refuse request lines over 8 KB
LOOKUP_QUERY_MAX = 6000


def value_chunks(name: str, values: Iterable[str], most: int, budget: int = LOOKUP_QUERY_MAX) -> Iterator[list[str]]:
    """`values` in as few lookups as fit: at most `most` a lookup (one reply page), and at most `budget`
    characters of `name=value&` each, so a batch of the engine is one request however large it is."""
    chunk: list[str] = []
    used = 0
    for value in values:
        cost = len(name) + len(quote(value, safe="")) + 2
        if chunk and (used + cost > budget or len(chunk) >= most):
            yield chunk
            chunk, used = [], 0
        chunk.append(value)
        used += cost
    if chunk:
        yield chunk


class FilterlessLists:
    """Per entity: the whole list, read once, after the server was seen ignoring a filter."""

    def __init__(self, read_all: Callable[[str], Iterable[Record]]) -> None:
        self._read_all = read_all
        #: None: the list is to be read again before it answers
        self._lists: dict[str, dict[str, Record] | None] = {}

    def ignored(self, entity: str) -> bool:
        return entity in self._lists

    def notice(self, entity: str, parameter: str) -> None:
        """The server answered a `parameter` filter with rows that do not match it: read the list once."""
        if entity in self._lists:
            return
        records = {r.id: r for r in self._read_all(entity)}
        self._lists[entity] = records
        log.warning(IGNORED_FILTER, parameter, entity, len(records), entity, parameter)

    def records(self, entity: str) -> Iterator[Record]:
        if self._lists.get(entity) is None and entity in self._lists:
            self._lists[entity] = {r.id: r for r in self._read_all(entity)}  # read again after a doubt
        return iter(list((self._lists.get(entity) or {}).values()))

    def doubt(self, entity: str) -> None:
        """A create's outcome is unknown: the copy may lack a record the server now holds, so the list is read
        again before the copy answers the next lookup."""
        if entity in self._lists:
            self._lists[entity] = None

    def put(self, entity: str, record: Record) -> None:
        """A record this connector wrote, as the server gave it back: later lookups see it."""
        records = self._lists.get(entity)
        if records is not None:
            records[record.id] = record

    def drop(self, entity: str, record_id: str) -> None:
        records = self._lists.get(entity)
        if records is not None:
            records.pop(record_id, None)


def lookup(lists: FilterlessLists, list_pages: Callable[[list, int], Iterable[Any]], entity: str, parameter: str,
           queries: Sequence[list], take: Callable[[Record], bool]) -> None:
    """Each filtered query's rows offered to `take` (which keeps the matching ones and says whether the row
    matched). A row that does not match shows the server ignores the filter: from then on the entity's list,
    read once, answers instead."""
    if not lists.ignored(entity):
        for params in queries:
            asked = sum(1 for name, _ in params if name == parameter) or 1
            for page in list_pages(params, asked):
                if not all([take(record) for record in page.records]):
                    lists.notice(entity, parameter)
                    break
            if lists.ignored(entity):
                break
        else:
            return
    for record in lists.records(entity):
        take(record)
