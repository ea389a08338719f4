"""Both sides' lists of the values a picklist row pairs (a lookup value map), read for the mapping editor's fill:
the CRM's rows as its connector describes the field's choices (id and name), the ERP's values as its connector
lists them, else as its records of the entity hold them (the sandbox's clients name their county and locality)."""

from __future__ import annotations

from dataclasses import dataclass, field

from erpsync_gui.app.service import SyncService
from erpsync_gui.connectors.base import Connector
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import Side

#: the most records read for the ERP's distinct values, and the most values kept
MAX_RECORDS = 20_000
MAX_VALUES = 2_000
PAGE_SIZE = 200


@dataclass(frozen=True)
class ValueLists:
    """The CRM's {value: name} and the ERP's values of one row's fields, or why a side could not be read."""

    crm: dict[str, str] = field(default_factory=dict)
    erp: tuple[str, ...] = ()
    errors: dict[Side, str] = field(default_factory=dict)


def fetch_value_lists(service: SyncService, profile_name: str, entity: str, crm_field: str,
                      erp_field: str) -> ValueLists:
    """Read both sides' lists for the row `crm_field` <-> `erp_field` of `entity` (blocking: run off the GUI)."""
    profile = service.profile(profile_name)
    cfg = profile.entity(entity)
    crm: dict[str, str] = {}
    erp: tuple[str, ...] = ()
    errors: dict[Side, str] = {}
    for side, name in ((Side.CRM, crm_field), (Side.ERP, erp_field)):
        try:
            connector = service.connector(profile, side)
        except ERPSyncError as exc:
            errors[side] = service.redact(str(exc))
            continue
        try:
            if side is Side.CRM:
                crm = _described(connector, cfg.name_on(side), name)
            else:
                listed = _described(connector, cfg.name_on(side), name)
                erp = tuple(listed.values()) if listed else _held(connector, cfg.name_on(side), name)
        except ERPSyncError as exc:
            errors[side] = service.redact(str(exc))
        finally:
            connector.close()
    return ValueLists(crm, erp, errors)


def _described(connector: Connector, entity: str, name: str) -> dict[str, str]:
    """{choice: its label} of the field as the connector describes it ({} when it lists none)."""
    info = next((f for f in connector.describe(entity).fields if f.name == name), None)
    if info is None or not info.choices:
        return {}
    labels = info.choice_labels if len(info.choice_labels) == len(info.choices) else tuple(map(str, info.choices))
    return {str(choice): str(label) for choice, label in zip(info.choices, labels, strict=True)}


def _held(connector: Connector, entity: str, name: str) -> tuple[str, ...]:
    """The distinct values of `name` in the entity's records, in the order met."""
    found: dict[str, None] = {}
    read = 0
    for page in connector.changes(entity, None, PAGE_SIZE):
        for record in page.records:
            value = record.data.get(name)
            if value is not None and str(value).strip():
                found.setdefault(str(value).strip())
        read += len(page.records)
        if read >= MAX_RECORDS or len(found) >= MAX_VALUES:
            break
    return tuple(list(found)[:MAX_VALUES])
