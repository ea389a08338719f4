"""Reading what changed in the generic REST dialect without ever moving the cursor past a change the run
did not read.

The dialect lists records in (updated_at, id) order and filters them with an inclusive `updated_since`.
- Cursor paging follows the server's own keyset (`next_cursor`): an edit during the run moves a record to
  the end of the list, where it is read again, and nothing in between is skipped.
- Page and offset paging would skip a record: when an earlier record is edited during the run, it moves
  to the end and every later offset shifts by one. So they are read by keyset too, on `updated_since`:
  each request asks for the records at or after the last updated_at read (page 1); the records at that
  boundary stamp that were read already are left out. A group of equal stamps longer than a page is
  paged within the stamp; the stored cursor stays at that stamp, so what a shift inside the group might
  skip is read again by the next run.
Each page's cursor is the last updated_at read: the source system's own value, never this machine's
clock. A server that does not return changes in updated_at order cannot be read this way: the read
stops with a clear error instead of storing a cursor that might skip records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from erpsync_gui.connectors.rest_paging import ListPage, Params, RestOptions, parse_time
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import Page, Record

#: one list request with the given query (paging included): the connector's GET
PageFetch = Callable[[Params], ListPage]
UNSORTED_HINT = ("the server must list changes in updated_at order for incremental reads; "
                 "set the connector's paging option to 'cursor' if it offers a keyset cursor")


def read_changes(fetch: PageFetch, opts: RestOptions, entity: str, cursor: str | None,
                 page_size: int) -> Iterator[Page]:
    """Pages of records changed at or after `cursor` (all records without one); the last page of a read
    without a cursor says `complete`."""
    per_page = max(1, min(page_size, opts.page_size_max))
    if opts.paging == "cursor":
        return _server_keyset(fetch, opts, entity, cursor, per_page)
    return _updated_keyset(fetch, opts, entity, cursor, per_page)


def _stamp(record: Record, opts: RestOptions) -> str | None:
    value = record.data.get(opts.updated_field)
    return value if isinstance(value, str) and value.strip() else None


def _check_order(records: Sequence[Record], opts: RestOptions, entity: str, floor: str | None) -> None:
    """A PermanentError when the page is not in updated_at order (or starts before the asked-for stamp)."""
    previous = parse_time(floor) if floor else None
    for record in records:
        # the record's time is its updated_at text as `to_record` parsed it (None when blank or unreadable)
        moment = record.updated_at if _stamp(record, opts) else None
        if moment is None:
            if floor is not None:
                raise PermanentError(f"The ERP listed a changed {entity} record without {opts.updated_field!r}",
                                     hint=UNSORTED_HINT)
            continue
        if previous is not None and moment < previous:
            raise PermanentError(f"The ERP does not list {entity} changes in {opts.updated_field} order",
                                 hint=UNSORTED_HINT)
        previous = moment


def _server_keyset(fetch: PageFetch, opts: RestOptions, entity: str, cursor: str | None,
                   per_page: int) -> Iterator[Page]:
    base: Params = [("updated_since", cursor)] if cursor else []
    newest = cursor
    token: str | None = None
    while True:
        query: Params = [*base, ("per_page", per_page), *([("cursor", token)] if token else [])]
        listed = fetch(query)
        _check_order(listed.records, opts, entity, newest)
        if listed.max_updated:
            newest = listed.max_updated
        token = listed.next_cursor if listed.records else None
        last = token is None
        if listed.records or (last and cursor is None):
            yield Page(listed.records, cursor=newest, total=listed.total, complete=last and cursor is None)
        if last:
            return


def _updated_keyset(fetch: PageFetch, opts: RestOptions, entity: str, cursor: str | None,
                    per_page: int) -> Iterator[Page]:
    since = cursor
    #: ids read at the `since` stamp: the inclusive filter sends them again
    at_boundary: set[str] = set()
    within = 1  # the page number inside a group of equal stamps longer than a page
    total: int | None = None
    previous: tuple[str, ...] = ()
    while True:
        # the boundary records come again (inclusive filter): ask for that many more, so pages stay full
        asked = per_page if within > 1 else min(per_page + len(at_boundary), opts.page_size_max)
        query: Params = [*([("updated_since", since)] if since else []), ("per_page", asked)]
        if opts.paging == "page":
            query.append(("page", within))
        else:
            query += [("offset", (within - 1) * asked), ("limit", asked)]
        listed = fetch(query)
        if total is None:
            total = listed.total
        records = listed.records
        _check_order(records, opts, entity, since)
        ids = tuple(r.id for r in records)
        if records and ids == previous:
            raise PermanentError(f"The ERP answered the same {entity} page twice",
                                 hint=f"the server seems to ignore {opts.paging!r} paging; choose another paging style")
        previous = ids
        fresh = tuple(r for r in records if not (since and _stamp(r, opts) == since and r.id in at_boundary))
        full = len(records) >= (listed.served or asked)
        end = not records or not full
        last_stamp = _stamp(records[-1], opts) if records else None
        if fresh or (end and cursor is None):
            yield Page(fresh, cursor=last_stamp or since, total=total, complete=end and cursor is None)
        if end:
            return
        if last_stamp is None:
            raise PermanentError(f"The ERP listed {entity} records without {opts.updated_field!r}",
                                 hint=UNSORTED_HINT)
        if last_stamp == since:
            within += 1  # the whole page sits on the boundary stamp: read on inside it
        else:
            since, within = last_stamp, 1
            at_boundary = set()
        at_boundary.update(r.id for r in records if _stamp(r, opts) == since)
