"""Creates are written ahead: the state store knows of a create before it is sent, so a run stopped while the
create is on its way (the target stored it, no answer came back, nothing else was recorded) never sends it
a second time when the record cannot be found again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select

from erpsync_gui.records import Direction, Origin, Record
from erpsync_gui.store.models import OutcomeRow
from tests.fakes.memory import MemoryConnector
from tests.unit.test_engine import engine_for, links


class _StoppedAfterCreate(MemoryConnector):
    """The next create reaches the system and is stored; then the process is stopped (Ctrl+C) before the
    answer arrives."""

    def __init__(self) -> None:
        super().__init__(origin_marker=False)  # no marker: a record we created cannot be looked up by it
        self.stop_next_create = True

    def create(self, entity: str, payload: Mapping[str, Any], *, origin: Origin | None = None,
               txn_id: str | None = None) -> Record:
        record = super().create(entity, payload, origin=origin, txn_id=txn_id)
        if self.stop_next_create:
            self.stop_next_create = False
            raise KeyboardInterrupt
        return record


def test_a_create_cut_off_by_a_stopped_process_is_not_sent_again(store):
    crm, erp = MemoryConnector(), _StoppedAfterCreate()
    # no natural key value either: nothing can tell the stored record is this one's twin
    rid = crm.put("clients", {"customer_number": None, "company": "Epsilon", "city": "Sibiu"})
    engine = engine_for(store, crm, erp, direction=Direction.EXPORT)

    with pytest.raises(KeyboardInterrupt):
        engine.run("clients")
    assert len(erp.rows("clients")) == 1
    (announced,) = links(store)
    assert (announced.crm_id, announced.erp_id) == (rid, None)
    assert announced.state == "pending" and announced.create_unknown

    again = engine.run("clients")

    assert len(erp.rows("clients")) == 1  # the create that landed is not made a second time
    assert again.counts["inserted"] == 0 and again.counts["failed"] == 1
    with store.session() as s:
        outcome = s.scalars(select(OutcomeRow).where(OutcomeRow.action == "failed")).one()
    assert outcome.crm_id == rid and outcome.error_kind == "outcome_unknown"
    assert "not created again" in outcome.message
