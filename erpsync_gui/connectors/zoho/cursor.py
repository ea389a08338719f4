"""The Zoho connector's stored cursor: two of Zoho's own timestamps, one per feed it reads.

`{"modified": <Modified_Time>, "deleted": <deleted_time>}`: every change before `modified` and every delete
before `deleted` has been read. Both come from Zoho (record times, deleted times, or the Date header of the
first reply of a full read), never from this machine's clock. A plain timestamp is read as both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from erpsync_gui.connectors.zoho.shape import parse_time
from erpsync_gui.errors import PermanentError

T = TypeVar("T")


@dataclass(frozen=True)
class ZohoCursor:
    modified: str | None = None
    deleted: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> ZohoCursor:
        if not text:
            return cls()
        if parse_time(text) is not None:
            return cls(text, text)
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not all(parse_time(data.get(k)) is not None or data.get(k) is None
                                                 for k in ("modified", "deleted")):
            raise PermanentError(f"the stored Zoho CRM cursor {text[:80]!r} is not readable",
                                 hint="run a full sync of this entity once")
        return cls(data.get("modified"), data.get("deleted"))

    def dump(self) -> str:
        return json.dumps({"modified": self.modified, "deleted": self.deleted}, separators=(",", ":"))


def server_stamp(moment: datetime | None) -> str | None:
    """The server's clock (a Date header) as the ISO text Zoho's If-Modified-Since takes."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment is not None else None


def with_last(items: Iterable[T]) -> Iterator[tuple[T, bool]]:
    """Each item with a flag telling whether it is the last one (one item of lookahead)."""
    iterator = iter(items)
    try:
        current = next(iterator)
    except StopIteration:
        return
    for following in iterator:
        yield current, False
        current = following
    yield current, True
