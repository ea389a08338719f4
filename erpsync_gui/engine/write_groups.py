"""Consecutive pages of a read gathered into one write batch, for a target whose writes are cheap in bulk.

A page is as big as the source serves well (a REST page of 50); a batch's fixed work is not: planning, one
transaction on the target, one on the state store, one progress event. An SQL target writes 500 rows in one
transaction for little more than 50, so its run writes pages together, up to the target's `write_batch`.

A group is one Page to the run, exactly as one read page would have been:
- its cursor is the last page's, so the cursor only moves past records that are written;
- it ends at a page that reports deletes or completes the read (the run handles those after the write);
- it ends before a page carrying a record the group already holds (a record changed during the read comes
  twice; its second copy is planned against the link the first one left, as in two separate batches);
- when the read fails or the run is cancelled, the pages already read are still written before it stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from erpsync_gui.records import Page, Record


def write_groups(pages: Iterable[Page], limit: int, cancelled: Callable[[], bool]) -> Iterator[Page]:
    """`pages` with consecutive ones merged into groups of up to about `limit` records (a page is never split)."""
    held: list[Page] = []
    ids: set[str] = set()
    count = 0
    source = iter(pages)
    while True:
        try:
            page = next(source)
        except StopIteration:
            break
        except Exception:
            if held:  # what was read is written before the failure ends the run
                yield _merged(held)
            raise
        if held and any(r.id in ids for r in page.records):
            yield _merged(held)
            held, ids, count = [], set(), 0
        held.append(page)
        ids.update(r.id for r in page.records)
        count += len(page.records)
        if count >= limit or page.deleted or page.complete or cancelled():
            yield _merged(held)
            held, ids, count = [], set(), 0
    if held:
        yield _merged(held)


def _merged(pages: list[Page]) -> Page:
    if len(pages) == 1:
        return pages[0]
    records: list[Record] = []
    for page in pages:
        records.extend(page.records)
    last = pages[-1]
    # a page without a cursor stores none: the group moves to the last cursor any of its pages gave
    cursor = next((p.cursor for p in reversed(pages) if p.cursor), None)
    total = next((p.total for p in pages if p.total is not None), None)
    return Page(tuple(records), cursor=cursor, total=total, deleted=last.deleted, complete=last.complete)
