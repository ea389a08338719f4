"""Conflict policies decided record by record: the winner, and the reason a person reads beside the conflict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from erpsync_gui.engine.policy import decide
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Record, Side

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _at(when: datetime | None) -> Record:
    return Record("1", {"city": "x"}, updated_at=when)


@pytest.mark.parametrize(("policy", "winner", "reason"), [
    ("crm_wins", Side.CRM, "both sides changed; the CRM wins (crm_wins)"),
    ("erp_wins", Side.ERP, "both sides changed; the ERP wins (erp_wins)"),
    ("manual", None, "both sides changed; waiting for a decision (manual)"),
])
@pytest.mark.parametrize("a_side", [Side.CRM, Side.ERP])
def test_a_fixed_policy_names_its_side_whichever_record_comes_first(policy: str, winner: Side | None, reason: str,
                                                                     a_side: Side) -> None:
    assert decide(policy, a_side, _at(NOON), _at(NOON + timedelta(hours=1))) == (winner, reason)


@pytest.mark.parametrize("a_side", [Side.CRM, Side.ERP])
def test_newest_wins_takes_the_later_record_on_either_side(a_side: Side) -> None:
    later, earlier = _at(NOON + timedelta(seconds=1)), _at(NOON)
    assert decide("newest_wins", a_side, later, earlier) == (
        a_side, f"both sides changed; the {a_side.value.upper()} change is newer (newest_wins)")
    assert decide("newest_wins", a_side, earlier, later) == (
        a_side.other, f"both sides changed; the {a_side.other.value.upper()} change is newer (newest_wins)")


def test_newest_wins_leaves_equal_times_to_a_person() -> None:
    assert decide("newest_wins", Side.CRM, _at(NOON), _at(NOON)) == (
        None, "both sides changed at the same moment; waiting for a decision")


@pytest.mark.parametrize(("a_side", "a_time", "b_time", "missing"), [
    (Side.CRM, None, NOON, "CRM"), (Side.CRM, NOON, None, "ERP"), (Side.ERP, None, NOON, "ERP"),
    (Side.ERP, NOON, None, "CRM"), (Side.CRM, None, None, "CRM")])
def test_newest_wins_names_the_record_without_a_time(a_side: Side, a_time: datetime | None,
                                                     b_time: datetime | None, missing: str) -> None:
    assert decide("newest_wins", a_side, _at(a_time), _at(b_time)) == (
        None, f"both sides changed and the {missing} record has no modification time, so newest_wins cannot "
              "decide; waiting for a decision")


def test_each_time_is_corrected_by_its_own_sides_clock_offset() -> None:
    # the CRM's clock runs 10 minutes ahead: its 12:05 is 11:55 here, before the ERP's 12:00
    offsets = {Side.CRM: timedelta(minutes=10)}
    crm, erp = _at(NOON + timedelta(minutes=5)), _at(NOON)
    assert decide("newest_wins", Side.CRM, crm, erp, offsets)[0] is Side.ERP
    assert decide("newest_wins", Side.ERP, erp, crm, offsets)[0] is Side.ERP
    assert decide("newest_wins", Side.CRM, crm, erp)[0] is Side.CRM  # uncorrected, the CRM's would look newer
    # an ERP clock behind by as much makes the two edits the same moment
    offsets[Side.ERP] = timedelta(minutes=-5)
    crm, erp = _at(NOON + timedelta(minutes=5)), _at(NOON - timedelta(minutes=10))
    assert decide("newest_wins", Side.ERP, erp, crm, offsets)[0] is None


def test_an_unknown_policy_is_a_configuration_error_that_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        decide("oldest_wins", Side.CRM, _at(NOON), _at(NOON))
    assert caught.value.message == "Unknown conflict policy 'oldest_wins'"
    assert caught.value.hint == "use one of crm_wins, erp_wins, newest_wins, manual, merge"
