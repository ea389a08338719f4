"""The brake preview's kept read: the first side's pages are kept for the run once, and only a whole read
within the cap."""

from __future__ import annotations

from collections.abc import Iterator

from erpsync_gui.engine.preview_pages import PreviewPages
from erpsync_gui.records import Page, Record, Side


def _source(records: int) -> tuple[list[int], object]:
    reads: list[int] = []

    def read() -> Iterator[Page]:
        reads.append(1)
        for n in range(records):
            yield Page((Record(id=str(n), data={"n": n}),), cursor=str(n))

    return reads, read


def _preview(kept: PreviewPages, read, *, first: bool = True, cancelled: bool = False) -> list[Page]:
    kept.previewing = True
    pages = list(kept.pages(Side.CRM, read, first=first, cancelled=lambda: cancelled))
    kept.previewing = False
    return pages


def test_the_run_writes_from_the_previews_read_once_then_reads_again():
    kept = PreviewPages(cap=10)
    reads, read = _source(3)
    previewed = _preview(kept, read)
    assert list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False)) == previewed and reads == [1]
    list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False))
    assert reads == [1, 1]  # what was kept is given once


def test_a_read_past_the_cap_is_not_kept():
    kept = PreviewPages(cap=2)
    reads, read = _source(3)
    _preview(kept, read)
    list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False))
    assert reads == [1, 1]


def test_a_read_cut_short_by_a_cancel_is_not_kept():
    kept = PreviewPages(cap=10)
    reads, read = _source(3)
    _preview(kept, read, cancelled=True)
    list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False))
    assert reads == [1, 1]


def test_the_second_side_is_never_kept():
    kept = PreviewPages(cap=10)
    reads, read = _source(3)
    _preview(kept, read, first=False)
    list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False))
    assert reads == [1, 1]


def test_outside_a_preview_nothing_is_kept():
    kept = PreviewPages(cap=10)
    reads, read = _source(3)
    list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False))
    list(kept.pages(Side.CRM, read, first=True, cancelled=lambda: False))
    assert reads == [1, 1]
