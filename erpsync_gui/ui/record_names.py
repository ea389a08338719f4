"""Records named for people beside their ids ("CRM 27 · Carpați PFA"): the entity's display field (from the
entity catalogue), found in a record's or a payload's data on either side through the mapping's field rows.
No Qt here; `fetch_names` reads records and blocks (call it off the GUI thread)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from erpsync_gui.app.service import SyncService
from erpsync_gui.engine.types import PlanItem
from erpsync_gui.entities import display_name
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.queries import OutcomeEntry

#: at most this many records of a group are read to name them
FETCH_CAP = 200


class RecordNames:
    """The display names of one profile's records."""

    def __init__(self, profile: ProfileConfig | None) -> None:
        self._renamed: dict[tuple[str, Side], dict[str, str]] = {}
        for cfg in profile.entities if profile else ():
            rows = [row for row in cfg.fields if isinstance(row, Mapping)]
            self._renamed[(cfg.entity, Side.ERP)] = {str(r.get("crm")): str(r.get("erp")) for r in rows
                                                     if r.get("crm") and r.get("erp")}

    def renamed(self, entity: str, side: Side) -> dict[str, str]:
        """The catalogue's (CRM) field names as they are called on `side`."""
        return self._renamed.get((entity, side), {}) if side is Side.ERP else {}

    def of_data(self, entity: str, side: Side, data: Mapping[str, Any] | None) -> str | None:
        return display_name(entity, data, self.renamed(entity, side)) if data else None

    def of_outcome(self, entry: OutcomeEntry) -> str | None:
        """From the payload the failed write sent (in the target's fields), when it was recorded whole."""
        if not entry.payload_excerpt or not entry.target_side:
            return None
        try:
            payload = json.loads(entry.payload_excerpt)
        except ValueError:  # cut at a fixed length
            return None
        if not isinstance(payload, dict):
            return None
        return self.of_data(entry.entity, Side(entry.target_side), payload)

    def of_item(self, entity: str, item: PlanItem) -> str | None:
        """A planned record's name: its own data, else its twin's, else the payload it would write."""
        name = self.of_data(entity, item.source_side, item.source.data)
        if name is None and item.target is not None:
            name = self.of_data(entity, item.source_side.other, item.target.data)
        if name is None and item.payload:
            name = self.of_data(entity, item.write_side or item.source_side.other, item.payload)
        return name


def source_side(entry: OutcomeEntry) -> Side | None:
    """The side whose record the failed write came from."""
    if entry.target_side in ("crm", "erp"):
        return Side(entry.target_side).other
    if entry.crm_id and not entry.erp_id:
        return Side.CRM
    if entry.erp_id and not entry.crm_id:
        return Side.ERP
    return None


def fetch_names(service: SyncService, profile_name: str, entity: str,
                wanted: Mapping[Side, Sequence[str]]) -> dict[tuple[Side, str], str]:
    """The names of the given records, read from their systems (at most FETCH_CAP per side); a side that
    cannot be read gives none."""
    profile = service.profile(profile_name)
    names = RecordNames(profile)
    cfg = profile.entity(entity)
    out: dict[tuple[Side, str], str] = {}
    for side, ids in wanted.items():
        chosen = sorted({i for i in ids if i})[:FETCH_CAP]
        if not chosen:
            continue
        try:
            connector = service.connector(profile, side)
        except ERPSyncError:
            continue
        try:
            for record_id, record in connector.get_many(cfg.name_on(side), chosen).items():
                name = names.of_data(entity, side, record.data)
                if name:
                    out[(side, record_id)] = name
        except ERPSyncError:
            continue
        finally:
            connector.close()
    return out
