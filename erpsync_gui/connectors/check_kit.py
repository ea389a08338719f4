"""What every connector's Test connection shares: one short try, its elapsed time, and the server's clock."""

from __future__ import annotations

import dataclasses
import email.utils
import time
from datetime import UTC, datetime

from erpsync_gui.http import HttpSettings

#: a connection test waits at most this long for an answer, whatever the endpoint's own timeout
CHECK_TIMEOUT = 15.0


def no_retries(settings: HttpSettings) -> HttpSettings:
    """The settings of a connection test: one short try, so a dead server answers in seconds."""
    return dataclasses.replace(settings, timeout=min(settings.timeout, CHECK_TIMEOUT), retries=0)


def elapsed_ms(started: float) -> float:
    """Milliseconds since `started` (a time.perf_counter() reading)."""
    return (time.perf_counter() - started) * 1000.0


def date_header(value: str | None) -> datetime | None:
    """The server's clock from an HTTP Date header's text (whole seconds, UTC), None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
