"""A side's next page read while the run writes the current one.

A run reads a page, then maps and writes it, then reads the next: over HTTP the engine would wait for the
system's answer between every two batches, and the system would wait for the engine. Here one thread asks
for the following page while the run works on the one it has, so the waits overlap. It stays a stream: at
most two pages are held beyond the one being written (one handed over, one waiting to be), whatever the size
of the read, and a run that stops early stops the reading too.

The connector is never used by two threads at once: the reader holds the connector's lock while it asks for
a page, and every other call to that connector takes the same lock (see run_health.WatchedConnector), so a
lookup the run makes in between waits for the page in flight instead of sharing the connection or the sign-in.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from erpsync_gui.app.run_context import joined_run, thread_run

T = TypeVar("T")

_PAGE, _END, _FAILED = "page", "end", "failed"
#: how often a consumer waiting for a page looks up (so Ctrl-C reaches it on every platform)
_POLL_S = 0.5


class ReadAhead(Generic[T]):
    """The pages of `pages`, in order, with the next one asked for in a thread while the caller works.
    A failure of the read is raised to the caller where the page would have come; `close()` stops the
    reader (after the request in flight) and closes `pages`."""

    def __init__(self, pages: Iterator[T], lock: threading.RLock, *, name: str = "erpsync-read-ahead") -> None:
        self._pages = pages
        self._lock = lock
        self._name = name
        self._handed: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
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
        while True:
            try:
                kind, value = self._handed.get(timeout=_POLL_S)
                break
            except queue.Empty:
                continue
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
            # a page waiting to be handed over is dropped, so the reader is not left blocked on it
            with contextlib.suppress(queue.Empty):
                self._handed.get_nowait()
            self._thread.join()
        closer = getattr(self._pages, "close", None)
        if callable(closer):
            with self._lock:
                closer()

    def _read(self, run: dict | None) -> None:
        with joined_run(run):
            while not self._stop.is_set():
                with self._lock:
                    if self._stop.is_set():
                        return
                    try:
                        item: tuple[str, Any] = (_PAGE, next(self._pages))
                    except StopIteration:
                        item = (_END, None)
                    except BaseException as exc:  # handed to the run's thread, which raises it
                        item = (_FAILED, exc)
                # one hand-over at most after a stop: close() frees the one slot it could wait for
                self._handed.put(item)
                if item[0] != _PAGE:
                    return
