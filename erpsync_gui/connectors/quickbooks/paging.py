"""Reading a QuickBooks Online entity in MetaData.LastUpdatedTime order without skipping a record that changes
meanwhile: each query starts again at STARTPOSITION 1 with `MetaData.LastUpdatedTime >= ` the newest time read
so far, so an edited record moves to the end of the order and no page boundary shifts under the read. Only when
a whole page shares one second does a query page deeper (STARTPOSITION) in that window until it passes.

What this cannot avoid: inside such a same-second cluster, an edit or delete of a cluster record between two
pages shifts the ones after it, so one of them may be missed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from erpsync_gui.connectors.quickbooks.client import QboClient, quoted
from erpsync_gui.connectors.quickbooks.entities import Entity
from erpsync_gui.connectors.quickbooks.shape import parse_time, updated_text
from erpsync_gui.errors import PermanentError


@dataclass(frozen=True)
class QueryPage:
    #: objects not yet returned by this read (one comes again only with a newer LastUpdatedTime)
    objects: list[dict[str, Any]]
    #: every change before this LastUpdatedTime has been read
    frontier: str | None
    #: the reply's `time` (the server's clock)
    time: str | None


def where(entity: Entity, conditions: Sequence[str]) -> str:
    """The WHERE clause; name lists also return their inactive records (`Active IN (true, false)`)."""
    parts = [*(["Active IN (true, false)"] if entity.has_active else []), *conditions]
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def _later(a: str | None, b: str) -> bool:
    """LastUpdatedTime `a` is after `b` (a time that does not read as one is after none)."""
    first, second = parse_time(a), parse_time(b)
    return first is not None and second is not None and first > second


def changed_objects(api: QboClient, entity: Entity, since: str | None, per_page: int) -> Iterator[QueryPage]:
    """Every object updated at `since` or later (all when None), oldest change first."""
    seen: dict[str, str] = {}
    frontier, start = since, 1
    while True:
        conditions = [f"MetaData.LastUpdatedTime >= {quoted(frontier)}"] if frontier else []
        statement = (f"SELECT * FROM {entity.name}{where(entity, conditions)} ORDERBY MetaData.LastUpdatedTime"
                     f" STARTPOSITION {start} MAXRESULTS {per_page}")
        items, stamp = api.query(statement, entity)
        times = [parse_time(updated_text(i)) for i in items]
        if any(t is None for t in times):
            raise PermanentError(f"malformed reply from QuickBooks Online for {entity.name} at {api.base}query: an "
                                 "object without MetaData.LastUpdatedTime")
        fresh = [i for i in items if seen.get(str(i.get("Id"))) != updated_text(i)]
        seen.update((str(i.get("Id")), str(updated_text(i))) for i in fresh)
        newest = updated_text(items[-1]) if items else frontier
        yield QueryPage(fresh, newest, stamp)
        if len(items) < per_page:
            return
        if frontier is None or _later(newest, frontier):
            frontier, start = newest, 1  # start again from the newest change read
        else:
            start += per_page  # a page of objects in one second: page deeper in the same window
