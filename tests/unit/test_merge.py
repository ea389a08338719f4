"""Field decisions of the merge policy, and its settings in a profile file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from erpsync_gui.config.convert import ProfileFileError, validate
from erpsync_gui.engine.merge import decide_fields
from erpsync_gui.mapping import EntityMapping
from erpsync_gui.mapping.spec import parse_fields
from erpsync_gui.records import Record, Side

ROWS = [{"crm": "phonenumber", "erp": "phone"}, {"crm": "city", "erp": "city"}]
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _decide(crm_at: datetime, erp_at: datetime, offsets=None):
    mapping = EntityMapping("clients", parse_fields(ROWS))
    crm = Record("1", {"phonenumber": "0722", "city": "A"}, updated_at=crm_at)
    erp = Record("9", {"phone": "0733", "city": "A"}, updated_at=erp_at)
    to_erp = mapping.map_record(crm.data, to=Side.ERP)
    to_crm = mapping.map_record(erp.data, to=Side.CRM)
    return decide_fields(mapping, crm, erp, None, "newest_wins", to_erp, to_crm, offsets or {})


@pytest.mark.parametrize(("crm_at", "erp_at", "winner"), [
    (T0 + timedelta(minutes=5), T0, Side.CRM),
    (T0, T0 + timedelta(minutes=5), Side.ERP),
    (T0, T0, None),
])
def test_newest_wins_takes_the_newer_record_for_a_field_both_changed(crm_at, erp_at, winner):
    outcome = _decide(crm_at, erp_at)
    [decision] = outcome.decisions  # city is equal on both sides: nothing to decide
    assert decision.row.crm == "phonenumber"
    assert decision.winner is winner


def test_newest_wins_corrects_by_the_clock_offsets():
    # the CRM's clock runs 10 minutes ahead: its stamp 5 minutes later is in truth 5 minutes earlier
    outcome = _decide(T0 + timedelta(minutes=5), T0, {Side.CRM: timedelta(minutes=10)})
    assert outcome.decisions[0].winner is Side.ERP


def _doc(**entity):
    return {"name": "p", "crm": {"kind": "sql", "url": "sqlite:///x.db"}, "erp": {"kind": "rest", "url": "http://h/"},
            "entities": {"clients": {"fields": [{"crm": "city", "erp": "city", **entity.pop("row", {})}],
                                     **entity}}}


def test_a_profile_takes_the_merge_policy_and_its_rules():
    model = validate(_doc(policy="merge", merge_fallback="erp_wins", row={"merge": "newest_wins"}))
    entity = model.entities["clients"]
    assert (entity.policy, entity.merge_fallback, entity.fields[0].merge) == ("merge", "erp_wins", "newest_wins")


@pytest.mark.parametrize("bad", [{"merge_fallback": "loudest"}, {"row": {"merge": "manual"}}])
def test_an_unknown_merge_rule_is_refused(bad):
    with pytest.raises(ProfileFileError, match="merge"):
        validate(_doc(policy="merge", **bad))
