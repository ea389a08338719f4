"""Reading a very large entity in parts: id ranges that separate workers read side by side.

A connector that can offers two more calls (the `Partitioned` protocol). `plan_partitions` splits the entity's
ids into ranges and says what the cursor is *now*, before any part is read: once every part has committed,
that cursor is stored, so an edit made while the parts were read is read again by the next run, never
skipped. `read_partition` pages through one range in id order, without cursors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from erpsync_gui.records import Page


@dataclass(frozen=True)
class IdRange:
    """Integer ids `lo <= id < hi`."""

    lo: int
    hi: int

    def __post_init__(self) -> None:
        if self.hi <= self.lo:
            raise ValueError(f"an empty id range: {self.lo}..{self.hi}")


@dataclass(frozen=True)
class PartitionPlan:
    ranges: tuple[IdRange, ...]
    #: the cursor as of the plan (the newest change stamp before any part is read); None without one
    cursor: str | None


@runtime_checkable
class Partitioned(Protocol):
    def plan_partitions(self, entity: str, count: int) -> PartitionPlan:
        """At most `count` ranges that cover every id of the entity (none when it is empty)."""
        ...

    def read_partition(self, entity: str, part: IdRange, page_size: int) -> Iterator[Page]:
        """Pages of the range's records in id order; no page carries a cursor."""
        ...


def split_ids(low: int | None, high: int | None, count: int) -> tuple[IdRange, ...]:
    """`count` (or fewer) ranges of about equal width covering `low..high` inclusive; () for no ids."""
    if low is None or high is None:
        return ()
    span = high - low + 1
    parts = max(1, min(count, span))
    width = -(-span // parts)  # ceiling: the last range is never wider than the others
    return tuple(IdRange(start, min(start + width, high + 1)) for start in range(low, high + 1, width))
