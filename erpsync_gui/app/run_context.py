"""Which run a log line belongs to, for lines written by code that knows nothing of runs (the HTTP layer's
"retrying GET … in 2.0 s" warnings): the run's thread carries its profile, entity and run id, and a filter on
the log handlers stamps them on every line that lacks them, so the Logs page's entity and run filters show
them with the run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_current = threading.local()


@contextmanager
def run_context(profile_id: int | None, entity: str) -> Iterator[None]:
    """Lines logged on this thread inside the block belong to a run of `entity` (its id comes with
    `note_run_id` once the engine has opened the run)."""
    before = getattr(_current, "value", None)
    _current.value = {"profile_id": profile_id, "entity": entity, "run_id": None}
    try:
        yield
    finally:
        _current.value = before


def note_run_id(run_id: int) -> None:
    """The run id of the run going on on this thread."""
    value = getattr(_current, "value", None)
    if value is not None:
        value["run_id"] = run_id


def current() -> dict | None:
    """The run of this thread as {profile_id, entity, run_id}, or None outside a run."""
    value = getattr(_current, "value", None)
    return dict(value) if value is not None else None


class RunContextFilter(logging.Filter):
    """Stamps the thread's run on log records that do not say which run they belong to (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        value = getattr(_current, "value", None)
        if value is not None:
            for name, stamp in value.items():
                if stamp is not None and getattr(record, name, None) is None:
                    setattr(record, name, stamp)
        return True


def thread_run() -> dict | None:
    """This thread's run itself (not a copy), for a helper thread of the run to join (see `joined_run`)."""
    return getattr(_current, "value", None)


@contextmanager
def joined_run(run: dict | None) -> Iterator[None]:
    """Lines logged on this thread inside the block belong to `run` (from `thread_run` on the run's own
    thread; the run id it notes later shows here too)."""
    before = getattr(_current, "value", None)
    _current.value = run
    try:
        yield
    finally:
        _current.value = before
