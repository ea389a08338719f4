"""Times are stored and compared in UTC; some databases (SQLite) hand them back without a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def aware_utc(value: datetime) -> datetime: ...
@overload
def aware_utc(value: None) -> None: ...
def aware_utc(value: datetime | None) -> datetime | None:
    """`value` with UTC attached when it came back naive; None stays None."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
