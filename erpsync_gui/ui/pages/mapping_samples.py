"""Blocking reads the Mappings page runs on a pool thread: one real sample record and the field list of
each side, and both sides' currency lists. No Qt here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from erpsync_gui.app.service import SyncService
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.records import EntityInfo, FieldInfo, Record, Side


@dataclass(frozen=True)
class Samples:
    """Per side: the first record the system returns, its fields, or why they could not be read."""

    entity: str
    records: dict[Side, Record | None] = field(default_factory=dict)
    fields: dict[Side, tuple[FieldInfo, ...]] = field(default_factory=dict)
    errors: dict[Side, str] = field(default_factory=dict)
    #: what each side said of the entity (whether its field list is complete, above all)
    described: dict[Side, EntityInfo] = field(default_factory=dict)


def fetch_samples(service: SyncService, profile_name: str, entity: str) -> Samples:
    """Read one record and the fields of `entity` on both sides; a side that fails says why."""
    profile = service.profile(profile_name)
    cfg = profile.entity(entity)
    samples = Samples(entity)
    for side in Side:
        name = cfg.name_on(side)
        try:
            connector = service.connector(profile, side)
        except ERPSyncError as exc:
            samples.errors[side] = service.redact(str(exc))
            continue
        try:
            info = connector.describe(name)
            samples.described[side], samples.fields[side] = info, info.fields
            first = next(iter(itertools.islice(connector.changes(name, None, 1), 1)), None)
            samples.records[side] = first.records[0] if first is not None and first.records else None
        except ERPSyncError as exc:
            samples.errors[side] = service.redact(str(exc))
        finally:
            connector.close()
    return samples


def fetch_currencies(service: SyncService, profile_name: str) -> dict[Side, dict[str, str] | str]:
    """Each side's currencies as {id: "CODE name"}, or the reason they could not be read."""
    profile = service.profile(profile_name)
    out: dict[Side, dict[str, str] | str] = {}
    for side in Side:
        try:
            connector = service.connector(profile, side)
        except ERPSyncError as exc:
            out[side] = service.redact(str(exc))
            continue
        try:
            known: dict[str, str] = {}
            for page in connector.changes("currencies", None, 200):
                for record in page.records:
                    known[str(record.id)] = currency_label(record.data)
            out[side] = known
        except ERPSyncError as exc:
            out[side] = service.redact(str(exc))
        finally:
            connector.close()
    return out


def currency_label(data: Any) -> str:
    """"RON", "EUR Euro" ...: the code (or the CRM's name, which is its code) and a longer name when given."""
    code = str(data.get("code") or data.get("name") or "").strip()
    name = str(data.get("name") or "").strip()
    symbol = str(data.get("symbol") or "").strip()
    if name and name != code:
        return f"{code} {name}".strip()
    return f"{code} ({symbol})" if symbol and symbol != code else code
