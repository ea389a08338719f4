"""The generic REST dialect's reads in parts: ranges of update time, which the dialect can filter on.

The dialect has no id-range filter and lists records in (updated_at, id) order with an inclusive
`updated_since`, so a part is a range of update times, carried in the partition protocol's integer range as
microseconds since 1970 (UTC): `lo <= updated_at < hi`. The plan reads the stamps at evenly spaced positions of
the list (page or offset paging; a server with keyset paging only cannot be read by position) and takes the
newest stamp as the cursor before any part is read. A record edited while the parts are read moves past that
cursor: the next run reads it, and no part skips a record whose stamp stayed put, since no part reads by
position. Records without an update time are not in any part: such an entity cannot be read in parts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from erpsync_gui.connectors.partitions import IdRange, PartitionPlan
from erpsync_gui.connectors.rest_changes import UNSORTED_HINT, read_changes
from erpsync_gui.connectors.rest_paging import ListPage, Params, RestOptions, parse_time
from erpsync_gui.errors import ConfigError, PermanentError
from erpsync_gui.records import Page, Record

PageFetch = Callable[[Params], ListPage]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Microseconds since 1970 (UTC) of an aware datetime."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment_of(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _at(fetch: PageFetch, opts: RestOptions, position: int) -> ListPage:
    if opts.paging == "page":
        return fetch([("per_page", 1), ("page", position + 1)])
    return fetch([("offset", position), ("limit", 1), ("per_page", 1)])


def _stamp_of(record: Record, opts: RestOptions, entity: str) -> datetime:
    moment = parse_time(record.data.get(opts.updated_field))
    if moment is None:
        raise ConfigError(f"{entity} cannot be read in parts: the ERP lists records without {opts.updated_field!r}")
    return moment


def plan(fetch: PageFetch, opts: RestOptions, entity: str, count: int) -> PartitionPlan:
    """At most `count` update-time ranges of about equal size, and the newest stamp now (the cursor)."""
    if opts.paging == "cursor":
        raise ConfigError(f"{entity} cannot be read in parts over keyset (cursor) paging",
                          hint="set the connector's paging option to page or offset if the ERP offers it")
    first = _at(fetch, opts, 0)
    if not first.records:
        return PartitionPlan((), None)
    total = first.total
    if total is None:
        raise ConfigError(f"{entity} cannot be read in parts: the ERP does not say how many records it holds")
    parts = max(1, min(count, total))
    positions = [total * k // parts for k in range(1, parts)] + [total - 1]
    stamps = [_stamp_of(first.records[0], opts, entity)]
    newest_text: str | None = None
    for position in positions:
        listed = _at(fetch, opts, position)
        if not listed.records:
            break  # records deleted since the total was counted: the last stamp read bounds the read
        stamps.append(_stamp_of(listed.records[0], opts, entity))
        newest_text = str(listed.records[0].data.get(opts.updated_field))
    if any(later < earlier for earlier, later in itertools.pairwise(stamps)):
        raise PermanentError(f"The ERP does not list {entity} in {opts.updated_field} order", hint=UNSORTED_HINT)
    bounds = sorted({micros(s) for s in stamps[:-1]})
    end = micros(stamps[-1]) + 1
    ranges = tuple(IdRange(lo, hi) for lo, hi in zip(bounds, [*bounds[1:], end], strict=True) if hi > lo)
    cursor = newest_text if newest_text is not None else str(first.records[0].data.get(opts.updated_field))
    return PartitionPlan(ranges, cursor)


def read(fetch: PageFetch, opts: RestOptions, entity: str, part: IdRange, page_size: int) -> Iterator[Page]:
    """The records updated in the part's time range, in update order, without cursors."""
    since = moment_of(part.lo).isoformat().replace("+00:00", "Z")
    for page in read_changes(fetch, opts, entity, since, page_size):
        inside = tuple(r for r in page.records if part.lo <= micros(_stamp_of(r, opts, entity)) < part.hi)
        if inside:
            yield Page(inside)
        if len(inside) < len(page.records):
            return  # sorted by update time: the rest belongs to later parts
