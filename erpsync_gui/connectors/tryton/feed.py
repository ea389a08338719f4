"""The changes feed: keyset reads on Tryton's change stamps, and the cursor that resumes them.

A record's stamp is COALESCE(write_date, create_date) (create_date alone while write_date is still
empty), which Tryton exposes as the searchable, sortable `last_modified_at` on every stored model. Each
stream reads in ascending (stamp, id) order from an inclusive lower bound; the cursor holds, per stream,
the stamp and id of the last row read, exactly as Tryton sent them. A record edited while pages are read
moves to the end of its stream and is met again; it cannot be skipped.

An entity may have companion streams: the sub-records whose edits do not touch the record's own stamp
(an address changed on its own leaves the party's write_date alone). Their rows name the records to read
again. On a full read (no cursor) companions are not read; their cursor starts at the newest row they held
before the read began, which the full read already includes.

Servers without `last_modified_at` get two streams per model: written records by write_date, and records
never written by create_date.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from erpsync_gui.connectors.tryton.models import Domain, Models, Row
from erpsync_gui.errors import PermanentError
from erpsync_gui.records import Page, Record

#: the keyset columns every stream reads besides its own fields
STAMP_FIELDS = ("id", "write_date", "create_date")


@dataclass(frozen=True)
class Stream:
    """One keyset read: rows of `model` matching `domain`, ordered by (`column`, id)."""

    name: str
    model: str
    column: str
    fields: tuple[str, ...]
    domain: tuple[object, ...] = ()
    #: a companion: its rows only say which records to read again
    companion: bool = False


@dataclass(frozen=True, order=True)
class Key:
    stamp: datetime
    id: int


def stream_key(row: Row, column: str) -> Key | None:
    value = row.get(column)
    return Key(value, row["id"]) if isinstance(value, datetime) else None


def format_cursor(keys: Mapping[str, Key]) -> str | None:
    """The cursor text: per stream, the last stamp (ISO, UTC, as Tryton sent it) and id read."""
    if not keys:
        return None
    return json.dumps({name: [key.stamp.astimezone(UTC).replace(tzinfo=None).isoformat(), key.id]
                       for name, key in sorted(keys.items())}, separators=(",", ":"))


def parse_cursor(text: str) -> dict[str, Key]:
    """The keys of a cursor from `format_cursor`; a bare ISO timestamp stands for every stream."""
    try:
        raw = json.loads(text) if text.lstrip().startswith("{") else None
        if raw is None:
            return {"*": Key(_utc(datetime.fromisoformat(text.strip())), 0)}
        keys = {}
        for name, (stamp, rid) in raw.items():
            if not isinstance(rid, int) or isinstance(rid, bool) or not isinstance(stamp, str):
                raise ValueError(name)
            keys[str(name)] = Key(_utc(datetime.fromisoformat(stamp)), rid)
        return keys
    except (ValueError, TypeError, AttributeError) as exc:
        raise PermanentError(f"the stored cursor {text[:80]!r} is not a Tryton cursor",
                             hint="reset the entity's cursor to read everything once") from exc


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def keyset(column: str, key: Key, *, inclusive: bool) -> Domain:
    """The domain of rows at or after (`inclusive`) / after `key` in (column, id) order."""
    return ["OR", [(column, ">", key.stamp)], [(column, "=", key.stamp), ("id", ">=" if inclusive else ">", key.id)]]


def streams_for(model: str, fields: Sequence[str], domain: Sequence[object], *, has_stamp: bool,
                companion: bool = False) -> list[Stream]:
    """The streams that read `model`: one on last_modified_at, or the write_date/create_date pair."""
    wanted = tuple(dict.fromkeys((*STAMP_FIELDS, *fields)))
    if has_stamp:
        return [Stream(model, model, "last_modified_at", wanted, tuple(domain), companion)]
    return [Stream(model, model, "write_date", wanted, (*domain, ("write_date", "!=", None)), companion),
            Stream(f"{model}#new", model, "create_date", wanted, (*domain, ("write_date", "=", None)), companion)]


#: turns one round of rows (by stream name) into the page's records and the ids reported as deleted
Collect = Callable[[Mapping[str, list[Row]]], tuple[list[Record], list[str]]]


@dataclass
class Feed:
    """Reads the streams of one entity page by page."""

    models: Models
    streams: list[Stream]
    collect: Collect
    page_size: int
    overlap: timedelta = field(default_factory=timedelta)

    def pages(self, cursor: str | None) -> Iterator[Page]:
        full = cursor is None
        #: the cursor to give: per stream, the last row read (the stored one until a row is read)
        marks = {} if cursor is None else self._resume(parse_cursor(cursor))
        if full:
            marks.update(self._newest_companions())
        #: where each stream reads from next: the mark, first moved back by the overlap
        keys = {name: Key(key.stamp - self.overlap, 0) if self.overlap and not full else key
                for name, key in marks.items()}
        active = [s for s in self.streams if not (full and s.companion)]
        inclusive = {s.name: True for s in active}
        yielded = False
        #: records already given in this read, by id: the same version is not given twice
        given: dict[str, str | None] = {}
        while active:
            hits: dict[str, list[Row]] = {}
            finished: set[str] = set()
            for stream in active:
                rows = self._read(stream, keys.get(stream.name), inclusive[stream.name])
                hits[stream.name] = rows
                last = stream_key(rows[-1], stream.column) if rows else None
                if last is not None:
                    keys[stream.name] = marks[stream.name] = last
                    inclusive[stream.name] = False
                if len(rows) < self.page_size:
                    finished.add(stream.name)
            active = [s for s in active if s.name not in finished]
            if not any(hits.values()) and not (full and not active):
                continue
            records, deleted = self.collect(hits)
            records = [r for r in records if r.id not in given or given[r.id] != r.version]
            given.update((r.id, r.version) for r in records)
            yielded = True
            yield Page(tuple(records), cursor=format_cursor(marks), deleted=tuple(deleted),
                       complete=full and not active)
        if full and not yielded:
            yield Page((), cursor=format_cursor(marks), complete=True)

    def _resume(self, stored: dict[str, Key]) -> dict[str, Key]:
        """Each stream's stored key (a bare timestamp cursor stands for every stream)."""
        keys: dict[str, Key] = {}
        for stream in self.streams:
            key = stored.get(stream.name) or stored.get("*")
            if key is not None:
                keys[stream.name] = key
        return keys

    def _read(self, stream: Stream, key: Key | None, inclusive: bool) -> list[Row]:
        domain: Domain = list(stream.domain)
        if key is not None:
            domain.append(keyset(stream.column, key, inclusive=inclusive))
        fields = stream.fields if stream.column in stream.fields else (*stream.fields, stream.column)
        return self.models.search_read(stream.model, domain, fields, limit=self.page_size,
                                       order=[(stream.column, "ASC"), ("id", "ASC")])

    def _newest_companions(self) -> dict[str, Key]:
        keys: dict[str, Key] = {}
        for stream in self.streams:
            if not stream.companion:
                continue
            rows = self.models.search_read(stream.model, list(stream.domain), ("id", stream.column), limit=1,
                                           order=[(stream.column, "DESC"), ("id", "DESC")])
            key = stream_key(rows[0], stream.column) if rows else None
            if key is not None:
                keys[stream.name] = key
        return keys
