"""What propagate does where a system cannot delete: archive, or else the approval queue."""

from __future__ import annotations

from datetime import UTC, datetime

from erpsync_gui.engine.deletes import handle
from erpsync_gui.engine.retire import retire
from erpsync_gui.records import Capabilities, Record, Side
from erpsync_gui.store.link import Link


class _System:
    """A connector stand-in with one record and chosen capabilities, remembering what was done to it."""

    def __init__(self, *, delete: bool, archive: bool) -> None:
        self.caps = Capabilities(delete=delete, archive=archive)
        self.done: list[tuple[str, str]] = []

    def capabilities(self, entity: str) -> Capabilities:
        return self.caps

    def get_many(self, entity: str, ids):
        return {i: Record(i, {"company": "Firma"}) for i in ids}

    def delete(self, entity: str, record_id: str, *, version=None) -> None:
        self.done.append(("delete", record_id))

    def archive(self, entity: str, record_id: str, *, version=None) -> Record:
        self.done.append(("archive", record_id))
        return Record(record_id, {"active": 0})


def _run(erp: _System) -> list[dict]:
    link = Link(profile_id=1, entity="clients", id=7, crm_id="1", erp_id="9", state="synced")
    item = retire(Side.CRM, "1", link)
    return handle("propagate", [(item, _twin(item))], {Side.ERP: erp, Side.CRM: _System(delete=True, archive=False)},
                  {Side.CRM: "clients", Side.ERP: "clients"}, profile_id=1, entity="clients",
                  now=datetime(2026, 6, 1, tzinfo=UTC))


def _twin(item):
    from erpsync_gui.engine.deletes import twins_of

    return twins_of([item])[0][1]


def test_a_system_that_can_delete_deletes_the_twin():
    erp = _System(delete=True, archive=True)
    assert _run(erp) == [] and erp.done == [("delete", "9")]


def test_a_system_that_cannot_delete_archives_the_twin():
    erp = _System(delete=False, archive=True)
    assert _run(erp) == [] and erp.done == [("archive", "9")]


def test_a_system_that_can_do_neither_queues_the_twin_for_a_person():
    erp = _System(delete=False, archive=False)
    [queued] = _run(erp)
    assert erp.done == []
    assert (queued["twin_id"], queued["deleted_id"], queued["status"]) == ("9", "1", "open")
    assert "neither delete nor archive" in queued["message"]
