"""Conflict policies and directions in plain words, with the advice the Entities step gives per entity."""

from __future__ import annotations

from erpsync_gui.entities import ENTITIES
from erpsync_gui.records import Direction

POLICY_LABELS = {
    "crm_wins": "The CRM wins", "erp_wins": "The ERP wins", "newest_wins": "The newest edit wins",
    "manual": "I decide each time",
}
POLICY_WORDS = {
    "crm_wins": "When a record was changed on both sides since the last sync, the CRM's version is kept and "
                "written to the ERP.",
    "erp_wins": "When a record was changed on both sides since the last sync, the ERP's version is kept and "
                "written to the CRM.",
    "newest_wins": "When a record was changed on both sides, the later edit is kept (the clocks of both "
                   "systems are compared, corrected by the measured offset).",
    "manual": "When a record was changed on both sides, nothing is written: the record waits on the Conflicts "
              "page for a person to choose.",
}
DIRECTION_LABELS = {
    Direction.BOTH: "Both ways", Direction.IMPORT: "ERP → CRM", Direction.EXPORT: "CRM → ERP",
}


def advice(entity: str) -> str:
    """Which system should be the master of this entity, and why, as a careful admin would decide."""
    spec = ENTITIES[entity]
    name = spec.label.lower()
    if spec.default_direction is Direction.IMPORT:
        return f"Recommended: the ERP is the master of {name}; they are made there, so they flow ERP → CRM."
    if entity in ("invoices", "payments"):
        return f"Recommended: the ERP wins for {name}; accounting documents are legally kept there."
    if entity in ("clients", "contacts"):
        return (f"Recommended: decide which system your team edits {name} in. Sales usually keeps them in the "
                "CRM: let the CRM win.")
    return f"Recommended: both sides edit {name}; let the newest edit win, or decide each time."
