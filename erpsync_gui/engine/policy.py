"""Conflict policies: which side wins when both changed since the last sync."""

from __future__ import annotations

from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import CONFLICT_POLICIES
from erpsync_gui.records import Record, Side


def decide(policy: str, a_side: Side, a: Record, b: Record) -> tuple[Side | None, str]:
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
    if a.updated_at == b.updated_at:
        return None, "both sides changed at the same moment; waiting for a decision"
    winner = a_side if a.updated_at > b.updated_at else a_side.other
    return winner, f"both sides changed; the {winner.value.upper()} change is newer (newest_wins)"
