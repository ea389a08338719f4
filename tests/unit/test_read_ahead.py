"""Reading the next page while the run writes the current one: the same pages in the same order, a failure
where its page would have been, reading ahead bounded in records (whatever the page size), a stop that stops
the reading,
one call at a time to the connector, and the reader's log lines belonging to the run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from erpsync_gui.app import run_context
from erpsync_gui.app.connectors import reads_over_network
from erpsync_gui.app.read_ahead import ReadAhead
from erpsync_gui.app.run_health import WatchedConnector
from erpsync_gui.errors import RetryableError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Page, Record, Side

WAIT_S = 10.0  # only ever waited in full when the code under test is broken


class Source:
    """Numbered pages; counts how many were produced and whether it was closed."""

    def __init__(self, count: int, fail_after: int | None = None) -> None:
        self.count = count
        self.fail_after = fail_after
        self.produced = 0
        self.closed = False
        self.changed = threading.Condition()
        self.threads: set[str] = set()
        self.runs: list[dict | None] = []

    def pages(self) -> Iterator[int]:
        try:
            for number in range(1, self.count + 1):
                if self.fail_after is not None and number > self.fail_after:
                    raise RetryableError("read timed out")
                self.threads.add(threading.current_thread().name)
                self.runs.append(run_context.current())
                with self.changed:
                    self.produced = number
                    self.changed.notify_all()
                yield number
        finally:
            self.closed = True

    def wait_produced(self, number: int) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.produced >= number, timeout=WAIT_S)
            return self.produced


def test_every_page_comes_in_order_from_a_reader_thread() -> None:
    source = Source(25)
    pages = ReadAhead(source.pages(), threading.RLock())
    assert list(pages) == list(range(1, 26))
    # the first page in the caller's thread, every later one from the reader
    assert source.threads == {threading.current_thread().name, "erpsync-read-ahead"} and source.closed
    assert next(pages, None) is None


def test_a_failure_comes_where_its_page_would_have() -> None:
    source = Source(5, fail_after=2)
    pages = ReadAhead(source.pages(), threading.RLock())
    assert next(pages) == 1 and next(pages) == 2
    with pytest.raises(RetryableError, match="read timed out"):
        next(pages)
    assert next(pages, None) is None  # a failed read is over


def test_the_reader_holds_no_more_than_its_bound_beyond_the_page_in_hand() -> None:
    source = Source(100)
    pages = ReadAhead(source.pages(), threading.RLock(), ahead=2)  # a page without records counts as one
    assert next(pages) == 1
    assert source.produced == 1  # nothing is read ahead of the first page until a second one is asked for
    assert next(pages) == 2
    assert source.wait_produced(4) == 4  # page 3 handed over, page 4 waiting to be: the reader waits too
    time.sleep(0.05)
    assert source.produced == 4
    assert next(pages) == 3
    assert source.wait_produced(5) == 5
    pages.close()
    assert source.closed and source.produced <= 6


class RecordPages(Source):
    """Pages of `size` records each."""

    def __init__(self, count: int, size: int) -> None:
        super().__init__(count)
        self.size = size

    def record_pages(self) -> Iterator[Page]:
        for number in self.pages():
            yield Page(tuple(Record(f"{number}-{i}", {}) for i in range(self.size)))


@pytest.mark.parametrize(("size", "held_pages"), [(50, 20), (500, 2), (2000, 1)])
def test_the_bound_counts_records_so_small_pages_are_read_further_ahead(size: int, held_pages: int) -> None:
    source = RecordPages(100, size)
    pages = ReadAhead(source.record_pages(), threading.RLock(), ahead=1000)
    assert len(next(pages).records) == size
    next(pages)  # page 2 in hand: the reader fills the bound with pages 3 onwards, then waits
    assert source.wait_produced(2 + held_pages) == 2 + held_pages
    time.sleep(0.05)
    assert source.produced == 2 + held_pages
    next(pages)  # one page taken makes room for one more
    assert source.wait_produced(3 + held_pages) == 3 + held_pages
    pages.close()
    assert source.closed


def test_a_caller_that_looks_at_the_first_page_only_costs_one_read() -> None:
    # is the target empty? one page of one record is all it asks; a quota-counted system sees one request
    source = Source(100)
    pages = ReadAhead(source.pages(), threading.RLock())
    assert next(pages) == 1
    pages.close()
    assert source.produced == 1 and source.closed


def test_a_run_that_stops_early_stops_the_reader_and_closes_the_read() -> None:
    source = Source(100)
    pages = ReadAhead(source.pages(), threading.RLock())
    assert next(pages) == 1
    pages.close()
    assert source.closed and source.produced <= 3
    assert not any(t.name == "erpsync-read-ahead" for t in threading.enumerate())
    assert next(pages, None) is None


def test_closing_before_the_first_page_reads_nothing() -> None:
    source = Source(3)
    pages = ReadAhead(source.pages(), threading.RLock())
    pages.close()
    assert source.produced == 0


def test_the_readers_lines_belong_to_the_run_even_with_the_id_noted_later() -> None:
    source = Source(3)
    with run_context.run_context(7, "clients"):
        pages = ReadAhead(source.pages(), threading.RLock())
        run_context.note_run_id(42)
        assert list(pages) == [1, 2, 3]
    assert source.runs[-1] == {"profile_id": 7, "entity": "clients", "run_id": 42}


class Busy:
    """A connector that fails the test if two calls (or a call and a page read) ever overlap."""

    def __init__(self) -> None:
        self.inside = 0
        self.overlaps = 0
        self.guard = threading.Lock()
        self.partition_threads: set[str] = set()

    def _enter(self) -> None:
        with self.guard:
            self.inside += 1
            if self.inside > 1:
                self.overlaps += 1

    def _leave(self) -> None:
        with self.guard:
            self.inside -= 1

    def _work(self) -> None:
        self._enter()
        try:
            time.sleep(0.0002)  # gives the other thread the moment to come in, were it let in
        finally:
            self._leave()

    def get_many(self, entity, ids):
        self._work()
        return {i: Record(i, {}) for i in ids}

    def changes(self, entity, cursor, page_size):
        for number in range(200):
            self._work()
            yield Page((Record(str(number), {}),), complete=number == 199)

    def read_partition(self, entity, part, page_size):
        for number in range(3):
            self.partition_threads.add(threading.current_thread().name)
            yield Page((Record(str(number), {}),))


def test_the_connector_serves_one_call_at_a_time_while_reading_ahead() -> None:
    fake = Busy()
    watched = WatchedConnector(fake, read_ahead=True)
    seen = []
    for page in watched.changes("clients", None, 1):
        seen.append(page.records[0].id)
        watched.get_many("clients", ["x"])  # a lookup of the run, between two pages
    assert seen == [str(n) for n in range(200)]
    assert fake.overlaps == 0 and watched.reached


def test_only_a_read_of_changes_goes_ahead_and_only_for_http_kinds() -> None:
    fake = Busy()
    watched = WatchedConnector(fake, read_ahead=True)
    assert len(list(watched.read_partition("clients", None, 1))) == 3
    assert fake.partition_threads == {threading.current_thread().name}
    assert reads_over_network(EndpointConfig(Side.ERP, "rest", "https://erp.example/api"))
    assert not reads_over_network(EndpointConfig(Side.CRM, "sql", "sqlite:///crm.sqlite"))


class Closable(Busy):
    def __init__(self) -> None:
        super().__init__()
        self.closed_while_reading = False
        self.closed = False

    def changes(self, entity, cursor, page_size):
        for number in range(1000):
            self._work()
            yield Page((Record(str(number), {}),))

    def close(self) -> None:
        self.closed_while_reading = self.inside > 0
        self.closed = True


def test_a_read_left_open_is_stopped_before_the_connector_closes() -> None:
    fake = Closable()
    watched = WatchedConnector(fake, read_ahead=True)
    pages = watched.changes("clients", None, 1)
    assert next(pages).records[0].id == "0"  # the run stops here, leaving the read open
    watched.stop_reading()
    assert not any(t.name == "erpsync-read-ahead" for t in threading.enumerate())
    watched.close()
    assert fake.closed and not fake.closed_while_reading


def test_a_method_is_wrapped_once_and_values_are_read_afresh() -> None:
    fake = Busy()
    watched = WatchedConnector(fake)
    assert watched.get_many is watched.get_many
    fake.auth_problem = None
    assert watched.auth_problem is None
    fake.auth_problem = RetryableError("down")
    assert watched.auth_problem is fake.auth_problem
