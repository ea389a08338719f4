"""Pages written together: groups up to the target's write batch, never past a delete, a duplicate or a failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from erpsync_gui.engine.write_groups import write_groups
from erpsync_gui.errors import RetryableError
from erpsync_gui.records import Page, Record


def _page(ids: range | list[int], cursor: str | None = None, **kw) -> Page:
    return Page(tuple(Record(str(i), {"n": i}) for i in ids), cursor=cursor, **kw)


def _ids(page: Page) -> list[int]:
    return [int(r.id) for r in page.records]


def never() -> bool:
    return False


def test_pages_are_gathered_up_to_the_limit_and_a_page_is_never_split() -> None:
    pages = [_page(range(i * 50, i * 50 + 50), cursor=f"c{i}", total=520 if i == 0 else None) for i in range(11)]
    pages.append(_page(range(550, 570), cursor="c11"))
    groups = list(write_groups(pages, 200, never))
    assert [len(g.records) for g in groups] == [200, 200, 170]
    assert [g.cursor for g in groups] == ["c3", "c7", "c11"]
    assert groups[0].total == 520 and groups[1].total is None
    assert [i for g in groups for i in _ids(g)] == list(range(570))


def test_a_group_ends_at_a_page_that_reports_deletes_or_completes_the_read() -> None:
    pages = [_page(range(0, 10), "a"), _page(range(10, 20), "b", deleted=("x",)), _page(range(20, 30), "c"),
             _page(range(30, 40), "d", complete=True), _page(range(40, 45), "e")]
    groups = list(write_groups(pages, 1000, never))
    assert [(_ids(g)[0], len(g.records), g.deleted, g.complete) for g in groups] == [
        (0, 20, ("x",), False), (20, 20, (), True), (40, 5, (), False)]


def test_a_record_met_twice_goes_into_the_next_group() -> None:
    pages = [_page([1, 2, 3], "a"), _page([4, 2], "b"), _page([5], "c")]
    groups = list(write_groups(pages, 1000, never))
    assert [_ids(g) for g in groups] == [[1, 2, 3], [4, 2, 5]]
    assert [g.cursor for g in groups] == ["a", "c"]


def test_the_last_cursor_any_page_gave_is_the_groups() -> None:
    groups = list(write_groups([_page([1], "a"), _page([2], None)], 1000, never))
    assert len(groups) == 1 and groups[0].cursor == "a"


def test_pages_read_before_a_failure_are_written_then_the_failure_goes_on() -> None:
    def failing() -> Iterator[Page]:
        yield _page([1, 2], "a")
        yield _page([3], "b")
        raise RetryableError("the ERP went away")

    got: list[Page] = []
    with pytest.raises(RetryableError, match="went away"):
        for group in write_groups(failing(), 1000, never):
            got.append(group)
    assert [_ids(g) for g in got] == [[1, 2, 3]] and got[0].cursor == "b"


def test_a_cancelled_run_writes_what_it_read_at_once() -> None:
    calls: list[int] = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= 2

    groups = write_groups([_page([1], "a"), _page([2], "b"), _page([3], "c")], 1000, cancelled)
    assert [_ids(g) for g in groups] == [[1, 2], [3]]


def test_a_single_page_group_is_the_page_itself() -> None:
    page = _page([1, 2], "a", total=2)
    assert list(write_groups([page], 1, never)) == [page]
