"""The brake preview's read of a run's first side, kept for the run to write from.

A run the preview lets go on writes from that read instead of asking the system for the same changes twice
(a daily quota would pay for both). Only the first side: nothing was written before it is read, whereas the
other side's records may be the ones the first side just wrote, and a kept read of them would be stale (a
full read taken before the run's own creates would even take those for deleted). A read cut short or too big
is not kept, and the run reads again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from erpsync_gui.records import Page, Side


class PreviewPages:
    """Pages the preview read, per side, up to `cap` records a side."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        #: the brake's preview is reading now (its first side's pages are kept)
        self.previewing = False
        self._kept: dict[Side, list[Page]] = {}

    def pages(self, side: Side, read: Callable[[], Iterator[Page]], *, first: bool,
              cancelled: Callable[[], bool]) -> Iterator[Page]:
        """The side's changes: the pages kept by the preview (once), else `read()` (kept while previewing)."""
        kept = self._kept.pop(side, None)
        if kept is not None:
            yield from kept
            return
        keeping: list[Page] | None = [] if self.previewing and first else None
        held = 0
        for page in read():
            if keeping is not None:
                held += len(page.records)
                if held <= self.cap:
                    keeping.append(page)
                else:
                    keeping = None
            yield page
        if keeping is not None and not cancelled():
            self._kept[side] = keeping
