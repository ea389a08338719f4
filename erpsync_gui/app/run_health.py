"""Each side's health as a run finds it, for the status bar: a run that cannot reach a system, or whose
sign-in is refused, says so on that endpoint; a run that got answers marks it connected again.

A connector is watched from outside (every call and every page it yields), so no connector has to know:
failures that concern the whole endpoint count (unreachable, server errors, refused sign-in, quota, an
open circuit); a refused record (validation, not found, a duplicate) is the record's problem, not the side's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from erpsync_gui.app.read_ahead import ReadAhead
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    ConnectorError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
)

#: the connector's own answers, asked of no system: they say nothing of its health
LOCAL_CALLS = frozenset({"capabilities", "origin_of", "entities", "close"})


def is_endpoint_failure(exc: BaseException) -> bool:
    """True for failures that say the endpoint cannot be used now, False for a record's own trouble."""
    if isinstance(exc, AuthError | CircuitOpenError | QuotaExhaustedError):
        return True
    if isinstance(exc, RateLimitedError):
        return False  # it answered: slow down, not down
    if isinstance(exc, RetryableError):
        status = exc.status
        return status is None or status >= 500
    return False


class WatchedConnector:
    """Passes everything to the connector it wraps; `reached` after any answer, `problem` after an endpoint
    failure (the last one), `reached_at` when it last answered. With `read_ahead`, the pages of `changes` come
    through a ReadAhead (the next one asked for while the run writes the current one); every call to the
    connector then holds its lock, so the connector still serves one call at a time."""

    def __init__(self, inner: Any, *, read_ahead: bool = False) -> None:
        self._inner = inner
        self._read_ahead = read_ahead
        self._lock = threading.RLock()
        self.reached = False
        self.reached_at: datetime | None = None
        self.problem: ConnectorError | None = None

    @property
    def inner(self) -> Any:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name.startswith("_") or not callable(value) or name in LOCAL_CALLS:
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                with self._lock:
                    result = value(*args, **kwargs)
            except ConnectorError as exc:
                self._failed(exc)
                raise
            if isinstance(result, Iterator):
                ahead = self._read_ahead and name == "changes"
                return self._pages(ReadAhead(result, self._lock) if ahead else _Locked(result, self._lock))
            self._answered()
            return result

        return call

    def _pages(self, pages: ReadAhead | _Locked) -> Iterator:
        try:
            while True:
                try:
                    page = next(pages)
                except StopIteration:
                    self._answered()
                    return
                except ConnectorError as exc:
                    self._failed(exc)
                    raise
                self._answered()
                yield page
        finally:
            pages.close()

    def _answered(self) -> None:
        self.reached = True
        self.reached_at = datetime.now().astimezone()
        self.problem = None

    def _failed(self, exc: ConnectorError) -> None:
        if is_endpoint_failure(exc):
            self.problem = exc
        else:
            self._answered()  # a refused record: the system answered


class _Locked:
    """The pages of a connector's read, each asked for holding the connector's lock (no read-ahead)."""

    def __init__(self, pages: Iterator, lock: threading.RLock) -> None:
        self._pages = pages
        self._lock = lock

    def __next__(self) -> Any:
        with self._lock:
            return next(self._pages)

    def close(self) -> None:
        closer = getattr(self._pages, "close", None)
        if callable(closer):
            with self._lock:
                closer()
