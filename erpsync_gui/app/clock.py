"""An endpoint's clock offset, measured by a connection test where the system reports its time.

newest_wins compares modification times from two machines, and a CRM database without a clock of its own
has our writes stamped in its time: both need to know how far each system's clock is from this PC's.
The measurement has the resolution of what the system reports (whole seconds for an HTTP Date header), so
an offset under `NOISE_S` is taken as none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from erpsync_gui.connectors.base import CheckResult

#: offsets smaller than this are rounding (a Date header has whole seconds, a request takes time)
NOISE_S = 2.0


def measured_offset(result: CheckResult, answered_at: datetime) -> float | None:
    """Seconds the system's clock is ahead of this PC's (negative: behind), from a check that ended at
    `answered_at`; None when the system reports no time."""
    if result.server_time is None:
        return None
    middle = answered_at - timedelta(milliseconds=(result.latency_ms or 0.0) / 2)
    offset = (result.server_time.astimezone(UTC) - middle).total_seconds()
    return 0.0 if abs(offset) < NOISE_S else round(offset, 1)


def describe_offset(label: str, offset: float) -> str:
    """'the ERP's clock is 120 s behind this PC's' for a message."""
    if offset == 0:
        return f"the {label}'s clock agrees with this PC's"
    way = "ahead of" if offset > 0 else "behind"
    return f"the {label}'s clock is {abs(offset):.0f} s {way} this PC's; modification times are corrected by it"
