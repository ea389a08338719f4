"""Conflict policies: which side wins when both changed since the last sync.

`newest_wins` compares the two records' modification times, each corrected by its endpoint's clock
offset (how far that system's clock is ahead of this PC's, measured by a connection test where the system
reports its time). What it can know: which record was modified later, as far as the two systems'
clocks agree once corrected. What it cannot know: edits closer together than the offsets' error (an
HTTP Date header has whole seconds), a system whose stamps come from yet another clock (a database
server that is not the application's host), or which *field* was edited last: it decides for the whole
record. Equal times, or a record without one, are left to a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import CONFLICT_POLICIES
from erpsync_gui.records import Record, Side

_NO_OFFSETS: Mapping[Side, timedelta] = {}


def decide(policy: str, a_side: Side, a: Record, b: Record,
           clock_offsets: Mapping[Side, timedelta] = _NO_OFFSETS) -> tuple[Side | None, str]:
    """The winning side (None: a person decides) and the reason, for records `a` (on `a_side`) and `b`."""
    if policy not in CONFLICT_POLICIES:
        raise ConfigError(f"Unknown conflict policy {policy!r}", hint=f"use one of {', '.join(CONFLICT_POLICIES)}")
    if policy == "crm_wins":
        return Side.CRM, "both sides changed; the CRM wins (crm_wins)"
    if policy == "erp_wins":
        return Side.ERP, "both sides changed; the ERP wins (erp_wins)"
    if policy == "manual":
        return None, "both sides changed; waiting for a decision (manual)"
    # newest_wins
    if a.updated_at is None or b.updated_at is None:
        missing = a_side if a.updated_at is None else a_side.other
        return None, (f"both sides changed and the {missing.value.upper()} record has no modification "
                      "time, so newest_wins cannot decide; waiting for a decision")
    zero = timedelta(0)
    a_time = a.updated_at - clock_offsets.get(a_side, zero)
    b_time = b.updated_at - clock_offsets.get(a_side.other, zero)
    if a_time == b_time:
        return None, "both sides changed at the same moment; waiting for a decision"
    winner = a_side if a_time > b_time else a_side.other
    return winner, f"both sides changed; the {winner.value.upper()} change is newer (newest_wins)"
