"""A side's next page read while the run writes the current one.

A run reads a page, then maps and writes it, then reads the next: over HTTP the engine would wait for the
system's answer between every two batches, and the system would wait for the engine. Here one thread asks
for the following pages while the run works on the ones it has, so the waits overlap. It stays a stream: the
reader goes on while fewer than `ahead` records (1,000) wait to be taken, whatever the size of the read, and a
run that stops early stops the reading too. The bound is in records, not pages: a run that writes ten pages of
50 together (see engine/write_groups.py) finds the next ten read while it writes, and pages of 500 are held two
at a time, as many bytes.

The connector is never used by two threads at once: the reader holds the connector's lock while it asks for
a page, and every other call to that connector takes the same lock (see run_health.WatchedConnector), so a
lookup the run makes in between waits for the page in flight instead of sharing the connection or the sign-in.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from erpsync_gui.app.run_context import joined_run, thread_run

T = TypeVar("T")

_PAGE, _END, _FAILED = "page", "end", "failed"
#: records the reader may hold ready beyond those the run has taken (at least one page, however big)
AHEAD_RECORDS = 1_000
#: how often a consumer waiting for a page looks up (so Ctrl-C reaches it on every platform)
_POLL_S = 0.5


class ReadAhead(Generic[T]):
    """The pages of `pages`, in order, with the next one asked for in a thread while the caller works.
    A failure of the read is raised to the caller where the page would have come; `close()` stops the
    reader (after the request in flight) and closes `pages`."""

    def __init__(self, pages: Iterator[T], lock: threading.RLock, *, name: str = "erpsync-read-ahead",
                 ahead: int = AHEAD_RECORDS) -> None:
        self._pages = pages
        self._lock = lock
        self._name = name
        self._ahead = max(1, ahead)
        self._handed: deque[tuple[str, Any]] = deque()
        #: records in `_handed` (a page without records counts as one)
        self._held = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = False
        self._first_read = False

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        if not self._first_read:
            # the first page is read here, in the caller's thread: a caller that looks at one page only (is the
            # target empty?) costs no request beyond it, which counts where a daily quota applies
            self._first_read = True
            with self._lock:
                try:
                    return next(self._pages)
                except StopIteration:
                    self._finished = True
                    raise
        if self._thread is None:
            # started when the second page is asked for: from then on the next one is read while the caller works
            self._thread = threading.Thread(target=self._read, args=(thread_run(),), name=self._name, daemon=True)
            self._thread.start()
        with self._changed:
            while not self._handed:
                self._changed.wait(_POLL_S)
            kind, value = self._handed.popleft()
            self._held -= _size(value) if kind == _PAGE else 0
            self._changed.notify_all()
        if kind == _PAGE:
            return value
        self._finished = True
        self._thread.join()
        if kind == _END:
            raise StopIteration
        raise value

    def close(self) -> None:
        """Stop reading ahead: the request in flight ends first (the connector is not touched afterwards),
        then the underlying pages are closed."""
        self._finished = True
        self._stop.set()
        if self._thread is not None:
            with self._changed:  # pages waiting to be handed over are dropped; a reader waiting for room wakes
                self._handed.clear()
                self._held = 0
                self._changed.notify_all()
            self._thread.join()
        closer = getattr(self._pages, "close", None)
        if callable(closer):
            with self._lock:
                closer()

    def _read(self, run: dict | None) -> None:
        with joined_run(run):
            while not self._stop.is_set():
                with self._changed:  # room for more: fewer records wait than the bound
                    while self._held >= self._ahead and not self._stop.is_set():
                        self._changed.wait(_POLL_S)
                with self._lock:
                    if self._stop.is_set():
                        return
                    try:
                        item: tuple[str, Any] = (_PAGE, next(self._pages))
                    except StopIteration:
                        item = (_END, None)
                    except BaseException as exc:  # handed to the run's thread, which raises it
                        item = (_FAILED, exc)
                with self._changed:
                    if self._stop.is_set():
                        return
                    self._handed.append(item)
                    self._held += _size(item[1]) if item[0] == _PAGE else 0
                    self._changed.notify_all()
                if item[0] != _PAGE:
                    return


def _size(page: object) -> int:
    """How much of the bound a page takes: its records (a page of none, or not a Page, counts as one)."""
    records = getattr(page, "records", None)
    return max(1, len(records)) if records is not None else 1
