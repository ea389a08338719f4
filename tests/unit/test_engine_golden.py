"""What the engine stores of a batch stays exactly as it was: each link's checksums, each pair's merge base (the
field digests of both sides) and the before-images, after a first import, a re-sync that changes nothing and a
sync of edits, over records of every kind of value. Existing users' stored checksums and snapshots depend on it:
a changed byte would make every linked record look changed.

tests/unit/engine_golden.json holds the outputs as the engine gave them before its per-record fast paths
(`python -m tests.unit.test_engine_golden` writes them again).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from erpsync_gui.records import Direction
from erpsync_gui.store import snapshots
from erpsync_gui.store.models import LinkRow
from erpsync_gui.store.safety_models import BeforeImageRow
from tests.fakes.memory import MemoryConnector
from tests.unit.test_engine import engine_for

GOLDEN = Path(__file__).with_name("engine_golden.json")

FIELDS = (
    {"crm": "customer_number", "erp": "number", "type": "text"},
    {"crm": "company", "erp": "name", "type": "text", "transform": ["strip", "collapse_spaces"], "required": True},
    {"crm": "city", "erp": "city", "type": "text", "transform": ["strip"]},
    {"crm": "note", "erp": "remark", "type": "text", "transform": ["lower"]},
    {"crm": "employees", "erp": "staff", "type": "integer"},
    {"crm": "is_active", "erp": "active", "type": "boolean"},
    {"crm": "turnover", "erp": "revenue", "type": "number"},
    {"crm": "since", "erp": "founded", "type": "date"},
)

#: records holding text in many forms, empty values, numbers as text and as numbers, yes/no in words, dates
RECORDS: tuple[dict[str, Any], ...] = (
    {"number": "C001", "name": "  Alpen   Straße  GmbH ", "city": "München", "remark": "VIP", "staff": 12,
     "active": True, "revenue": "1.234,56", "founded": "2001-02-03"},
    {"number": "C002", "name": "Ștefan SRL", "city": " Iași ", "remark": None, "staff": "007", "active": "da",
     "revenue": 12.5, "founded": "01.02.2024"},
    {"number": "C003", "name": "Ørsted A/S", "city": "", "remark": "", "staff": None, "active": None,
     "revenue": None, "founded": None},
    {"number": "C004", "name": "\"Quotes\" & \\ back\tslash", "city": "Köln", "remark": "Line\nbreak",
     "staff": 2 ** 40, "active": "off", "revenue": "-0", "founded": "2024-02-29"},
    {"number": "C005", "name": "Brașov Trade", "city": "Brașov", "remark": "é" * 50, "staff": "42",
     "active": False, "revenue": 10 ** 12, "founded": "2024-02-01T12:00:00+02:00"},
    {"number": "C006", "name": "Emoji 🚀 Ltd", "city": "Brașov", "remark": "\u2028", "staff": 0, "active": 1,
     "revenue": "1e3", "founded": "1999-12-31"},
    {"number": "C007", "name": "Second Brașov", "city": "Brașov", "remark": "VIP", "staff": -3, "active": "YES",
     "revenue": "0.10", "founded": "2020-01-01"},
    {"number": "C008", "name": "Broken staff", "city": "Cluj", "staff": "many"},  # cannot be mapped: no link
    {"number": "C009", "name": "Sparse", "city": None},
)

#: edits a person makes in the ERP after the import (by customer number)
EDITS: dict[str, dict[str, Any]] = {
    "C001": {"city": "Berlin", "revenue": "99"},
    "C003": {"name": "Ørsted Nord", "remark": "New"},
    "C006": {"staff": 7, "active": False},
}


def _state(store) -> dict[str, Any]:
    with store.session() as s:
        links = list(s.scalars(select(LinkRow).order_by(LinkRow.id)))
        images = list(s.scalars(select(BeforeImageRow).order_by(BeforeImageRow.id)))
    snaps = snapshots.load(store, [link.id for link in links])
    return {
        "links": [{"crm_id": link.crm_id, "erp_id": link.erp_id, "state": link.state,
                   "crm_checksum": link.crm_checksum, "erp_checksum": link.erp_checksum,
                   "digests": dict(snaps[link.id].digests) if link.id in snaps else None} for link in links],
        "before_images": [{"run": image.run_id, "side": image.side, "record_id": image.record_id,
                           "action": image.action, "before": image.before, "after": image.after}
                          for image in images],
    }


def outputs(store) -> dict[str, Any]:
    """The stored state after each of three runs: the import, a re-sync with nothing changed, a sync of edits."""
    crm, erp = MemoryConnector(), MemoryConnector()
    ids = {record["number"]: erp.put("clients", record) for record in RECORDS}
    engine = engine_for(store, crm, erp, direction=Direction.IMPORT, batch_size=4, fields=FIELDS)
    out: dict[str, Any] = {}
    for name in ("import", "resync", "edits"):
        if name == "edits":
            for number, change in EDITS.items():
                erp.put("clients", {**erp.get_many("clients", [ids[number]])[ids[number]].data, **change},
                        ids[number])
        result = engine.run("clients")
        out[name] = {"status": result.status, "counts": dict(result.counts), **_state(store)}
    return out


def test_the_stored_checksums_snapshots_and_before_images_are_the_pinned_ones(store):
    now = json.loads(json.dumps(outputs(store), sort_keys=True, ensure_ascii=False))
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert now["import"]["counts"]["inserted"] == 8 and now["import"]["counts"]["failed"] == 1
    assert now["resync"]["counts"]["inserted"] == now["resync"]["counts"]["updated"] == 0
    assert now["edits"]["counts"]["updated"] == 3
    for run in expected:
        for part in expected[run]:
            assert now[run][part] == expected[run][part], f"{run}: {part} differ"


if __name__ == "__main__":
    from erpsync_gui.config.kinds import register_kind
    from erpsync_gui.store.db import open_store
    from tests.fakes.memory import KIND

    register_kind(KIND)
    with tempfile.TemporaryDirectory() as folder:
        opened = open_store(f"sqlite:///{Path(folder) / 'state.db'}")
        try:
            text = json.dumps(outputs(opened), sort_keys=True, ensure_ascii=False, indent=1)
        finally:
            opened.close()
    (Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN).write_text(text + "\n", encoding="utf-8")
