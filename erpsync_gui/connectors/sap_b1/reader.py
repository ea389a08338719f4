"""Reading one entity in change order without passing over a change.

The read asks for the records from the cursor's second on, in keyset order (UpdateDate, UpdateTime,
key), and follows the server's next links. Those links page by $skip, so a record that changes while the
read goes on moves to the end of the order and the record after the next page boundary shifts into a
page already read: it would be skipped. Such a move shows as a record coming twice; the read then starts
again from the cursor of the page where it first came (every skipped record lies after it), handing
that cursor, not a later one, with the page. Each page's cursor is the newest stamp read so far.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Generator, Iterator

from erpsync_gui.connectors.sap_b1 import odata
from erpsync_gui.connectors.sap_b1.client import Entity, ServiceLayer
from erpsync_gui.connectors.sap_b1.entities import Spec, stock_rows
from erpsync_gui.errors import RetryableError
from erpsync_gui.records import Page, Record

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class _Again:
    """Read again from `position` (None: from the start)."""

    position: odata.Stamp | None


class KeysetReader:
    def __init__(self, sl: ServiceLayer, spec: Spec, base_filter: str | None,
                 to_record: Callable[[Spec, Entity], Record], restarts: int) -> None:
        self.sl = sl
        self.spec = spec
        self.base_filter = base_filter
        self.to_record = to_record
        self.restarts = restarts

    def pages(self, start: odata.Stamp | None, size: int) -> Iterator[Page]:
        """Pages from `start` (None: everything; the last page is then marked complete)."""
        position, restarts = start, 0
        while True:
            again = yield from self._read_from(position, size, full=start is None)
            if again is None:
                return
            restarts += 1
            if restarts > self.restarts:
                raise RetryableError(f"SAP Business One {self.spec.name} kept changing while they were read",
                                     hint="the read carries on from its cursor in the next run")
            log.info("%s moved while read; reading again from %s", self.spec.name, again.position)
            position = again.position

    def _records(self, raws: list[dict]) -> list[tuple[Record, odata.Stamp | None]]:
        if self.spec.name == "stock":
            return [(Record(id=rid, data=data), None) for raw in raws for rid, data in stock_rows(raw)]
        out = []
        for raw in raws:
            record = self.to_record(self.spec, Entity(raw, None))
            out.append((record, odata.stamp_of(raw, record.id)))
        return out

    def _read_from(self, position: odata.Stamp | None, size: int, *,
                   full: bool) -> Generator[Page, None, _Again | None]:
        """One read from `position`. Returns None when done, or where to read from again."""
        spec = self.spec
        since = odata.since_filter(position) if position is not None and spec.cursor else None
        params = odata.query(spec.select, odata.both(self.base_filter, since), odata.order_by(spec.key, spec.cursor))
        first_seen: dict[str, int] = {}
        after: list[odata.Stamp | None] = []  # the cursor after each page
        last = position
        held: Page | None = None
        for number, raws in enumerate(self.sl.pages(spec.entity_set, params, size, spec.name)):
            records: list[Record] = []
            again: int | None = None
            for record, stamp in self._records(raws):
                if spec.cursor:
                    if not odata.after_cursor(stamp, position):
                        continue  # the server's time filter may compare to the minute only
                    if record.id in first_seen and again is None:
                        again = first_seen[record.id]
                    first_seen.setdefault(record.id, number)
                    if stamp is not None and (last is None or stamp > last):
                        last = stamp
                records.append(record)
            if again is not None:
                back = after[again] or position
                if held is not None:
                    yield held
                yield Page(tuple(records), cursor=odata.encode_cursor(back) if back else None)
                return _Again(back)
            after.append(last)
            page = Page(tuple(records), cursor=odata.encode_cursor(last) if spec.cursor and last else None)
            if held is not None:
                yield held
            held = page
        if held is not None:
            yield dataclasses.replace(held, complete=full)
        elif full:
            yield Page((), complete=True)
        return None
